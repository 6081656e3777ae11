// Who is signed in. The token lives in memory and in this tab's sessionStorage (gone when
// the tab closes; never localStorage or a cookie, which other tabs or sites' requests reach).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

const KEY = 'gongzhi.session'

export interface Claims { sub: string; tenant: string; roles: string[]; exp: number; communities?: string[] }

export function decodeClaims(token: string): Claims | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')
    const json = decodeURIComponent(Array.from(atob(base64), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''))
    const claims = JSON.parse(json)
    if (typeof claims.sub !== 'string' || typeof claims.tenant !== 'string' || !Array.isArray(claims.roles)) return null
    return claims as Claims
  } catch {
    return null
  }
}

/** where each role's day starts */
export function homeFor(roles: string[]): string {
  if (roles.includes('community_staff') || roles.includes('subdistrict_admin')) return '/staff'
  if (roles.includes('grid_worker')) return '/grid'
  if (roles.includes('medical_staff')) return '/medical'
  if (roles.includes('resident')) return '/me'
  return '/sign-in'
}

export const useSession = defineStore('session', () => {
  const stored = typeof sessionStorage !== 'undefined' ? sessionStorage.getItem(KEY) : null
  const saved = stored ? (JSON.parse(stored) as { token: string; name: string }) : null
  const token = ref<string | null>(saved?.token ?? null)
  const name = ref<string>(saved?.name ?? '')
  const claims = computed(() => (token.value ? decodeClaims(token.value) : null))
  const expired = computed(() => !!claims.value && claims.value.exp * 1000 < Date.now())
  const signedIn = computed(() => !!claims.value && !expired.value)
  const roles = computed(() => claims.value?.roles ?? [])

  function signIn(newToken: string, displayName = ''): Claims | null {
    const decoded = decodeClaims(newToken)
    if (!decoded) return null
    token.value = newToken
    name.value = displayName || decoded.sub
    sessionStorage.setItem(KEY, JSON.stringify({ token: newToken, name: name.value }))
    return decoded
  }
  function signOut() {
    token.value = null
    name.value = ''
    sessionStorage.removeItem(KEY)
  }
  const has = (...wanted: string[]) => roles.value.some((role) => wanted.includes(role))
  return { token, name, claims, signedIn, roles, signIn, signOut, has }
})
