// One area per kind of user; each route says which roles may open it.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { homeFor, useSession } from './stores/session'

const STAFF = ['community_staff', 'subdistrict_admin']
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: () => homeFor(useSession().roles) },
  { path: '/sign-in', component: () => import('./views/SignIn.vue'), meta: { public: true, title: '登录' } },
  {
    path: '/staff', component: () => import('./views/staff/StaffLayout.vue'), meta: { roles: STAFF },
    children: [
      { path: '', component: () => import('./views/staff/Dashboard.vue'), meta: { title: '社区指标' } },
      { path: 'residents', component: () => import('./views/staff/Registry.vue'), meta: { title: '居民登记' } },
      { path: 'residents/:id', component: () => import('./views/staff/ResidentPage.vue'), props: true, meta: { title: '居民详情' } },
      { path: 'activities', component: () => import('./views/staff/Activities.vue'), meta: { title: '社区活动' } },
      { path: 'activities/:id', component: () => import('./views/staff/ActivityDetail.vue'), props: true, meta: { title: '活动详情' } },
      { path: 'needs', component: () => import('./views/staff/Needs.vue'), meta: { title: '居民诉求' } },
      { path: 'deliberations', component: () => import('./views/staff/Deliberations.vue'), meta: { title: '居民议事周' } },
      { path: 'deliberations/:id', component: () => import('./views/staff/DeliberationDetail.vue'), props: true, meta: { title: '议事详情' } },
    ],
  },
  {
    path: '/grid', component: () => import('./views/grid/GridLayout.vue'), meta: { roles: ['grid_worker', ...STAFF] },
    children: [
      { path: '', component: () => import('./views/grid/ThisWeek.vue'), meta: { title: '本周走访' } },
      { path: 'knock/:householdId', component: () => import('./views/grid/KnockForm.vue'), props: true, meta: { title: '记录敲门' } },
      { path: 'needs', component: () => import('./views/grid/OpenNeeds.vue'), meta: { title: '我的待办诉求' } },
      { path: 'act', component: () => import('./views/grid/ActFor.vue'), meta: { title: '代居民办理' } },
    ],
  },
  {
    path: '/medical', component: () => import('./views/medical/MedicalLayout.vue'), meta: { roles: ['medical_staff'] },
    children: [
      { path: '', component: () => import('./views/medical/Visits.vue'), meta: { title: '待上门' } },
      { path: 'visits/:id', component: () => import('./views/medical/CompleteVisit.vue'), props: true, meta: { title: '填写上门记录' } },
      { path: 'follow-ups', component: () => import('./views/medical/FollowUps.vue'), meta: { title: '随访' } },
      { path: 'referrals', component: () => import('./views/medical/Referrals.vue'), meta: { title: '转诊' } },
    ],
  },
  {
    path: '/me', component: () => import('./views/me/ResidentLayout.vue'), meta: { roles: ['resident'] },
    children: [
      { path: '', redirect: '/me/activities' },
      { path: 'activities', component: () => import('./views/me/MyActivities.vue'), meta: { title: '我的活动' } },
      { path: 'needs', component: () => import('./views/me/MyNeeds.vue'), meta: { title: '我的诉求' } },
      { path: 'proposals', component: () => import('./views/me/Proposals.vue'), meta: { title: '本周议事' } },
      { path: 'timeline', component: () => import('./views/me/MyTimeline.vue'), meta: { title: '我的记录' } },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach((to) => {
  const session = useSession()
  if (to.meta.public) return true
  if (!session.signedIn) return { path: '/sign-in', query: { next: to.fullPath } }
  const allowed = to.matched.flatMap((record) => (record.meta.roles as string[] | undefined) ?? [])
  if (allowed.length && !session.has(...allowed)) return homeFor(session.roles)
  return true
})

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) ?? '共治'} · 共治社区工作台`
})
