// The grid worker's week: the worklist comes a page at a time, and "加载更多" adds the next
// page (the API's `not_knocked_next` as `cursor`) below what is shown.
import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configure } from '../../src/api/http'
import ThisWeek from '../../src/views/grid/ThisWeek.vue'

const home = (id: string, priority = 'never_knocked') => ({ household_id: id, address: `${id}栋`, grid_id: null, last_knocked_at: null, priority })
const figures = { week: '2026-W49', households: 10, knocked: 7, coverage: 0.7, by_grid: [] }

beforeEach(() => { setActivePinia(createPinia()); configure({ token: () => 't' }) })
afterEach(() => vi.unstubAllGlobals())

describe('ThisWeek', () => {
  it('shows the first page and adds the next one on 加载更多, until the last', async () => {
    const asked: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      asked.push(url)
      const body = url.startsWith('/v1/grids') ? { items: [], next: null }
        : url.includes('cursor=') ? { ...figures, not_knocked: [home('h3')], not_knocked_total: 3, not_knocked_next: null }
          : { ...figures, not_knocked: [home('h1', 'elderly_living_alone'), home('h2')], not_knocked_total: 3, not_knocked_next: 'rnext!h2' }
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
    }))
    const view = mount(ThisWeek, { global: { stubs: { RouterLink: RouterLinkStub } } })
    await flushPromises()
    const listed = () => view.findAll('[data-test="not-knocked"] li strong').map((s) => s.text())
    expect(listed()).toEqual(['h1栋', 'h2栋'])
    expect(view.text()).toContain('还有 3 户待走访')
    expect(view.find('.status.urgent').exists()).toBe(true)
    await view.find('.load-more button').trigger('click')
    await flushPromises()
    expect(decodeURIComponent(asked.at(-1) ?? '')).toContain('cursor=rnext!h2')
    expect(listed()).toEqual(['h1栋', 'h2栋', 'h3栋'])
    expect(view.find('.load-more button').exists()).toBe(false)
    expect(view.find('.load-more').text()).toBe('共 3 条，已全部显示。')
  })
})
