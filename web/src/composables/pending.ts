// How many requests are in flight, for the one "正在加载" line a long load shows.
import { ref } from 'vue'

export const pending = ref(0)

export async function tracked<R>(work: Promise<R>): Promise<R> {
  pending.value += 1
  try { return await work } finally { pending.value -= 1 }
}
