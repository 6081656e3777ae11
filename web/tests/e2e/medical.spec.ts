// The medical team: upcoming visits, the completion form (an error under its field keeps
// what was typed), follow-ups due and overdue, referrals and the hospital's answers.
import { expect, test } from '@playwright/test'
import { api, expectAccessible, screenshot, signInAs } from './helpers'

test.beforeEach(async ({ page }) => { await signInAs(page, 'doctor') })

test('the doctor completes an upcoming visit; a wrong package count is said under it and nothing typed is lost', async ({ page }) => {
  await expect(page).toHaveURL(/\/medical$/)
  const doctor = await api('doctor')
  const wang = (await doctor.get(`/v1/residents?q=${encodeURIComponent('王奶奶')}`)).items[0]
  const reason = `上门测血压 ${Date.now() % 100000}`
  const tomorrow = new Date(Date.now() + 86400_000).toISOString()
  await doctor.post('/v1/visits', { resident_id: wang.id, scheduled_for: tomorrow, reason })
  await page.reload()
  await expect(page.locator('[data-test="visits"] tbody tr').first()).toBeVisible() // the demo's upcoming visit and this one
  const rows = page.locator('[data-test="visits"] tbody tr', { hasText: reason })
  await expect(rows).toContainText('王奶奶')
  await expectAccessible(page)
  await screenshot(page, '06-medical-visits')

  await rows.first().getByRole('link', { name: '填写上门记录' }).click()
  await expect(page.getByRole('heading', { name: /上门记录：/ })).toBeVisible()
  await page.getByLabel('症状（每行或用逗号分开）').fill('头晕，乏力')
  await page.getByLabel('既往病史').fill('高血压十年')
  await page.getByLabel('正在服用的药').fill('硝苯地平')
  await page.getByLabel('血压（收缩压/舒张压）').fill('150/95')
  await page.getByLabel('血糖（mmol/L）').fill('6.1')
  await page.getByLabel('药品 1').fill('降压药')
  const quantity = page.locator('#qty-0')
  await quantity.fill('0')
  await quantity.blur()
  await page.getByRole('button', { name: '保存上门记录' }).click()
  await expect(page.getByText('药品按整份计，每种 1 到 100 份。')).toBeVisible()
  await expect(page.getByLabel('症状（每行或用逗号分开）')).toHaveValue('头晕，乏力')
  await expect(page.getByLabel('药品 1')).toHaveValue('降压药')
  await expectAccessible(page)
  await screenshot(page, '07-medical-complete-form')

  await quantity.fill('2')
  await quantity.blur()
  await page.getByRole('button', { name: '保存上门记录' }).click()
  await expect(page.locator('[data-test="saved"]')).toContainText('发放药品 2 份')
  const visitId = page.url().split('/').pop()!
  const visit = await doctor.get(`/v1/visits/${visitId}`)
  expect(visit.status).toBe('completed')
  expect(visit.symptoms).toEqual(['头晕', '乏力'])
  expect(visit.checks).toMatchObject({ blood_pressure: '150/95', glucose_mmol_l: 6.1 })
  expect(visit.medicines_dispensed).toEqual([{ name: '降压药', quantity: 2 }])
})

test('follow-ups due and overdue, and referrals with the hospital\'s answers', async ({ page }) => {
  await page.getByRole('link', { name: '随访' }).click()
  await expect(page.getByRole('heading', { name: '到期' })).toBeVisible()
  await expect(page.getByRole('heading', { name: '已逾期' })).toBeVisible()
  await expectAccessible(page)
  await screenshot(page, '08-medical-follow-ups')

  await page.getByRole('link', { name: '转诊' }).click()
  const referral = page.locator('[data-test="referrals"] tbody tr', { hasText: '骨科' })
  await expect(referral).toContainText('李大爷')
  await expect(referral).toContainText('腿部外伤愈合缓慢')
  await expect(referral).toContainText(/等待医院答复|医院已接收|医院未接收/)
  await expectAccessible(page)
  await screenshot(page, '09-medical-referrals')
})
