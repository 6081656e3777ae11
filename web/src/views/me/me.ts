import type { InjectionKey, ShallowRef } from 'vue'
import type { Resident } from '../../api/types'

/** the signed-in resident's own record, read once by the layout */
export const ME: InjectionKey<ShallowRef<Resident | null>> = Symbol('me')
