// The client covers every route the public contract names (../shared/API.md), each once.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as client from '../../src/api/client'
import { configure } from '../../src/api/http'

const here = path.dirname(new URL(import.meta.url).pathname)
const source = readFileSync(path.resolve(here, '../../src/api/client.ts'), 'utf-8')
const contract = [path.resolve(here, '../../../../shared/API.md'), path.resolve(here, '../../../shared/API.md')].find(existsSync)

/** `/v1/activities/{id}/registrations` → a pattern over the client's template strings */
const asTemplate = (route: string) => new RegExp('[\'`]' + route.replace(/\{[^}]+\}/g, '\\$\\{[^}]+\\}').replace(/\//g, '\\/') + '[\'`?]')

describe.skipIf(!contract)('every route of API.md has its client function', () => {
  const text = contract ? readFileSync(contract, 'utf-8') : ''
  const routes = [...new Set([...text.matchAll(/`(GET|POST|PATCH|DELETE|PUT) (\/v1\/[^`?\s]*)/g)].map((m) => `${m[1]} ${m[2]}`))]
  it('finds the routes in the contract', () => { expect(routes.length).toBeGreaterThan(40) })
  it.each(routes)('%s', (route) => {
    const [, pathPart] = route.split(' ')
    expect(source).toMatch(asTemplate(pathPart))
  })
})

describe('client functions send what the contract says', () => {
  afterEach(() => vi.unstubAllGlobals())
  it('check-in by code posts to the activity\'s check-ins; support posts the resident; withdrawing is a DELETE', async () => {
    const calls: [string, RequestInit][] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => { calls.push([url, init]); return new Response(init.method === 'DELETE' ? null : '{}', { status: init.method === 'DELETE' ? 204 : 200 }) }))
    configure({ token: () => 't' })
    await client.checkIn('a/1', { code: 'ABC234' })
    await client.support('p1', { resident_id: 'r1' })
    await client.withdrawSupport('p1', 'r1')
    await client.listNeeds({ status: 'received', overdue: true, limit: 10 })
    expect(calls.map(([url, init]) => `${init.method} ${url}`)).toEqual([
      'POST /v1/activities/a%2F1/check-ins', 'POST /v1/proposals/p1/supports', 'DELETE /v1/proposals/p1/supports/r1',
      'GET /v1/needs?status=received&overdue=true&limit=10'])
    expect(JSON.parse(calls[0][1].body as string)).toEqual({ code: 'ABC234' })
  })
})
