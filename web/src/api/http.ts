// The one way the console talks to the gateway: same origin, bearer token from the session,
// JSON in and out. Every failure becomes an ApiError with a Chinese sentence and, for
// validation problems, one Chinese message per field (nested fields as "a.0.b").
import { fieldMessage, statusSentence } from './messages'
import { pending } from '../composables/pending'

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  errors?: Record<string, unknown>
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** field path → Chinese message */
  readonly fields: Record<string, string>
  /** the sentence to show beside the form (or the only field's message) */
  readonly sentence: string

  constructor(problem: Problem) {
    const fields = flattenErrors(problem.errors ?? {})
    const sentence = statusSentence(problem.status, problem.detail)
    super(sentence)
    this.name = 'ApiError'
    this.status = problem.status
    this.problem = problem
    this.fields = fields
    this.sentence = sentence
  }

  /** the message for one field, or for anything under it (medicines.0.quantity for medicines) */
  field(path: string): string | undefined {
    if (this.fields[path]) return this.fields[path]
    const under = Object.keys(this.fields).find((key) => key.startsWith(path + '.'))
    return under ? this.fields[under] : undefined
  }
}

export function flattenErrors(errors: Record<string, unknown>, prefix = ''): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [key, value] of Object.entries(errors)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (Array.isArray(value)) {
      const first = value.find((item) => typeof item === 'string') as string | undefined
      if (first !== undefined) flat[path] = fieldMessage(first)
      value.forEach((item, index) => {
        if (item && typeof item === 'object') Object.assign(flat, flattenErrors(item as Record<string, unknown>, `${path}.${index}`))
      })
    } else if (value && typeof value === 'object') {
      Object.assign(flat, flattenErrors(value as Record<string, unknown>, path))
    } else if (typeof value === 'string') {
      flat[path] = fieldMessage(value)
    }
  }
  return flat
}

export type TokenSource = () => string | null
let tokenSource: TokenSource = () => null
let onUnauthorized: () => void = () => {}

export function configure(options: { token: TokenSource; unauthorized?: () => void }) {
  tokenSource = options.token
  if (options.unauthorized) onUnauthorized = options.unauthorized
}

export interface RequestOptions {
  idempotencyKey?: string
  signal?: AbortSignal
  auth?: boolean
}

export function newKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = options.auth === false ? null : tokenSource()
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method === 'POST') headers['Idempotency-Key'] = options.idempotencyKey ?? newKey()
  let response: Response
  pending.value += 1
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal, credentials: 'omit', // the token is the only credential
    })
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error
    throw new ApiError({ status: 0, title: 'Network error', detail: String(error) })
  } finally {
    pending.value -= 1
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let payload: unknown = undefined
  try { payload = text ? JSON.parse(text) : undefined } catch { payload = undefined }
  if (!response.ok) {
    const problem = (payload && typeof payload === 'object' ? payload : {}) as Problem
    const error = new ApiError({ ...problem, status: response.status })
    if (response.status === 401 && token) onUnauthorized()
    throw error
  }
  return payload as T
}

/** `?a=1&b=x` from the set values only */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}
