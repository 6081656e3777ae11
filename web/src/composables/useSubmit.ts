// A form's submission: busy while it runs, the API's error kept for the fields to show, and
// nothing the person typed is touched (the form's own refs stay as they were). After a
// network failure or a busy service, sending the same body again reuses the same
// Idempotency-Key, so a request that did land is not applied twice.
import { ref, shallowRef } from 'vue'
import { ApiError, newKey, type RequestOptions } from '../api/http'

const RETRYABLE = new Set([0, 503, 504])

export function useSubmit() {
  const busy = ref(false)
  const error = shallowRef<ApiError | null>(null)
  let key = newKey()
  let sent = ''

  async function run<R>(body: unknown, call: (options: RequestOptions) => Promise<R>): Promise<R | undefined> {
    const fingerprint = JSON.stringify(body ?? null)
    if (fingerprint !== sent) key = newKey()
    sent = fingerprint
    busy.value = true
    error.value = null
    try {
      const result = await call({ idempotencyKey: key })
      key = newKey()
      sent = ''
      return result
    } catch (caught) {
      error.value = caught instanceof ApiError ? caught : new ApiError({ status: 0, detail: String(caught) })
      if (!RETRYABLE.has(error.value.status)) { key = newKey(); sent = '' }
      return undefined
    } finally {
      busy.value = false
    }
  }

  const fieldError = (path: string) => error.value?.field(path)
  /** only this field's own message, not those of the items under it */
  const ownError = (path: string) => error.value?.fields[path]
  const clear = () => { error.value = null }
  return { busy, error, run, fieldError, ownError, clear }
}
