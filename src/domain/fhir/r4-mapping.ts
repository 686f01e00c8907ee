import { createHash } from 'node:crypto';
import type { Appointment } from '../appointments';
import type { Goal, Plan, Referral } from '../case-reads';
import type { ClientRecord } from '../clients';

/**
 * A case's records as FHIR R4 resources (the mapping table is docs/fhir.md). Pure: the service
 * (src/domain/fhir-export.ts) reads and audits; these functions only shape what it read, so the
 * mapping is tested without a database and never reaches past what the reader was allowed to see.
 *
 * Every resource id is the Caseloop uuid of its record (a Task, which has no record of its own,
 * takes a name-based uuid of its referral), and every fullUrl is `urn:uuid:<id>`, so a bundle
 * exported twice names the same resources the same way.
 */

export type FhirResource = { resourceType: string; id: string } & Record<string, unknown>;

export interface FhirBundle {
  resourceType: 'Bundle';
  type: 'collection';
  timestamp: string;
  entry: { fullUrl: string; resource: FhirResource }[];
}

/** The client as the reader may see them: the full record, or initials only. */
export type ClientView =
  | { kind: 'initials'; id: string; initials: string }
  | ({ kind: 'full'; initials: string } & Omit<ClientRecord, 'consentToShare'>);

export type GoalSource = Pick<
  Goal,
  'id' | 'domain' | 'description' | 'measure' | 'target' | 'targetDate' | 'status'
> & {
  /** When the latest progress was recorded (the goal's status date). */
  statusAt: string | null;
};

export type PlanSource = Pick<
  Plan,
  'id' | 'version' | 'status' | 'summary' | 'createdBy' | 'createdAt' | 'decidedAt'
> & { goals: GoalSource[] };

/** `updatedAt`: when its status last changed (the latest status update's time). */
export type ReferralSource = Pick<
  Referral,
  'id' | 'provider' | 'service' | 'reason' | 'status' | 'sentAt' | 'createdBy' | 'updatedAt'
>;

export type AppointmentSource = Pick<
  Appointment,
  'id' | 'startsAt' | 'endsAt' | 'mode' | 'attendeeIds' | 'status'
>;

export interface CaseRecordsSource {
  caseId: string;
  reference: string;
  caseStatus: string;
  caseManagerId: string;
  client: ClientView;
  /** The current plan (the newest version), if the case has one. */
  plan: PlanSource | null;
  referrals: ReferralSource[];
  appointments: AppointmentSource[];
  /** Every staff member referenced above, by id: their names become Practitioners. */
  staff: { id: string; fullName: string }[];
}

const urn = (id: string): string => `urn:uuid:${id}`;
const ref = (id: string, display?: string) => ({ reference: urn(id), ...(display ? { display } : {}) });

