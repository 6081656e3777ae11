// Shapes of the public API's answers (../shared/API.md; /openapi.json is exact). Only the
// fields the console reads are named; answers may carry more.

export interface Page<T> { items: T[]; next: string | null }
export interface PageQuery { limit?: number; cursor?: string | null }
export interface Actor { sub: string; on_behalf_of?: string | null }

export interface Community { id: string; name: string }
export interface Compound { id: string; community_id: string; name: string }
export interface Household { id: string; compound_id: string; community_id: string; address: string; grid?: string | null; grid_id?: string | null }
export interface Grid { id: string; community_id: string; name: string; worker_subs: string[] }

export const TAGS = ['elderly', 'lives_alone', 'mobility_impaired', 'disabled', 'chronic_condition', 'party_member', 'volunteer'] as const
export type Tag = (typeof TAGS)[number]
export interface Resident {
  id: string; household_id: string; compound_id: string; community_id: string; name: string
  birth_date: string; age: number; gender?: string | null; tags: string[]
  phone?: string | null; id_number?: string | null
  health?: { visits_completed: number; last_visit_at: string | null; medicine_packages: number }
}
export interface ResidentIn {
  household_id: string; name: string; birth_date: string; gender?: string
  phone?: string; id_number?: string; tags?: string[]
}
export interface TimelineEntry { id: string; at: string; kind: string; summary: string; source: string; actor: { id?: string; sub?: string; roles?: string[]; on_behalf_of?: string | null } }

export interface Medicine { name: string; quantity: number }
export interface Visit {
  id: string; resident_id: string; community_id: string; status: 'scheduled' | 'completed' | 'cancelled'
  scheduled_for: string; reason?: string | null; completed_at?: string | null; medicine_packages?: number
  symptoms?: string[]; history?: string | null; medication?: string[]; checks?: Record<string, unknown>
  medicines_dispensed?: Medicine[]
}
export interface VisitCompletion {
  symptoms: string[]; history?: string | null; medication?: string[]
  checks?: Record<string, string | number>; medicines_dispensed: Medicine[]; follow_up_in_days?: number
}
export interface FollowUp {
  id: string; kind: string; status: 'pending' | 'due' | 'overdue' | 'done'; resident_id: string
  community_id: string; grid?: string | null; due_on: string; overdue_after: string
  visit_id?: string | null; department?: string | null
}
export interface Referral {
  id: string; visit_id: string; resident_id: string; department: string; urgency: string
  status: 'requested' | 'accepted' | 'declined'; requested_at: string; answered_at?: string | null
  appointment_at?: string | null; reason?: string; decline_reason?: string | null; hospital_note?: string | null
}
export interface PatientReview { id: string; patient_id: string; name?: string | null; reason: string; status: string; received_at: string }

export interface Summary {
  residents_registered: number; elderly_registered: number; residents_served: number
  visits_completed: number; medicine_packages: number; as_of: string
  follow_ups_due?: number; follow_ups_overdue?: number
  activities_held?: number; activity_participants?: number; attendances?: number; no_shows?: number
  volunteer_hours?: number; volunteers_active?: number; partners_engaged?: number
  households?: number; households_knocked_this_week?: number; door_knock_coverage?: number
  needs_received?: number; needs_resolved?: number; needs_overdue?: number
  response_rate?: number; resolution_rate?: number; satisfaction_rate?: number
  proposals_submitted?: number; supports?: number; proposals_accepted?: number; proposals_implemented?: number
}
export interface SummaryQuery { community_id?: string; from?: string; to?: string }

