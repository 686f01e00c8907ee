import { z } from 'zod';
import {
  changeRisk,
  decideClosure,
  putOnHold,
  reassign,
  reopenCase,
  requestClosure,
  resume,
} from '../../domain/case-actions';
import { CASE_SORTS, caseTimeline, listCases } from '../../domain/case-queries';
import { getCase, LIFE_DOMAINS, openCase, recordAssessment, type CaseDeps } from '../../domain/cases';
import { addNote, listNotes } from '../../domain/notes';
import { createPlan, decidePlan, recordGoalProgress, submitPlan } from '../../domain/plans';
import { makeReferral, updateReferral } from '../../domain/referrals';
import type { ApiRouter } from '../route';
import { dischargeInputShape } from './episodes';
import {
  isoDate,
  isoDateTime,
  limit,
  newClientSchema,
  queryBoolean,
  riskLevel,
  text,
  trimmed,
  uuid,
} from '../schemas';

const caseStatus = z.enum(['intake', 'assessment', 'planning', 'active', 'on_hold', 'closing', 'closed']);

/** The request bodies, exported so the staff pages parse forms with exactly the API's rules. */
export const intakeBody = z
  .strictObject({
    clientId: uuid.optional(),
    client: newClientSchema.optional(),
    programId: uuid,
    caseManagerId: uuid,
    supervisorId: uuid.optional(),
    riskLevel: riskLevel.optional(),
  })
  .refine((b) => Boolean(b.clientId) !== Boolean(b.client), {
    message: 'give exactly one of clientId or client',
    path: ['client'],
  })
  // The refinement above, as JSON Schema: with additionalProperties false, exactly one may be present.
  .meta({ id: 'IntakeRequest', oneOf: [{ required: ['clientId'] }, { required: ['client'] }] });

const caseRecord = z
  .object({
    id: uuid,
    reference: z.string(),
    clientId: uuid,
    programId: uuid,
    caseManagerId: uuid,
    supervisorId: uuid,
    status: caseStatus,
    riskLevel,
    openedAt: z.string(),
    closedAt: z.string().nullable(),
    workflowId: z.string().nullable(),
    nextDueAt: z.string().nullable(),
    nextDueKind: z.string().nullable(),
    overdueCount: z.number().int(),
    escalationLevel: z.number().int(),
  })
  .meta({ id: 'Case' });

const caseListItem = caseRecord
  .extend({
    client: z.object({ initials: z.string() }),
    programName: z.string(),
    nextObligation: z.object({ obligationKind: z.string(), dueAt: z.string() }).nullable().meta({
      description: 'The soonest due time among its running obligations, as its workflow derived it',
    }),
    overdueNow: z.number().int().meta({
      description:
        'Running obligations due before now (overdueCount while its workflow has not projected its obligations yet)',
    }),
  })
  .meta({ id: 'CaseListItem' });

const caseView = caseRecord
  .extend({
    client: z.object({ id: uuid, initials: z.string() }),
    openEscalations: z.array(
      z.object({
        id: uuid,
        obligationKind: z.string(),
        level: z.number().int(),
        raisedAt: z.string(),
        recipientId: uuid,
      }),
    ),
    episodes: z.array(
      z
        .object({
          episode: z.number().int(),
          openedAt: z.string(),
          closedAt: z.string().nullable(),
          closureReason: z.string().nullable(),
          closureSummary: z.string().nullable(),
          closedBy: uuid.nullable(),
        })
        .meta({ id: 'CaseEpisode' }),
    ),
    schedule: z.unknown().nullable(),
    scheduleError: z.string().optional(),
    pendingChanges: z.number().int().meta({
      description:
        'Changes recorded on the case that its workflow has not confirmed yet; they are delivered as soon as Temporal and the worker answer',
    }),
  })
  .meta({ id: 'CaseWithSchedule' });

const DOMAIN_KEY = /^[a-z][a-z0-9_]{1,40}$/;
const domainKey = z.string().regex(DOMAIN_KEY, 'must be a domain key such as housing');

