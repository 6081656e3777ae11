// 李大爷 in elderly mode: every page's body text at least 18 px, no serious accessibility
// problem, his own timeline. (What needs the events and council services is in
// activities/needs/deliberations specs.)
import { expect, test } from '@playwright/test'
import { bodyTextPx, expectAccessible, screenshot, signInAs } from './helpers'

test('the resident pages are in elderly mode: 18 px or more, accessible, nothing that moves', async ({ page }) => {
  await signInAs(page, 'resident')
  await expect(page).toHaveURL(/\/me\/activities$/)
  await expect(page.locator('.hello')).toHaveText('李大爷，您好')
  const pages = [['我的活动', '10-resident-activities'], ['我的诉求', '11-resident-needs'], ['本周议事', '12-resident-proposals'], ['我的记录', '13-resident-timeline']] as const
  for (const [link, shot] of pages) {
    await page.getByRole('navigation', { name: '居民导航' }).getByRole('link', { name: link }).click()
    await expect(page.getByRole('heading', { level: 1, name: link })).toBeVisible()
    await expect(page.locator('.loading-line')).toHaveCount(0)
    const bodyPx = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.elderly')!).fontSize))
    expect(bodyPx, `${link}: body text`).toBeGreaterThanOrEqual(18)
    expect(await bodyTextPx(page), `${link}: smallest text in the page`).toBeGreaterThanOrEqual(18)
    const targets = await page.locator('main button, nav a').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height))
    for (const height of targets) expect(height, `${link}: touch target height`).toBeGreaterThanOrEqual(44)
    expect(await page.locator('[role="dialog"], .el-message, .el-notification, marquee, [class*="carousel"]').count()).toBe(0)
    await expectAccessible(page)
    await screenshot(page, shot)
  }
  await expect(page.locator('[data-test="timeline"] li').first()).toBeVisible()
  await expect(page.locator('[data-test="timeline"]')).toContainText('上门医疗')
})
