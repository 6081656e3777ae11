// Plain Chinese words for the API's codes.
export const TAG: Record<string, string> = {
  elderly: '老年人', lives_alone: '独居', mobility_impaired: '行动不便', disabled: '残疾',
  chronic_condition: '慢性病', party_member: '党员', volunteer: '志愿者',
}
export const ROLE: Record<string, string> = {
  resident: '居民', grid_worker: '网格员', medical_staff: '医护人员', community_staff: '社区工作人员',
  subdistrict_admin: '街道管理员', hospital: '医院', platform_admin: '平台管理员',
}
export const VISIT_STATUS: Record<string, string> = { scheduled: '待上门', completed: '已完成', cancelled: '已取消' }
export const FOLLOW_UP_STATUS: Record<string, string> = { pending: '未到期', due: '到期', overdue: '已逾期', done: '已完成' }
export const REFERRAL_STATUS: Record<string, string> = { requested: '等待医院答复', accepted: '医院已接收', declined: '医院未接收' }
export const URGENCY: Record<string, string> = { routine: '普通', urgent: '紧急', emergency: '急诊', normal: '一般' }
export const ACTIVITY_KIND: Record<string, string> = {
  festival: '节日活动', volunteering: '志愿服务', lecture: '讲座', performance: '文艺演出', service: '便民服务', other: '其他',
}
export const ACTIVITY_STATUS: Record<string, string> = { published: '报名中', cancelled: '已取消', completed: '已结束' }
export const REGISTRATION_STATUS: Record<string, string> = {
  confirmed: '已报名', waitlisted: '候补中', cancelled: '已取消', attended: '已签到', no_show: '未到场', activity_cancelled: '活动取消',
}
export const REGISTRATION_ROLE: Record<string, string> = { participant: '参加', volunteer: '志愿者' }
export const NEED_CATEGORY: Record<string, string> = {
  repair: '维修', sanitation: '环境卫生', elderly_care: '养老照护', medical: '看病就医', safety: '安全',
  neighbourhood: '邻里关系', policy: '政策咨询', facilities: '公共设施', other: '其他',
}
export const NEED_STATUS: Record<string, string> = { received: '已受理', dispatched: '已派单', resolved: '已办结', closed: '已评价关闭', reopened: '重新办理' }
export const KNOCK_OUTCOME: Record<string, string> = { met: '见到了', not_home: '不在家', declined: '不愿交谈' }
export const DELIBERATION_STATUS: Record<string, string> = { scheduled: '未开始', open: '进行中', closed: '已结束' }
export const PROPOSAL_STATUS: Record<string, string> = { open: '征集支持中', accepted: '已采纳', rejected: '未采纳', implemented: '已落实' }
export const PARTNER_KIND: Record<string, string> = {
  school: '学校', elderly_care_home: '养老院', hospital: '医院', property_company: '物业公司',
  social_organisation: '社会组织', enterprise: '企业', other: '其他',
}

export const label = (table: Record<string, string>, code: string | null | undefined) => (code ? table[code] ?? code : '—')

const dateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
const dateOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
export const when = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—')
export const day = (iso: string | null | undefined) => (iso ? dateOnly.format(new Date(iso.length === 10 ? iso + 'T00:00:00+08:00' : iso)) : '—')
export const percent = (fraction: number | null | undefined) => (fraction === null || fraction === undefined ? '—' : `${Math.round(fraction * 100)}%`)

/** today (UTC+8) as YYYY-MM-DD */
export function today(offsetDays = 0): string {
  const now = new Date(Date.now() + 8 * 3600_000 + offsetDays * 86400_000)
  return now.toISOString().slice(0, 10)
}
/** a local (UTC+8) date and time as ISO with its offset */
export const localIso = (dateText: string, time = '09:00') => `${dateText}T${time}:00+08:00`
/** ISO week (2026-W49) of a day in UTC+8 */
export function isoWeek(dateText = today()): string {
  const d = new Date(dateText + 'T00:00:00Z')
  const dayNum = (d.getUTCDay() + 6) % 7
  d.setUTCDate(d.getUTCDate() - dayNum + 3)
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4))
  const week = 1 + Math.round(((d.getTime() - firstThursday.getTime()) / 86400000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7)
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}