export const assessmentBody = z
  .strictObject({
    kind: z.enum(['initial', 'reassessment']),
    scores: z
      .record(domainKey, z.number().int().min(1).max(5))
      .refine((s) => Object.keys(s).length > 0, 'score at least one domain')
      .meta({ minProperties: 1, propertyNames: { pattern: DOMAIN_KEY.source } }),
    needs: z.array(text(200)).max(50).default([]),
    summary: trimmed(5000).default(''),
    completedAt: isoDateTime.optional(),
  })
  .meta({
    id: 'AssessmentRequest',
    description: `Scores 1-5 per life domain: ${LIFE_DOMAINS.join(', ')}, plus the program's own.`,
  });

const goalBody = z
  .strictObject({
    domain: domainKey,
    description: text(500),
    measure: text(500),
    /** Where the client is now, on the measure ("0 nights a week"). */
    baseline: text(200).optional(),
    /** Where they aim to be by the target date ("7 nights a week"). */
    target: text(200).optional(),
    targetDate: isoDate,
  })
  .meta({ id: 'GoalInput' });
export const goalStatus = z.enum(['not_started', 'in_progress', 'achieved', 'not_achieved', 'dropped']);
export const planBody = z
  .strictObject({
    summary: trimmed(5000).default(''),
    goals: z.array(goalBody).min(1).max(30),
  })
  .meta({ id: 'PlanInput' });
export const goalProgressBody = z.strictObject({
  status: goalStatus,
  note: trimmed(2000).default(''),
  at: isoDateTime.optional(),
});
export const riskChangeBody = z.strictObject({ riskLevel });
const referralStatus = z.enum(['accepted', 'scheduled', 'completed', 'declined', 'no_show', 'cancelled']);

const caseParams = z.strictObject({ caseId: uuid });
const noteType = z.enum(['contact', 'progress', 'supervision', 'closing']);

/**
 * The bodies of the case actions the staff pages also perform: exported so a page parses what a
 * form sent with exactly the rules the JSON API applies (src/api/web/*-pages.ts).
 */
export const referralBody = z
  .strictObject({ providerId: uuid, service: text(200), reason: text(2000) })
  .meta({ id: 'ReferralInput' });
export const referralUpdateBody = z.strictObject({
  status: referralStatus,
  note: trimmed(2000).optional(),
  at: isoDateTime.optional(),
});
export const noteBody = z
  .strictObject({
    type: noteType,
    body: text(20_000),
    at: isoDateTime.optional(),
    amendsNoteId: uuid.optional(),
  })
  .meta({ id: 'NoteInput' });
export const holdBody = z.strictObject({ reason: text(500) });
export const reassignBody = z
  .strictObject({ caseManagerId: uuid.optional(), supervisorId: uuid.optional() })
  .meta({ id: 'Reassignment' });
/** Approve, with an optional note; or return, saying what to change (a return without a note is refused). */
const decisionBody = (note: ReturnType<typeof text>) =>
  z.discriminatedUnion('decision', [
    z.strictObject({ decision: z.literal('approved'), note: note.optional() }),
    z.strictObject({ decision: z.literal('returned'), note: text(2000) }),
  ]);
export const planDecisionBody = decisionBody(trimmed(2000)).meta({ id: 'PlanDecision' });
export const closureDecisionBody = decisionBody(text(2000)).meta({ id: 'ClosureDecision' });
/** The reason, the narrative and the structured discharge summary (src/api/routes/episodes.ts). */
export const closureBody = z
  .strictObject({ reason: text(200), summary: text(10_000), ...dischargeInputShape })
  .meta({ id: 'ClosureRequest' });
const withSchedule = z.object({ schedule: z.unknown().optional() }).passthrough();

