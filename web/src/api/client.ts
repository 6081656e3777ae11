// One typed function per route of the public API (../shared/API.md). Screens call these,
// never fetch: the paths and bodies are written once, here.
import { query, request, type RequestOptions } from './http'
import type * as T from './types'

type Q = Record<string, string | number | boolean | null | undefined>
const get = <R>(path: string, params: Q = {}) => request<R>('GET', path + query(params))
const post = <R>(path: string, body: unknown, options?: RequestOptions) => request<R>('POST', path, body, options)
const patch = <R>(path: string, body: unknown) => request<R>('PATCH', path, body)
const id = encodeURIComponent

// -- development sign-in (the gateway's, only in development)
export const devPeople = () => request<T.Page<T.DemoPerson>>('GET', '/v1/dev/people', undefined, { auth: false })
export const devToken = (person: string) => request<{ token: string; person: T.DemoPerson }>('POST', '/v1/dev/tokens', { person }, { auth: false })
export const openapi = () => request<{ paths: Record<string, unknown> }>('GET', '/openapi.json', undefined, { auth: false })

// -- registry
export const createCommunity = (body: { name: string }, o?: RequestOptions) => post<T.Community>('/v1/communities', body, o)
export const listCommunities = (q: T.PageQuery = {}) => get<T.Page<T.Community>>('/v1/communities', { ...q })
export const createCompound = (body: { community_id: string; name: string }, o?: RequestOptions) => post<T.Compound>('/v1/compounds', body, o)
export const listCompounds = (q: T.PageQuery & { community_id?: string } = {}) => get<T.Page<T.Compound>>('/v1/compounds', { ...q })
export const createHousehold = (body: { compound_id: string; address: string; grid_id?: string; grid?: string }, o?: RequestOptions) => post<T.Household>('/v1/households', body, o)
export const listHouseholds = (q: T.PageQuery & { compound_id?: string; community_id?: string } = {}) => get<T.Page<T.Household>>('/v1/households', { ...q })
export const updateHousehold = (householdId: string, body: { grid_id?: string; address?: string }) => patch<T.Household>(`/v1/households/${id(householdId)}`, body)
export const createResident = (body: T.ResidentIn, o?: RequestOptions) => post<T.Resident>('/v1/residents', body, o)
export const getResident = (residentId: string) => get<T.Resident>(`/v1/residents/${id(residentId)}`)
export const updateResident = (residentId: string, body: Partial<T.ResidentIn>) => patch<T.Resident>(`/v1/residents/${id(residentId)}`, body)
export const listResidents = (q: T.PageQuery & { tag?: string; compound_id?: string; community_id?: string; household_id?: string; q?: string } = {}) =>
  get<T.Page<T.Resident>>('/v1/residents', { ...q })
export const residentTimeline = (residentId: string, q: T.PageQuery = {}) => get<T.Page<T.TimelineEntry>>(`/v1/residents/${id(residentId)}/timeline`, { ...q })

// -- grids
export const createGrid = (body: { community_id: string; name: string; worker_subs: string[] }, o?: RequestOptions) => post<T.Grid>('/v1/grids', body, o)
export const listGrids = (q: T.PageQuery & { community_id?: string } = {}) => get<T.Page<T.Grid>>('/v1/grids', { ...q })

// -- health: visits, follow-ups, referrals, patient reviews
export const scheduleVisit = (body: { resident_id: string; scheduled_for: string; reason?: string }, o?: RequestOptions) => post<T.Visit>('/v1/visits', body, o)
export const completeVisit = (visitId: string, body: T.VisitCompletion, o?: RequestOptions) => post<T.Visit>(`/v1/visits/${id(visitId)}/complete`, body, o)
export const cancelVisit = (visitId: string, body: { reason?: string }, o?: RequestOptions) => post<T.Visit>(`/v1/visits/${id(visitId)}/cancel`, body, o)
export const getVisit = (visitId: string) => get<T.Visit>(`/v1/visits/${id(visitId)}`)
export const listVisits = (q: T.PageQuery & { resident_id?: string; status?: string } = {}) => get<T.Page<T.Visit>>('/v1/visits', { ...q })
export const visitFhir = (visitId: string) => get<Record<string, unknown>>(`/v1/visits/${id(visitId)}/fhir`)
export const listFollowUps = (q: T.PageQuery & { status?: string; kind?: string; grid?: string; community_id?: string; resident_id?: string } = {}) =>
  get<T.Page<T.FollowUp>>('/v1/follow-ups', { ...q })
