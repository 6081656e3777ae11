// Deliberation weeks (services/council): staff open one, 李大爷 supports a proposal, a grid
// worker supports on 王奶奶's behalf (the screen says so) until the bar reaches the
// threshold; after a week closes, staff decide and record progress to implemented.
import { expect, test } from '@playwright/test'
import { api, base, expectAccessible, screenshot, served, signInAs, personPage } from './helpers'

const local = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16)

test.beforeEach(async () => {
  test.skip(!(await served('/v1/deliberations', '/v1/proposals')), 'the council service (deliberations, proposals) is not served by this gateway yet')
})

test('open a week; support in person and on a resident\'s behalf; the bar reaches the threshold', async ({ page, browser }) => {
  const title = `永光新村议事周 ${Date.now() % 100000}`
  await signInAs(page, 'staff')
  await page.getByRole('link', { name: '居民议事周' }).click()
  await page.getByLabel('主题').fill(title)
  await page.getByLabel('开始').fill(local(Date.now() - 60_000))
  await page.getByLabel('结束').fill(local(Date.now() + 7 * 86400_000))
  await page.getByLabel('支持门槛').selectOption('supports')
  await page.getByLabel('门槛数值').fill('2')
  await page.getByRole('button', { name: '开启' }).click()
  await expect(page.getByRole('status').filter({ hasText: '已开启' })).toContainText(title)
  await expectAccessible(page)

  const staff = await api('staff')
  const deliberation = (await staff.get('/v1/deliberations?status=open')).items.find((d: { title: string }) => d.title === title)
  const li = (await staff.get(`/v1/residents?q=${encodeURIComponent('李大爷')}`)).items[0]
  const proposal = await staff.post('/v1/proposals', { deliberation_id: deliberation.id, author_resident_id: li.id,
    title: `增设儿童游乐设施 ${title.slice(-5)}`, description: '小区里孩子多，想在空地上装滑梯和秋千。' })

  const resident = await personPage(browser)
  await signInAs(resident, 'resident')
  await resident.getByRole('link', { name: '本周议事' }).click()
  const card = resident.locator('[data-test="proposal"]', { hasText: proposal.title })
  await expect(card.locator('[data-test="support-bar"]')).toContainText('还差 2 户')
  await card.getByRole('button', { name: '我支持' }).click()
  await expect(resident.locator('[data-test="done"]')).toContainText('您支持了')
  await expect(card.locator('[data-test="support-bar"]')).toContainText('已有 1 户支持')
  await expectAccessible(resident)
  await screenshot(resident, '25-resident-proposals')

  const worker = await personPage(browser, { viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true })
  await signInAs(worker, 'grid_worker')
  await worker.getByRole('link', { name: '代居民办理' }).click()
  await worker.getByLabel('为哪位居民办理').fill('王奶奶')
  await worker.getByRole('button', { name: '查找' }).click()
  await worker.getByRole('button', { name: /王奶奶（\d+ 岁）/ }).click()
  await expect(worker.locator('[data-test="acting-for"]')).toHaveText(/由 陈网格员 代居民 王奶奶 办理/)
  const row = worker.locator('article', { hasText: proposal.title })
  await row.getByRole('button', { name: '代为支持' }).click()
  await expect(worker.locator('[data-test="done"]')).toContainText('已代为支持')
  await screenshot(worker, '26-grid-support-on-behalf')

  const now = await staff.get(`/v1/proposals/${proposal.id}`)
  expect(now.supports).toBe(2)
  expect(now.reached_threshold).toBe(true)
  await page.goto(`${base()}/staff/deliberations/${deliberation.id}`)
  await expect(page.locator('[data-test="proposal"]', { hasText: proposal.title }).locator('[data-test="support-bar"]')).toContainText('已达到门槛')
  await screenshot(page, '27-staff-deliberation')
  await resident.context().close()
  await worker.context().close()
})

test('after a week closes, staff decide on a proposal and record its progress to implemented', async ({ page }) => {
  const staff = await api('staff')
  const community = (await staff.get('/v1/communities')).items[0]
  const li = (await staff.get(`/v1/residents?q=${encodeURIComponent('李大爷')}`)).items[0]
  const week = await staff.post('/v1/deliberations', { community_id: community.id, title: `短议事 ${Date.now() % 100000}`,
    opens_at: new Date(Date.now() - 60_000).toISOString(), closes_at: new Date(Date.now() + 4000).toISOString(), threshold: { supports: 1 } })
  const proposal = await staff.post('/v1/proposals', { deliberation_id: week.id, author_resident_id: li.id, title: '楼道加装扶手', description: '老人上下楼不方便。' })
  await expect.poll(async () => (await staff.get(`/v1/deliberations/${week.id}`)).status, { timeout: 20_000 }).toBe('closed')

  await signInAs(page, 'staff')
  await page.goto(`${base()}/staff/deliberations/${week.id}`)
  const card = page.locator('[data-test="proposal"]', { hasText: '楼道加装扶手' })
  await card.getByLabel('决定').selectOption('accepted')
  await card.getByLabel('答复居民').fill('同意，年内装好')
  await card.getByLabel('预算（元）').fill('20000')
  await card.getByRole('button', { name: '作出决定' }).click()
  await expect(card.getByRole('status')).toContainText('已采纳')
  await card.getByLabel('进度（%）').fill('100')
  await card.getByLabel('说明').fill('扶手已装好')
  await card.getByRole('button', { name: '记录进度' }).click()
  await expect(card.getByRole('status')).toContainText('100%')
  expect((await staff.get(`/v1/proposals/${proposal.id}`)).status).toBe('implemented')
})
