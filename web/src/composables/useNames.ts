// Residents' names for lists that carry only resident ids (read once each, staff roles).
import { reactive } from 'vue'
import { getResident } from '../api/client'

export function useNames() {
  const names = reactive<Record<string, string>>({})
  function want(ids: (string | null | undefined)[]) {
    for (const id of ids) {
      if (!id || id in names) continue
      names[id] = '…'
      getResident(id).then((r) => { names[id] = r.name }, () => { names[id] = '（未知居民）' })
    }
  }
  const of = (id: string | null | undefined) => (id ? names[id] ?? id : '—')
  return { want, of, names }
}
