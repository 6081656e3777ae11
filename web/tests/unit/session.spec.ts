import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { decodeClaims, homeFor, useSession } from '../../src/stores/session'
import { useSubmit } from '../../src/composables/useSubmit'
import { ApiError } from '../../src/api/http'

const encode = (claims: object) => `x.${btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(claims)))).replace(/=+$/, '')}.sig`

beforeEach(() => { setActivePinia(createPinia()); sessionStorage.clear(); localStorage.clear() })

describe('session', () => {
  it('reads the claims (Chinese included) and keeps the token in this tab only', () => {
    const token = encode({ sub: '李大爷的编号', tenant: 'hongwei', roles: ['resident'], exp: Date.now() / 1000 + 60 })
    const session = useSession()
    expect(session.signIn(token, '李大爷')?.sub).toBe('李大爷的编号')
    expect(session.signedIn).toBe(true)
    expect(sessionStorage.getItem('gongzhi.session')).toContain(token)
    expect(localStorage.length).toBe(0)
    session.signOut()
    expect(sessionStorage.length).toBe(0)
  })
  it('refuses what is not a token and treats an expired one as signed out', () => {
    expect(decodeClaims('nonsense')).toBeNull()
    const session = useSession()
    session.signIn(encode({ sub: 's', tenant: 't', roles: ['grid_worker'], exp: 1 }))
    expect(session.signedIn).toBe(false)
  })
  it('each role starts in its own area', () => {
    expect(homeFor(['community_staff'])).toBe('/staff')
    expect(homeFor(['grid_worker'])).toBe('/grid')
    expect(homeFor(['medical_staff'])).toBe('/medical')
    expect(homeFor(['resident'])).toBe('/me')
  })
})

describe('useSubmit', () => {
  it('reuses the Idempotency-Key only when the same body is sent again after a network failure', async () => {
    const submit = useSubmit()
    const keys: string[] = []
    const failing = (status: number) => async (o: { idempotencyKey?: string }) => { keys.push(o.idempotencyKey!); throw new ApiError({ status }) }
    await submit.run({ a: 1 }, failing(0))
    await submit.run({ a: 1 }, failing(422))
    await submit.run({ a: 1 }, failing(422))
    await submit.run({ a: 2 }, failing(0))
    expect(keys[0]).toBe(keys[1]) // retried after the network failure: same key
    expect(keys[2]).not.toBe(keys[1]) // after a refusal: a fresh attempt
    expect(keys[3]).not.toBe(keys[2])
    expect(submit.error.value?.status).toBe(0)
    const ok = await submit.run({ a: 2 }, async () => 'done')
    expect(ok).toBe('done')
    expect(submit.error.value).toBeNull()
  })
})
