// The grids whose worker_subs hold the signed-in worker's sub (empty when grids are not
// there yet, or the caller is staff: then the whole community counts).
import { ref } from 'vue'
import { listGrids } from '../api/client'
import type { Grid } from '../api/types'
import { useSession } from '../stores/session'

export function useMyGrids() {
  const session = useSession()
  const grids = ref<Grid[]>([])
  async function load() {
    try {
      const all = (await listGrids({ limit: 200 })).items
      grids.value = all.filter((grid) => grid.worker_subs.includes(session.claims?.sub ?? ''))
    } catch {
      grids.value = []
    }
    return grids.value
  }
  return { grids, load }
}