export const requestReferral = (body: { visit_id: string; department: string; urgency: string; reason: string }, o?: RequestOptions) => post<T.Referral>('/v1/referrals', body, o)
export const listReferrals = (q: T.PageQuery & { resident_id?: string; visit_id?: string; status?: string } = {}) => get<T.Page<T.Referral>>('/v1/referrals', { ...q })
export const getReferral = (referralId: string) => get<T.Referral>(`/v1/referrals/${id(referralId)}`)
export const listPatientReviews = (q: T.PageQuery & { status?: string; patient_id?: string } = {}) => get<T.Page<T.PatientReview>>('/v1/patient-reviews', { ...q })
export const resolvePatientReview = (reviewId: string, body: { resident_id: string }, o?: RequestOptions) => post<T.PatientReview>(`/v1/patient-reviews/${id(reviewId)}/resolve`, body, o)

// -- metrics
export const metricsSummary = (q: T.SummaryQuery = {}) => get<T.Summary>('/v1/metrics/summary', { ...q })
export const metricsRebuild = () => post<Record<string, unknown>>('/v1/metrics/rebuild', undefined)

// -- events: partners, activities, registrations, check-in, volunteer hours
export const createPartner = (body: { name: string; kind: string; contact_name?: string; contact_phone?: string }, o?: RequestOptions) => post<T.Partner>('/v1/partners', body, o)
export const listPartners = (q: T.PageQuery = {}) => get<T.Page<T.Partner>>('/v1/partners', { ...q })
export const getPartner = (partnerId: string) => get<T.Partner>(`/v1/partners/${id(partnerId)}`)
export const createActivity = (body: T.ActivityIn, o?: RequestOptions) => post<T.Activity>('/v1/activities', body, o)
export const listActivities = (q: T.PageQuery & { community_id?: string; compound_id?: string; kind?: string; status?: string; from?: string; to?: string } = {}) =>
  get<T.Page<T.Activity>>('/v1/activities', { ...q })
export const getActivity = (activityId: string) => get<T.Activity>(`/v1/activities/${id(activityId)}`)
export const updateActivity = (activityId: string, body: Partial<Pick<T.ActivityIn, 'title' | 'description' | 'place' | 'starts_at' | 'ends_at' | 'capacity' | 'volunteer_capacity'>>) =>
  patch<T.Activity>(`/v1/activities/${id(activityId)}`, body)
export const cancelActivity = (activityId: string, body: { reason: string }, o?: RequestOptions) => post<T.Activity>(`/v1/activities/${id(activityId)}/cancel`, body, o)
export const completeActivity = (activityId: string, body: { hours?: { registration_id: string; hours: number }[] } = {}, o?: RequestOptions) =>
  post<T.Activity>(`/v1/activities/${id(activityId)}/complete`, body, o)
export const register = (activityId: string, body: { resident_id: string; role?: 'participant' | 'volunteer'; guardian_resident_id?: string; note?: string }, o?: RequestOptions) =>
  post<T.Registration>(`/v1/activities/${id(activityId)}/registrations`, body, o)
export const listActivityRegistrations = (activityId: string, q: T.PageQuery & { status?: string; role?: string } = {}) =>
  get<T.Page<T.Registration>>(`/v1/activities/${id(activityId)}/registrations`, { ...q })
export const listRegistrations = (q: T.PageQuery & { resident_id?: string } = {}) => get<T.Page<T.Registration>>('/v1/registrations', { ...q })
export const cancelRegistration = (registrationId: string, body: { reason?: string } = {}, o?: RequestOptions) =>
  post<T.Registration>(`/v1/registrations/${id(registrationId)}/cancel`, body, o)