export function registerCaseRoutes(api: ApiRouter, deps: CaseDeps): void {
  const { pool } = deps;
  api.add({
    method: 'post',
    path: '/cases',
    changesCase: true,
    operationId: 'openCase',
    description:
      "Opens a case for an existing client (`clientId`) or a new one (`client`): give exactly one of the two (the schema's `oneOf`). Case managers open cases for their own caseload, supervisors for their team, program managers for their program, admins for anyone. The case's workflow starts in the same transaction. 422 when a referenced program, client or staff member does not exist or is inactive.",
    summary: 'Intake: open a case (new or existing client) and start its workflow',
    tag: 'cases',
    body: intakeBody,
    responses: { 201: { description: 'Case opened', schema: caseRecord } },
    handler: async ({ body, actor }) => {
      const record = await openCase(deps, actor, body);
      return { status: 201, body: record, headers: { Location: `/api/v1/cases/${record.id}` } };
    },
  });
  api.add({
    method: 'get',
    path: '/cases',
    operationId: 'listCases',
    description:
      "The cases you may see (your caseload, your team's, your program's, or all for admins). Filters combine. Newest first by default, paged by `nextCursor`; any other `sort`, or a `page`, comes in numbered pages (`page.nextPage`). Each item adds the client's initials, the program's name, the soonest due time among its running obligations and how many are overdue now, from the due times the case's workflow derived. `q` finds a client by case reference, name or initials. Each case shown is audited.",
    summary: 'Cases you may see: filter, sort, search, page',
    alsoAnswers: {
      422: 'The cursor is well formed but not one this API issued, or was sent with another sort or a page; nothing changed',
    },
    tag: 'cases',
    query: z.strictObject({
      caseManagerId: uuid.optional(),
      supervisorId: uuid.optional(),
      programId: uuid.optional(),
      status: z
        .enum([...caseStatus.options, 'open'])
        .optional()
        .meta({ description: 'A status, or `open` for every status but closed' }),
      risk: riskLevel.optional(),
      overdue: queryBoolean
        .optional()
        .meta({ description: 'Only cases with (true) or without (false) a running obligation overdue now' }),
      q: z.string().trim().min(1).max(100).optional().meta({
        description:
          "Find a client: the start of a case reference (C-1042 or 1042), of the client's given or family name or of both, or their initials (JR, J. R.)",
      }),
      sort: z.enum(CASE_SORTS).optional().meta({
        description:
          'newest (default; opened last first), next_due (soonest due first, nothing due last), reference, risk (high first), status (in case order)',
      }),
      page: z.coerce.number().int().min(1).max(10_000).optional().meta({
        description: 'Numbered page, from 1 (each `limit` long); every sort but newest is paged this way',
      }),
      limit,
      cursor: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a nextCursor this API returned')
        .optional()
        .meta({ description: 'The nextCursor of the previous page, as returned (opaque, base64url)' }),
    }),
    responses: {
      200: {
        description: 'A page of cases',
        schema: z.object({
          items: z.array(caseListItem),
          nextCursor: z.string().nullable(),
          page: z
            .object({
              number: z.number().int(),
              size: z.number().int(),
              total: z.number().int().meta({ description: 'Cases matching, on every page (0 past the end)' }),
              nextPage: z.number().int().nullable(),
            })
            .nullable()
            .meta({ description: 'Numbered pages; null when the list is paged by cursor' }),
        }),
      },
    },
    handler: async ({ actor, query }) => ({
      status: 200,
      body: await listCases(pool, actor, { ...query, now: deps.clock?.() ?? new Date() }),
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId',
    operationId: 'getCase',
    description:
      "The case record with its client's initials, open escalations and its schedule as the workflow last recorded it (read from the database, whatever the worker caches). `live=true` asks the running workflow instead, as does a case whose schedule is not recorded yet or is being recorded after a change; `schedule` is null with `scheduleError` when Temporal cannot answer then. Audited.",
    summary: 'A case with its schedule',
    tag: 'cases',
    params: caseParams,
    query: z.strictObject({
      live: queryBoolean.default(false).meta({
        description: "Ask the case's workflow for its schedule instead of reading the recorded one",
      }),
    }),
    responses: { 200: { description: 'The case', schema: caseView } },
    handler: async ({ params, actor, query }) => ({
      status: 200,
      body: await getCase(deps, actor, params.caseId, { live: query.live }),
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/timeline',
    operationId: 'getCaseTimeline',
    description:
      'Every decision, note, assessment, referral and escalation on the case, oldest first. Audited.',
    summary: 'Everything that happened on the case, in order',
    tag: 'cases',
    params: caseParams,
    responses: {
      200: {
        description: 'Timeline',
        schema: z.object({
          items: z.array(
            z.object({
              at: z.string(),
              kind: z.string(),
              summary: z.string(),
              actorId: uuid.nullable(),
              ref: z.string().nullable(),
            }),
          ),
        }),
      },
    },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await caseTimeline(pool, actor, params.caseId) },
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/assessments',
    changesCase: true,
    operationId: 'recordAssessment',
    description:
      'Records a completed assessment: `scores` must score at least one life domain (1-5 each). The first is `initial`, later ones `reassessment` (409 otherwise, or when the case is closed). `completedAt` must not be in the future nor before the case opened (422).',
    summary: 'Record a completed needs assessment',
    tag: 'cases',
    params: caseParams,
    body: assessmentBody,
    responses: {
      201: {
        description: 'Assessment recorded',
        schema: z.object({ assessmentId: uuid, schedule: z.unknown() }),
      },
    },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await recordAssessment(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/plans',
    changesCase: true,
    operationId: 'createPlan',
    description:
      'Drafts a service plan with 1-30 SMART goals once the initial assessment is recorded (409 before it, or while another plan is a draft or submitted). A goal due before the plan is written is 422.',
    summary: 'Draft a service plan with SMART goals',
    tag: 'plans',
    params: caseParams,
    body: planBody,
    responses: {
      201: {
        description: 'Plan drafted',
        schema: z.object({
          planId: uuid,
          version: z.number().int(),
          status: z.string(),
          goalIds: z.array(uuid),
        }),
      },
    },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await createPlan(deps, actor, params.caseId, body),
    }),
  });
  const planParams = z.strictObject({ caseId: uuid, planId: uuid });
  api.add({
    method: 'post',
    path: '/cases/:caseId/plans/:planId/submit',
    changesCase: true,
    operationId: 'submitPlan',
    description:
      'Submits a draft or returned plan for approval, which starts the approval clock; any other plan status is 409.',
    summary: 'Submit a plan for the supervisor’s approval',
    tag: 'plans',
    params: planParams,
    responses: { 200: { description: 'Submitted', schema: withSchedule } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: await submitPlan(deps, actor, params.caseId, params.planId),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/plans/:planId/decision',
    changesCase: true,
    operationId: 'decidePlan',
    description:
      "The case's supervisor, its program manager or an admin approves or returns a submitted plan (409 when it is not submitted).",
    summary: 'Approve or return a plan (supervisor)',
    tag: 'plans',
    params: planParams,
    body: planDecisionBody,
    responses: { 200: { description: 'Decided', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await decidePlan(deps, actor, params.caseId, params.planId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/goals/:goalId/progress',
    changesCase: true,
    operationId: 'recordGoalProgress',
    description:
      'Records progress on a goal of the approved plan (409 otherwise); progress restarts the stalled-plan clock.',
    summary: 'Record progress on a goal',
    tag: 'plans',
    params: z.strictObject({ caseId: uuid, goalId: uuid }),
    body: goalProgressBody,
    responses: { 201: { description: 'Recorded', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await recordGoalProgress(deps, actor, params.caseId, params.goalId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/referrals',
    changesCase: true,
    operationId: 'makeReferral',
    description:
      'Refers the client to an active provider (422 when the provider is unknown or inactive, 409 when the case is on hold or closed); starts the referral response clock.',
    summary: 'Refer the client to a provider',
    tag: 'referrals',
    params: caseParams,
    body: referralBody,
    responses: { 201: { description: 'Referral sent', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await makeReferral(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/referrals/:referralId/updates',
    changesCase: true,
    operationId: 'updateReferral',
    description:
      'Moves a referral along sent → accepted or scheduled → completed, or to declined, no-show or cancelled; a move its current status does not allow is 409.',
    summary: 'Record what happened to a referral',
    tag: 'referrals',
    params: z.strictObject({ caseId: uuid, referralId: uuid }),
    body: referralUpdateBody,
    responses: { 201: { description: 'Recorded', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await updateReferral(deps, actor, params.caseId, params.referralId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/notes',
    changesCase: true,
    operationId: 'addNote',
    description:
      'Adds an append-only case note; to correct one, add a new note with `amendsNoteId`. A contact or progress note restarts the stalled-plan clock. Audited.',
    summary: 'Add a case note (append-only; amend by pointing at the note)',
    tag: 'notes',
    params: caseParams,
    body: noteBody,
    responses: { 201: { description: 'Note added', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await addNote(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/notes',
    operationId: 'listNotes',
    description:
      "The case's notes, oldest first (by when they happened, then when they were written), amendments included: an amendment names the note it corrects (`amendsNoteId`) and each note lists the notes that correct it (`amendedBy`). A page at a time; `nextCursor` fetches the next. Each note shown is audited.",
    summary: 'The case’s notes and amendments, oldest first, paged (audited)',
    alsoAnswers: { 422: 'The cursor is well formed but not one this API issued; nothing changed' },
    tag: 'notes',
    params: caseParams,
    query: z.strictObject({
      limit,
      cursor: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,300}$/, 'must be a nextCursor this API returned')
        .optional()
        .meta({ description: 'The nextCursor of the previous page, as returned (opaque, base64url)' }),
    }),
    responses: {
      200: {
        description: 'A page of notes',
        schema: z.object({
          items: z.array(
            z
              .object({
                id: uuid,
                type: noteType,
                authorId: uuid,
                at: z.string(),
                body: z.string(),
                amendsNoteId: uuid.nullable(),
                amendedBy: z.array(uuid),
              })
              .meta({ id: 'Note' }),
          ),
          nextCursor: z.string().nullable(),
        }),
      },
    },
    handler: async ({ params, query, actor }) => ({
      status: 200,
      body: await listNotes(pool, actor, params.caseId, query),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/hold',
    changesCase: true,
    operationId: 'holdCase',
    description:
      'Puts the case on hold: every clock pauses until it resumes. 409 when it is already on hold or closed.',
    summary: 'Put the case on hold (pauses every clock)',
    tag: 'cases',
    params: caseParams,
    body: holdBody,
    responses: { 200: { description: 'On hold', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await putOnHold(deps, actor, params.caseId, body.reason),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/resume',
    changesCase: true,
    operationId: 'resumeCase',
    description:
      'Resumes a case on hold; clocks continue from where they stopped. 409 when it is not on hold.',
    summary: 'Resume a case on hold',
    tag: 'cases',
    params: caseParams,
    responses: { 200: { description: 'Resumed', schema: withSchedule } },
    handler: async ({ params, actor }) => ({ status: 200, body: await resume(deps, actor, params.caseId) }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/reassign',
    changesCase: true,
    operationId: 'reassignCase',
    description:
      "The case's supervisor, its program manager or an admin hands the case to another active case manager and/or supervisor; name at least one (422 otherwise). Open tasks of whoever leaves the case go to whoever takes their place, on the task's timeline; so do the appointments yet to start they were to attend (a new version of each: the leaver is sent its cancellation, everyone attending the updated invitation).",
    summary: 'Hand the case to another case manager or supervisor',
    tag: 'cases',
    params: caseParams,
    body: reassignBody,
    responses: { 200: { description: 'Reassigned', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await reassign(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/risk',
    changesCase: true,
    operationId: 'changeRisk',
    description:
      "Changes the risk level, which re-derives the open reassessment's due date. 409 when the level is unchanged or the case is closed.",
    summary: 'Change the risk level (moves the reassessment period)',
    tag: 'cases',
    params: caseParams,
    body: riskChangeBody,
    responses: { 200: { description: 'Changed', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await changeRisk(deps, actor, params.caseId, body.riskLevel),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/closure',
    changesCase: true,
    operationId: 'requestClosure',
    description:
      "Asks to close the case; the supervisor decides. The discharge summary: the reason, a narrative, and (optional) each goal of the episode's plan and each of its referrals with its outcome (those left out take the outcome their status says), recommendations and follow-up; kept with the episode when closure is approved. 409 when closure is already requested, the case is on hold or closed; 422 naming the field for a goal or referral not of this episode or a follow-up date already past.",
    summary: 'Request closure (needs the supervisor’s approval)',
    tag: 'cases',
    params: caseParams,
    body: closureBody,
    responses: { 200: { description: 'Requested', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await requestClosure(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/closure/decision',
    changesCase: true,
    operationId: 'decideClosure',
    description:
      "The case's supervisor, its program manager or an admin approves (the case closes and its workflow completes) or returns a closure request. 409 when none is waiting.",
    summary: 'Approve or return a closure request (supervisor)',
    tag: 'cases',
    params: caseParams,
    body: closureDecisionBody,
    responses: { 200: { description: 'Decided', schema: withSchedule } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await decideClosure(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/reopen',
    changesCase: true,
    operationId: 'reopenCase',
    description:
      "The case's supervisor, its program manager or an admin reopens a closed case; a new workflow run starts. 409 when the case is not closed.",
    summary: 'Reopen a closed case (starts a new workflow run)',
    tag: 'cases',
    params: caseParams,
    responses: { 200: { description: 'Reopened', schema: caseRecord } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: await reopenCase(deps, actor, params.caseId),
    }),
  });
}
