// What every browser spec uses: the running platform's URL, signing in as a demo person,
// the accessibility check, screenshots, and whether a service's routes are there yet.
import AxeBuilder from '@axe-core/playwright'
import { expect, request, type Browser, type BrowserContextOptions, type Page } from '@playwright/test'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const base = () => {
  const url = process.env.CONSOLE_URL
  if (!url) throw new Error('CONSOLE_URL is not set: global-setup starts the platform')
  return url
}
export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/screenshots')

export async function signInAs(page: Page, person: 'staff' | 'grid_worker' | 'doctor' | 'resident') {
  await page.goto(base() + '/sign-in')
  await page.locator(`button[data-person="${person}"]`).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'))
}

/** no serious or critical axe-core violation on the page as it is now */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([])
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** the computed font size (px) of the page's body text in the main area */
export async function bodyTextPx(page: Page, selector = 'main p, main li, main label, main td'): Promise<number> {
  return page.evaluate((sel) => {
    const sizes = Array.from(document.querySelectorAll(sel))
      .filter((el) => (el as HTMLElement).offsetParent !== null && (el.textContent ?? '').trim())
      .map((el) => parseFloat(getComputedStyle(el).fontSize))
    return sizes.length ? Math.min(...sizes) : 0
  }, selector)
}

let paths: Record<string, unknown> | null = null
/** is every one of these paths in the running gateway's /openapi.json? */
export async function served(...wanted: string[]): Promise<boolean> {
  if (!paths) {
    const context = await request.newContext()
    paths = (await (await context.get(base() + '/openapi.json')).json()).paths
    await context.dispose()
  }
  return wanted.every((p) => paths && p in paths)
}

/** a token for a demo person, for setting data up through the API itself */
export async function tokenOf(person: string): Promise<{ token: string; sub: string }> {
  const context = await request.newContext()
  const answer = await (await context.post(base() + '/v1/dev/tokens', { data: { person } })).json()
  await context.dispose()
  return { token: answer.token, sub: answer.person.sub }
}

/** the public API as a person, for setup and for checking what the screens did */
export async function api(person: string) {
  const { token, sub } = await tokenOf(person)
  const context = await request.newContext({ baseURL: base(), extraHTTPHeaders: { Authorization: `Bearer ${token}` } })
  return {
    sub,
    token,
    async get(path: string) { const r = await context.get(path); expect(r.status(), `${path}: ${await r.text()}`).toBe(200); return r.json() },
    async post(path: string, data: unknown, status = 201) { const r = await context.post(path, { data }); expect(r.status(), `${path}: ${await r.text()}`).toBe(status); return r.json() },
    async raw(method: string, path: string, data?: unknown) { return context.fetch(path, { method, data }) },
    dispose: () => context.dispose(),
  }
}

export const residentNamed = async (person: Awaited<ReturnType<typeof api>>, name: string) =>
  (await person.get(`/v1/residents?q=${encodeURIComponent(name)}`)).items[0]

/** a second person's page in a context of its own (axe-core needs pages made by a context);
 * close it with `page.context().close()` */
export async function personPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options })
  return context.newPage()
}
