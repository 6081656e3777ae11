// A list that pages with the API's cursor: the first page, then "加载更多" for the next.
import { ref, shallowRef, type Ref } from 'vue'
import { ApiError } from '../api/http'
import type { Page } from '../api/types'

export function usePaged<T>(load: (cursor: string | null) => Promise<Page<T>>) {
  const items = ref([]) as Ref<T[]>
  const next = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<ApiError | null>(null)

  async function fetchPage(cursor: string | null) {
    loading.value = true
    error.value = null
    try {
      const page = await load(cursor)
      items.value = cursor ? [...items.value, ...page.items] : page.items
      next.value = page.next
      loaded.value = true
    } catch (caught) {
      error.value = caught instanceof ApiError ? caught : new ApiError({ status: 0, detail: String(caught) })
    } finally {
      loading.value = false
    }
  }
  const reload = () => fetchPage(null)
  const more = () => (next.value ? fetchPage(next.value) : Promise.resolve())
  return { items, next, loading, loaded, error, reload, more }
}
