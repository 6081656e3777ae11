import { expect, test } from '@playwright/test'
import { base, expectAccessible, screenshot, tokenOf } from './helpers'

test('the development sign-in lists the demo people and each lands on their own start page', async ({ page }) => {
  await page.goto(base() + '/')
  await expect(page).toHaveURL(/\/sign-in/)
  await expect(page.getByRole('heading', { name: '选择演示人员登录' })).toBeVisible()
  for (const name of ['王主任', '陈网格员', '刘医生', '李大爷']) await expect(page.getByRole('button', { name: new RegExp(name) })).toBeVisible()
  await expectAccessible(page)
  await screenshot(page, '01-sign-in')

  for (const [person, start] of [['staff', '/staff'], ['doctor', '/medical'], ['resident', '/me/activities']] as const) {
    await page.goto(base() + '/sign-in')
    await page.locator(`button[data-person="${person}"]`).click()
    await expect(page).toHaveURL(new RegExp(`${start}$`))
    await page.getByRole('button', { name: '退出' }).click()
    await expect(page).toHaveURL(/\/sign-in/)
  }
})

test('a pasted token signs in; a broken one is refused in plain words, and nothing is kept in localStorage or cookies', async ({ page, context }) => {
  await page.goto(base() + '/sign-in')
  await page.getByRole('textbox', { name: '登录凭证' }).fill('not-a-token')
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page.getByRole('alert')).toContainText('不是有效的登录凭证')
  await expect(page.getByRole('textbox', { name: '登录凭证' })).toHaveValue('not-a-token')

  const { token } = await tokenOf('doctor')
  await page.getByRole('textbox', { name: '登录凭证' }).fill(token)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await expect(page).toHaveURL(/\/medical$/)
  expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0)
  expect(await context.cookies()).toEqual([])
  // the token is this tab's: a reload keeps the person signed in
  await page.reload()
  await expect(page).toHaveURL(/\/medical$/)
})

test('a page that needs a role sends a signed-out visitor to the sign-in first', async ({ page }) => {
  await page.goto(base() + '/staff/residents')
  await expect(page).toHaveURL(/\/sign-in\?next=/)
  await page.locator('button[data-person="staff"]').click()
  await expect(page).toHaveURL(/\/staff\/residents$/)
})