export const checkIn = (activityId: string, body: { code: string } | { resident_id: string }, o?: RequestOptions) =>
  post<T.Registration>(`/v1/activities/${id(activityId)}/check-ins`, body, o)
export const volunteerHours = (residentId: string, q: T.PageQuery & { from?: string; to?: string } = {}) =>
  get<T.VolunteerHours>(`/v1/volunteers/${id(residentId)}/hours`, { ...q })

// -- council: door-knocking and needs
export const recordDoorKnock = (body: T.DoorKnockIn, o?: RequestOptions) => post<T.DoorKnock>('/v1/door-knocks', body, o)
export const listDoorKnocks = (q: T.PageQuery & { household_id?: string; grid_id?: string; from?: string; to?: string } = {}) =>
  get<T.Page<T.DoorKnock>>('/v1/door-knocks', { ...q })
export const coverage = (q: { week?: string; community_id?: string; grid_id?: string; limit?: number; cursor?: string } = {}) => get<T.Coverage>('/v1/outreach/coverage', { ...q })
export const raiseNeed = (body: T.NeedIn, o?: RequestOptions) => post<T.Need>('/v1/needs', body, o)
export const listNeeds = (q: T.PageQuery & { status?: string; category?: string; unit?: string; compound_id?: string; grid_id?: string; overdue?: boolean } = {}) =>
  get<T.Page<T.Need>>('/v1/needs', { ...q })
export const getNeed = (needId: string) => get<T.Need>(`/v1/needs/${id(needId)}`)
export const dispatchNeed = (needId: string, body: { unit: string; note?: string }, o?: RequestOptions) => post<T.Need>(`/v1/needs/${id(needId)}/dispatch`, body, o)
export const resolveNeed = (needId: string, body: { resolution: string }, o?: RequestOptions) => post<T.Need>(`/v1/needs/${id(needId)}/resolve`, body, o)
export const rateNeed = (needId: string, body: { satisfied: boolean; score?: number; comment?: string }, o?: RequestOptions) => post<T.Need>(`/v1/needs/${id(needId)}/rate`, body, o)
export const needScores = (q: { from?: string; to?: string; community_id?: string } = {}) => get<T.NeedScores>('/v1/needs/scores', { ...q })
export const needClusters = (q: { compound_id?: string; days?: number } = {}) => get<T.NeedCluster[]>('/v1/needs/clusters', { ...q })

// -- council: deliberation weeks, proposals, supports
export const createDeliberation = (body: T.DeliberationIn, o?: RequestOptions) => post<T.Deliberation>('/v1/deliberations', body, o)
export const listDeliberations = (q: T.PageQuery & { community_id?: string; status?: string } = {}) => get<T.Page<T.Deliberation>>('/v1/deliberations', { ...q })
export const getDeliberation = (deliberationId: string) => get<T.Deliberation>(`/v1/deliberations/${id(deliberationId)}`)
export const submitProposal = (body: T.ProposalIn, o?: RequestOptions) => post<T.Proposal>('/v1/proposals', body, o)
export const listProposals = (q: T.PageQuery & { deliberation_id?: string; status?: string } = {}) => get<T.Page<T.Proposal>>('/v1/proposals', { ...q })
export const getProposal = (proposalId: string) => get<T.Proposal>(`/v1/proposals/${id(proposalId)}`)
export const support = (proposalId: string, body: { resident_id: string }, o?: RequestOptions) => post<T.Support>(`/v1/proposals/${id(proposalId)}/supports`, body, o)
export const withdrawSupport = (proposalId: string, residentId: string) => request<void>('DELETE', `/v1/proposals/${id(proposalId)}/supports/${id(residentId)}`)
export const decide = (proposalId: string, body: { outcome: 'accepted' | 'rejected'; answer: string; budget_yuan?: number; due_by?: string }, o?: RequestOptions) =>
  post<T.Proposal>(`/v1/proposals/${id(proposalId)}/decision`, body, o)
export const recordProgress = (proposalId: string, body: { percent: number; note: string }, o?: RequestOptions) =>
  post<T.Proposal>(`/v1/proposals/${id(proposalId)}/progress`, body, o)