// -- events (services/events)
export interface Partner { id: string; name: string; kind: string; contact_name?: string | null; contact_phone?: string | null; totals?: { activities: number; participants: number; volunteer_hours: number } }
export interface Seats { capacity: number | null; confirmed: number; waitlisted: number; remaining: number | null }
export interface Activity {
  id: string; community_id: string; compound_id?: string | null; title: string; kind: string; series?: string | null
  description?: string | null; place: string; starts_at: string; ends_at: string; status: 'published' | 'cancelled' | 'completed'
  partners: { partner_id: string; role: string }[]; seats: Seats; volunteer_seats: Seats
  registration_closes_at?: string | null; audience_tags?: string[]
}
export interface ActivityIn {
  community_id: string; compound_id?: string; title: string; kind: string; series?: string; description?: string
  place: string; starts_at: string; ends_at: string; capacity?: number; volunteer_capacity?: number
  registration_closes_at?: string; audience_tags?: string[]; partners?: { partner_id: string; role: string }[]
}
export interface Registration {
  id: string; activity_id: string; resident_id: string; role: 'participant' | 'volunteer'
  status: 'confirmed' | 'waitlisted' | 'cancelled' | 'attended' | 'no_show' | 'activity_cancelled'
  waitlist_position: number | null; check_in_code: string; registered_at: string
  registered_by: Actor; checked_in_at: string | null; hours: number | null
}
export interface VolunteerHours { resident_id: string; total_hours: number; items: { activity_id: string; title: string; date: string; hours: number; issued_by: string }[]; next: string | null }

// -- council: outreach, needs, deliberation (services/council)
export interface DoorKnockIn {
  household_id: string; visited_at: string; outcome: 'met' | 'not_home' | 'declined'
  residents_met?: string[]; topics?: string[]; note?: string
  needs?: { category: string; description: string; urgency?: string; resident_id?: string }[]
}
export interface DoorKnock { id: string; household_id: string; grid_id: string | null; visited_at: string; outcome: string; by: Actor | string; need_ids: string[] }
export interface Coverage {
  week: string; households: number; knocked: number; coverage: number
  by_grid: { grid_id: string; name: string; households: number; knocked: number; coverage: number }[]
  not_knocked: { household_id: string; address: string; grid_id: string | null; last_knocked_at: string | null; priority: string }[]
  /** every household in scope not knocked this week; not_knocked is one page of them */
  not_knocked_total: number
  /** `cursor` of the next page of not_knocked, null on the last */
  not_knocked_next: string | null
}
export interface Need {
  id: string; household_id: string; compound_id: string; grid_id: string | null; resident_id: string | null
  category: string; description: string; urgency: 'normal' | 'urgent'; channel: string
  status: 'received' | 'dispatched' | 'resolved' | 'closed' | 'reopened'; unit: string | null
  received_at: string; respond_by: string; resolve_by: string; responded_at: string | null; resolved_at: string | null
  overdue: boolean; rating: { satisfied: boolean; score?: number; comment?: string } | null
  raised_by: Actor; history?: { status: string; at: string; by: string | Actor; note?: string | null }[]
}
export interface NeedIn { household_id: string; resident_id?: string; category: string; description: string; urgency?: string; channel?: string }
export interface Rates { response_rate: number | null; resolution_rate: number | null; satisfaction_rate: number | null; on_time_rate?: number | null; [count: string]: number | null | undefined }
export interface NeedScores { overall: Rates; by_unit: (Rates & { unit: string })[] }
export interface NeedCluster { compound_id: string; category: string; households: number; need_ids: string[] }
export interface Deliberation {
  id: string; community_id: string; compound_id?: string | null; title: string; opens_at: string; closes_at: string
  status: 'scheduled' | 'open' | 'closed'; threshold_supports: number | null
}
export interface DeliberationIn { community_id: string; compound_id?: string; title: string; opens_at: string; closes_at: string; threshold?: { households_pct: number } | { supports: number } }
export interface Proposal {
  id: string; deliberation_id: string; title: string; description: string; author_resident_id: string
  submitted_by: Actor; status: 'open' | 'accepted' | 'rejected' | 'implemented'; supports: number
  threshold_supports: number | null; reached_threshold: boolean
  decision: { outcome: string; answer: string; budget_yuan?: number | null; due_by?: string | null } | null
  progress: { percent: number; milestones: { percent: number; note: string; at: string }[] }; need_ids: string[]
}
export interface ProposalIn { deliberation_id: string; author_resident_id: string; title: string; description: string; need_ids?: string[] }
export interface Support { proposal_id: string; resident_id: string; at: string; by: Actor }

export interface DemoPerson { key: string; name: string; title: string; roles: string[]; sub: string; home: string }
