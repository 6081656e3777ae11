// The main page's weight and first-load time, measured in the browser against the
// gateway-served build (gzip as the gateway sends it, a fresh cache each time). Written to
// test-results/first-load.json and printed, with budgets a regression would break.
import { expect, test } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { SCREENSHOTS, base, tokenOf } from './helpers'

interface Load { page: string; transferKB: number; decodedKB: number; requests: number; domContentLoadedMs: number; loadMs: number }

async function measure(page: import('@playwright/test').Page, name: string): Promise<Load> {
  return page.evaluate((label) => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[]
    const files = resources.filter((r) => new URL(r.name).pathname.startsWith('/assets/'))
    const sum = (key: 'transferSize' | 'decodedBodySize') => nav[key] + files.reduce((n, r) => n + r[key], 0)
    return { page: label, transferKB: Math.round(sum('transferSize') / 102.4) / 10, decodedKB: Math.round(sum('decodedBodySize') / 102.4) / 10,
      requests: files.length + 1, domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd), loadMs: Math.round(nav.loadEventEnd) }
  }, name)
}

test('first load of the sign-in page and of the staff dashboard', async ({ browser }) => {
  const results: Load[] = []
  const fresh = await browser.newContext()
  const page = await fresh.newPage()
  await page.goto(base() + '/sign-in', { waitUntil: 'networkidle' })
  await expect(page.getByRole('heading', { name: '选择演示人员登录' })).toBeVisible()
  results.push(await measure(page, 'sign-in (main page)'))

  await fresh.close()

  // the dashboard opened straight away by someone signed in, with an empty cache
  const { token } = await tokenOf('staff')
  const cold = await browser.newContext()
  await cold.addInitScript((t) => sessionStorage.setItem('gongzhi.session', JSON.stringify({ token: t, name: '王主任' })), token)
  const dashboard = await cold.newPage()
  await dashboard.goto(base() + '/staff', { waitUntil: 'networkidle' })
  await expect(dashboard.locator('.chart canvas').first()).toBeVisible()
  results.push(await measure(dashboard, 'staff dashboard (cold cache, signed in)'))
  await cold.close()

  writeFileSync(path.resolve(SCREENSHOTS, '..', 'first-load.json'), JSON.stringify(results, null, 2))
  console.log(results.map((r) => `${r.page}: ${r.transferKB} KB over the wire (${r.decodedKB} KB unpacked, ${r.requests} requests), DOMContentLoaded ${r.domContentLoadedMs} ms, load ${r.loadMs} ms`).join('\n'))
  expect(results[0].transferKB, 'the main page stays light').toBeLessThan(150)
  expect(results[0].domContentLoadedMs).toBeLessThan(3000)
})