/** A generated narrative of one line a person can read (dom-6 asks every resource for one). */
function narrative(line: string): { status: 'generated'; div: string } {
  const escaped = line.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${escaped}</div>` };
}

/** A stable uuid (RFC 4122 version 5 layout) named by `name`, for resources with no row of their own. */
export function nameBasedUuid(name: string): string {
  const h = createHash('sha1').update(`caseloop-fhir:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The Task that tracks a referral's fulfilment (Gravity SDOH: one Task per ServiceRequest). */
export const referralTaskId = (referralId: string): string => nameBasedUuid(`task:${referralId}`);

// ---- Status mappings (docs/fhir.md has the same tables) ----

/** CarePlan.status and intent from the plan's state and the case's (an approved plan of a closed case is completed). */
export function carePlanStatus(
  planStatus: string,
  caseStatus: string,
): { status: 'draft' | 'active' | 'on-hold' | 'revoked' | 'completed'; intent: 'proposal' | 'plan' } {
  switch (planStatus) {
    case 'approved':
      if (caseStatus === 'closed') return { status: 'completed', intent: 'plan' };
      if (caseStatus === 'on_hold') return { status: 'on-hold', intent: 'plan' };
      return { status: 'active', intent: 'plan' };
    case 'superseded':
      return { status: 'revoked', intent: 'plan' };
    default: // draft, submitted, returned: not yet agreed
      return { status: 'draft', intent: 'proposal' };
  }
}

const ACHIEVEMENT = 'http://terminology.hl7.org/CodeSystem/goal-achievement';
const ACHIEVEMENT_DISPLAY: Record<string, string> = {
  'in-progress': 'In Progress',
  achieved: 'Achieved',
  'not-achieved': 'Not Achieved',
};

/** Goal.lifecycleStatus and achievementStatus from the goal's progress (and whether its plan is agreed). */
export function goalStatus(
  status: string,
  planAgreed: boolean,
): { lifecycleStatus: string; achievement: string | null } {
  switch (status) {
    case 'in_progress':
      return { lifecycleStatus: 'active', achievement: 'in-progress' };
    case 'achieved':
      return { lifecycleStatus: 'completed', achievement: 'achieved' };
    case 'not_achieved':
      return { lifecycleStatus: 'completed', achievement: 'not-achieved' };
    case 'dropped':
      return { lifecycleStatus: 'cancelled', achievement: null };
    default: // not_started
      return { lifecycleStatus: planAgreed ? 'accepted' : 'proposed', achievement: null };
  }
}

/**
 * A referral's status as the Gravity Project's SDOH Clinical Care referral pattern tracks it: the
 * ServiceRequest says whether the request stands, its Task where the provider is with it.
 */
export function referralStatuses(status: string): {
  serviceRequest: 'active' | 'completed' | 'revoked';
  task: 'requested' | 'accepted' | 'in-progress' | 'completed' | 'rejected' | 'cancelled' | 'failed';
} {
  switch (status) {
    case 'accepted':
      return { serviceRequest: 'active', task: 'accepted' };
    case 'scheduled':
      return { serviceRequest: 'active', task: 'in-progress' };
    case 'completed':
      return { serviceRequest: 'completed', task: 'completed' };
    case 'declined':
      return { serviceRequest: 'revoked', task: 'rejected' };
    case 'no_show':
      return { serviceRequest: 'revoked', task: 'failed' };
    case 'cancelled':
      return { serviceRequest: 'revoked', task: 'cancelled' };
    default: // sent
      return { serviceRequest: 'active', task: 'requested' };
  }
}

/** Encounter.status from the appointment's attendance. */
export function encounterStatus(status: AppointmentSource['status']): 'planned' | 'finished' | 'cancelled' {
  switch (status) {
    case 'attended':
      return 'finished';
    case 'scheduled':
      return 'planned';
    default: // no_show, cancelled by either side: the encounter did not take place
      return 'cancelled';
  }
}

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

// ---- Resources ----

export function patientResource(client: ClientView): FhirResource {
  if (client.kind === 'initials')
    return {
      resourceType: 'Patient',
      id: client.id,
      text: narrative(`Client ${client.initials}`),
      name: [{ use: 'anonymous', text: client.initials }],
    };
  const telecom = [
    ...(client.phone ? [{ system: 'phone', value: client.phone }] : []),
    ...(client.email ? [{ system: 'email', value: client.email }] : []),
  ];
  return {
    resourceType: 'Patient',
    id: client.id,
    text: narrative(`Client ${client.givenName} ${client.familyName}`),
    name: [
      {
        use: 'official',
        text: `${client.givenName} ${client.familyName}`,
        family: client.familyName,
        given: [client.givenName],
      },
    ],
    ...(telecom.length ? { telecom } : {}),
    ...(client.birthDate ? { birthDate: client.birthDate } : {}),
    ...(client.address ? { address: [{ text: client.address }] } : {}),
    ...(client.preferredLanguage
      ? { communication: [{ language: { text: client.preferredLanguage }, preferred: true }] }
      : {}),
  };
}

export function goalResource(goal: GoalSource, patientId: string, planAgreed: boolean): FhirResource {
  const { lifecycleStatus, achievement } = goalStatus(goal.status, planAgreed);
  return {
    resourceType: 'Goal',
    id: goal.id,
    text: narrative(`Goal: ${goal.description} (${lifecycleStatus}, due ${goal.targetDate})`),
    lifecycleStatus,
    ...(achievement
      ? {
          achievementStatus: {
            coding: [{ system: ACHIEVEMENT, code: achievement, display: ACHIEVEMENT_DISPLAY[achievement] }],
          },
        }
      : {}),
    category: [{ text: goal.domain }],
    description: { text: goal.description },
    subject: ref(patientId),
    target: [
      {
        measure: { text: goal.measure },
        ...(goal.target ? { detailString: goal.target } : {}),
        dueDate: goal.targetDate,
      },
    ],
    ...(goal.statusAt ? { statusDate: goal.statusAt.slice(0, 10) } : {}),
  };
}

export function carePlanResource(
  plan: PlanSource,
  src: CaseRecordsSource,
  activityRequests: string[],
): FhirResource {
  const { status, intent } = carePlanStatus(plan.status, src.caseStatus);
  return {
    resourceType: 'CarePlan',
    id: plan.id,
    text: narrative(`Service plan, version ${plan.version}: ${status}`),
    identifier: [{ system: 'urn:caseloop:case-reference', value: `${src.reference}/plan-v${plan.version}` }],
    status,
    intent,
    title: `Service plan, version ${plan.version}`,
    ...(plan.summary ? { description: plan.summary } : {}),
    subject: ref(src.client.id),
    ...(plan.decidedAt && plan.status === 'approved' ? { period: { start: plan.decidedAt } } : {}),
    created: plan.createdAt,
    author: ref(plan.createdBy),
    goal: plan.goals.map((g) => ref(g.id)),
    ...(activityRequests.length ? { activity: activityRequests.map((id) => ({ reference: ref(id) })) } : {}),
  };
}

export function serviceRequestResource(r: ReferralSource, patientId: string): FhirResource {
  return {
    resourceType: 'ServiceRequest',
    id: r.id,
    text: narrative(`Referral for ${r.service} to ${r.provider.organisation}: ${r.status}`),
    status: referralStatuses(r.status).serviceRequest,
    intent: 'order',
    code: { text: r.service },
    subject: ref(patientId),
    authoredOn: r.sentAt,
    requester: ref(r.createdBy),
    performer: [ref(r.provider.id, r.provider.organisation)],
    reasonCode: [{ text: r.reason }],
  };
}

export function taskResource(r: ReferralSource, patientId: string): FhirResource {
  return {
    resourceType: 'Task',
    id: referralTaskId(r.id),
    text: narrative(`${r.provider.organisation} on the referral for ${r.service}: ${r.status}`),
    status: referralStatuses(r.status).task,
    ...(r.status === 'no_show' ? { statusReason: { text: 'The client did not attend' } } : {}),
    businessStatus: { text: r.status },
    intent: 'order',
    code: {
      coding: [
        {
          system: 'http://hl7.org/fhir/CodeSystem/task-code',
          code: 'fulfill',
          display: 'Fulfill the focal request',
        },
      ],
    },
    focus: ref(r.id),
    for: ref(patientId),
    authoredOn: r.sentAt,
    // Never before authoredOn (Task inv-1): a status update may be dated back before the referral was sent.
    lastModified: r.updatedAt > r.sentAt ? r.updatedAt : r.sentAt,
    requester: ref(r.createdBy),
    owner: ref(r.provider.id, r.provider.organisation),
  };
}

export function organizationResource(provider: ReferralSource['provider']): FhirResource {
  return {
    resourceType: 'Organization',
    id: provider.id,
    text: narrative(provider.organisation),
    active: true,
    name: provider.organisation,
  };
}

export function encounterResource(a: AppointmentSource, patientId: string): FhirResource {
  const inPerson = a.mode === 'in_person';
  return {
    resourceType: 'Encounter',
    id: a.id,
    text: narrative(`Appointment at ${a.startsAt}: ${a.status.replace(/_/g, ' ')}`),
    status: encounterStatus(a.status),
    class: inPerson
      ? { system: ACT_CODE, code: 'AMB', display: 'ambulatory' }
      : { system: ACT_CODE, code: 'VR', display: 'virtual' },
    subject: ref(patientId),
    participant: a.attendeeIds.map((id) => ({ individual: ref(id) })),
    period: { start: a.startsAt, end: a.endsAt },
  };
}

export function practitionerResource(s: { id: string; fullName: string }): FhirResource {
  return {
    resourceType: 'Practitioner',
    id: s.id,
    text: narrative(s.fullName),
    name: [{ text: s.fullName }],
  };
}

/** The whole case as one Bundle of type `collection` (see docs/fhir.md for why not `searchset`). */
export function caseBundle(src: CaseRecordsSource, now: Date): FhirBundle {
  const patientId = src.client.id;
  const resources: FhirResource[] = [patientResource(src.client)];
  if (src.plan) {
    const agreed = src.plan.status === 'approved';
    resources.push(
      carePlanResource(
        src.plan,
        src,
        src.referrals.map((r) => r.id),
      ),
      ...src.plan.goals.map((g) => goalResource(g, patientId, agreed)),
    );
  }
  for (const r of src.referrals)
    resources.push(serviceRequestResource(r, patientId), taskResource(r, patientId));
  const providers = new Map(src.referrals.map((r) => [r.provider.id, r.provider]));
  resources.push(...[...providers.values()].map(organizationResource));
  resources.push(...src.appointments.map((a) => encounterResource(a, patientId)));
  resources.push(...src.staff.map(practitionerResource));
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: now.toISOString(),
    entry: resources.map((resource) => ({ fullUrl: urn(resource.id), resource })),
  };
}

/** Every staff member a bundle of these records references (its Practitioners). */
export function referencedStaff(src: Omit<CaseRecordsSource, 'staff' | 'client'>): string[] {
  return [
    ...new Set([
      src.caseManagerId,
      ...(src.plan ? [src.plan.createdBy] : []),
      ...src.referrals.map((r) => r.createdBy),
      ...src.appointments.flatMap((a) => a.attendeeIds),
    ]),
  ];
}
