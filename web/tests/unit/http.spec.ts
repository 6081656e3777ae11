import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, configure, flattenErrors, query, request } from '../../src/api/http'
import { pending } from '../../src/composables/pending'

function answer(status: number, body: unknown, type = 'application/problem+json') {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': type } })
}

afterEach(() => vi.unstubAllGlobals())

describe('problem+json becomes Chinese sentences per field', () => {
  it('flattens nested marshmallow errors to paths and translates them', () => {
    const fields = flattenErrors({
      phone: ['Not a valid mainland phone number.'],
      medicines_dispensed: { 0: { quantity: ['Quantity counts whole packages, from 1 to 100.'] } },
      name: ['Missing data for required field.'],
      title: ['Length must be between 1 and 50.'],
    })
    expect(fields).toEqual({
      phone: '手机号不对：请填写 11 位手机号或带区号的座机号。',
      'medicines_dispensed.0.quantity': '药品按整份计，每种 1 到 100 份。',
      name: '这一项必须填写。',
      title: '长度应在 1 到 50 个字之间。',
    })
  })

  it('an unknown English message still becomes a plain Chinese sentence', () => {
    expect(flattenErrors({ x: ['Something odd happened.'] })).toEqual({ x: '这一项填写得不对，请检查。' })
  })

  it('a field finds the messages of the items under it', () => {
    const error = new ApiError({ status: 422, errors: { medicines_dispensed: { 1: { name: ['Missing data for required field.'] } } } })
    expect(error.field('medicines_dispensed')).toBe('这一项必须填写。')
    expect(error.field('symptoms')).toBeUndefined()
  })

  it.each([
    [401, undefined, '登录已过期或无效，请重新登录。'],
    [403, undefined, '您的身份不能做这件事。'],
    [404, 'no activity x', '没有找到这条记录。'],
    [404, 'no registration with code ABCDEF', '签到码不对，请核对后再试。'],
    [404, 'The requested URL was not found on the server.', '这项服务暂未开通。'],
    [409, 'the visit is already completed', '这件事已经办完了，不能再办。'],
    [409, 'something else', '现在的状态不允许这样做。'],
    [503, undefined, '服务暂时忙不过来，请稍后再试。刚才填写的内容都还在。'],
  ])('status %i (%s) reads: %s', (status, detail, sentence) => {
    expect(new ApiError({ status, detail }).sentence).toBe(sentence)
  })
})

describe('request', () => {
  it('sends the bearer token, JSON and an Idempotency-Key on POST; never cookies', async () => {
    const fetch = vi.fn(async () => answer(201, { id: 'r1' }, 'application/json'))
    vi.stubGlobal('fetch', fetch)
    configure({ token: () => 'tok' })
    const created = await request<{ id: string }>('POST', '/v1/residents', { name: '李大爷' }, { idempotencyKey: 'k1' })
    expect(created).toEqual({ id: 'r1' })
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(path).toBe('/v1/residents')
    expect(init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/json', 'Idempotency-Key': 'k1' })
    expect(init.credentials).toBe('omit')
    expect(JSON.parse(init.body as string)).toEqual({ name: '李大爷' })
  })

  it('a problem answer throws an ApiError with its fields; a 401 signs the person out', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(401, { status: 401, title: 'Unauthorized', detail: 'expired' })))
    const unauthorized = vi.fn()
    configure({ token: () => 'tok', unauthorized })
    await expect(request('GET', '/v1/residents')).rejects.toMatchObject({ status: 401 })
    expect(unauthorized).toHaveBeenCalledOnce()

    vi.stubGlobal('fetch', vi.fn(async () => answer(422, { status: 422, title: 'Validation failed', errors: { birth_date: ['Not a valid date.'] } })))
    const error = await request('POST', '/v1/residents', {}).catch((e: ApiError) => e) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect(error.fields).toEqual({ birth_date: '日期格式不对，请按“年-月-日”填写。' })
  })

  it('a network failure is status 0 with a sentence that says nothing typed is lost', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    const error = await request('GET', '/v1/visits').catch((e: ApiError) => e) as ApiError
    expect(error.status).toBe(0)
    expect(error.sentence).toContain('刚才填写的内容都还在')
    expect(pending.value).toBe(0)
  })

  it('query strings leave out what is not set', () => {
    expect(query({ q: '李大爷', tag: '', limit: 20, cursor: null, overdue: undefined })).toBe('?q=%E6%9D%8E%E5%A4%A7%E7%88%B7&limit=20')
    expect(query({})).toBe('')
  })
})
