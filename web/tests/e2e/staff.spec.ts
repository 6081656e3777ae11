// Community staff: the dashboard of live indicators, the registry with masked numbers, a
// resident's page and timeline, and registering a resident (errors beside their fields).
import { expect, test } from '@playwright/test'
import { api, base, expectAccessible, screenshot, signInAs } from './helpers'

test.beforeEach(async ({ page }) => { await signInAs(page, 'staff') })

test('the dashboard shows the live figures with charts, and filters by community and dates', async ({ page }) => {
  await expect(page).toHaveURL(/\/staff$/)
  const staff = await api('staff')
  const live = await staff.get('/v1/metrics/summary') // what the API says now (other specs add to it)
  expect(live.residents_registered).toBeGreaterThanOrEqual(34)
  expect(live.medicine_packages).toBeGreaterThanOrEqual(42)
  const figures = page.locator('[data-test="figures"]')
  await expect(figures.locator('.figure', { hasText: '登记居民' }).locator('.value')).toHaveText(String(live.residents_registered))
  await expect(figures.locator('.figure', { hasText: '发放药品（份）' }).locator('.value')).toHaveText(String(live.medicine_packages))
  await expect(figures.locator('.figure', { hasText: '上门服务居民' }).locator('.value')).toHaveText(String(live.residents_served))
  await expect(page.locator('.chart canvas').first()).toBeVisible()

  await page.getByLabel('社区', { exact: true }).selectOption({ label: '凯旋社区' })
  await page.getByLabel('开始日期').fill('2000-01-01')
  await page.getByLabel('结束日期').fill('2000-01-31')
  await page.getByRole('button', { name: '查看' }).click()
  await expect(figures.locator('.figure', { hasText: '发放药品（份）' }).locator('.value')).toHaveText('0')
  await page.getByLabel('开始日期').fill('')
  await page.getByLabel('结束日期').fill('')
  await page.getByRole('button', { name: '查看' }).click()
  await expect(figures.locator('.figure', { hasText: '发放药品（份）' }).locator('.value')).toHaveText(String(live.medicine_packages))
  await expectAccessible(page)
  await screenshot(page, '02-staff-dashboard')
})

test('the registry finds a resident with numbers masked and opens their timeline', async ({ page }) => {
  await page.getByRole('link', { name: '居民登记' }).click()
  await page.getByLabel('按姓名查找').fill('李大爷')
  await page.getByRole('button', { name: '查找' }).click()
  const row = page.locator('[data-test="residents"] tbody tr', { hasText: '李大爷' })
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('88')
  await expect(row).toContainText(/138\*{4}\d{4}/)
  await expect(row).toContainText(/\d{6}\*+\d{3}[\dX]/)
  await expect(page.locator('[data-test="residents"]')).not.toContainText(/1380000\d{4}/)
  await expectAccessible(page)
  await screenshot(page, '03-staff-registry')

  await row.getByRole('link', { name: '李大爷' }).click()
  await expect(page.getByRole('heading', { name: '李大爷' })).toBeVisible()
  await expect(page.locator('[data-test="timeline"] li').first()).toBeVisible()
  await expect(page.locator('[data-test="timeline"]')).toContainText('上门医疗')
  await expectAccessible(page)
  await screenshot(page, '04-staff-resident')
})

test('registering a resident: a wrong phone shows a Chinese sentence under the phone field and keeps what was typed', async ({ page }) => {
  const name = `测试居民${Date.now() % 100000}`
  await page.goto(base() + '/staff/residents')
  await page.getByRole('button', { name: '登记新居民' }).click()
  await page.getByLabel('住户').selectOption({ index: 1 })
  await page.locator('#name').fill(name)
  await page.getByLabel('出生日期（年-月-日）').fill('1950-05-06')
  await page.locator('#phone').fill('12345')
  await page.getByRole('button', { name: '登记', exact: true }).click()
  await expect(page.locator('#phone-error')).toHaveText(/手机号不对/)
  await expect(page.locator('[data-test="form-error"]')).toContainText('填写得不对')
  await expect(page.locator('#name')).toHaveValue(name)
  await expect(page.locator('#phone')).toHaveValue('12345')
  await expectAccessible(page)
  await screenshot(page, '05-staff-register-error')

  await page.locator('#phone').fill('13912345678')
  await page.getByRole('button', { name: '登记', exact: true }).click()
  await expect(page.getByRole('status').filter({ hasText: '已登记' })).toContainText(name)
  await page.getByLabel('按姓名查找').fill(name)
  await page.getByRole('button', { name: '查找' }).click()
  await expect(page.locator('[data-test="residents"] tbody tr', { hasText: name })).toContainText('139****5678')
})

test('lists page: "加载更多" brings the next residents until all are shown', async ({ page }) => {
  await page.goto(base() + '/staff/residents')
  const rows = page.locator('[data-test="residents"] tbody tr')
  await expect(rows).toHaveCount(20)
  await page.getByRole('button', { name: '加载更多' }).click()
  await expect(rows).not.toHaveCount(20)
  expect(await rows.count()).toBeGreaterThanOrEqual(34)
  await expect(page.getByText(/已全部显示/)).toBeVisible()
})
