import { z } from 'zod';
import type { CaseDeps } from '../../domain/cases';
import {
  getPlan,
  listAssessments,
  listClosureEvents,
  listPlans,
  listReferrals,
} from '../../domain/case-reads';
import type { ApiRouter } from '../route';
import { closureDischarge } from './episodes';
import { uuid } from '../schemas';

/** Reading back what was recorded on a case; each route checks visibility (404) and audits what it shows. */

const caseParams = z.strictObject({ caseId: uuid });
const instant = z.string().meta({ description: 'An ISO 8601 instant (UTC)' });

const assessment = z
  .object({
    id: uuid,
    kind: z.enum(['initial', 'reassessment']),
    scores: z.record(z.string(), z.number().int()).meta({ description: 'Score 1-5 per life domain' }),
    needs: z.array(z.string()),
    summary: z.string(),
    completedBy: uuid,
    completedAt: instant,
    recordedAt: instant,
  })
  .meta({ id: 'Assessment' });

const goalProgress = z
  .object({ id: uuid, status: z.string(), note: z.string(), at: instant, recordedBy: uuid })
  .meta({ id: 'GoalProgress' });

const goal = z
  .object({
    id: uuid,
    domain: z.string(),
    description: z.string(),
    measure: z.string(),
    baseline: z.string().nullable().meta({ description: 'Where the client started on the measure' }),
    target: z.string().nullable().meta({ description: 'Where they aim to be by the target date' }),
    targetDate: z.string().meta({ description: 'YYYY-MM-DD' }),
    status: z.string(),
    latestProgress: goalProgress.nullable(),
    progress: z.array(goalProgress).meta({ description: 'Every progress record, oldest first' }),
  })
  .meta({ id: 'Goal' });

const plan = z
  .object({
    id: uuid,
    version: z.number().int(),
    status: z.enum(['draft', 'submitted', 'approved', 'returned', 'superseded']),
    summary: z.string(),
    createdBy: uuid,
    createdAt: instant,
    submittedAt: instant.nullable(),
    decidedAt: instant.nullable(),
    decidedBy: uuid.nullable(),
    decisionNote: z.string().nullable(),
    goals: z.array(goal),
    events: z
      .array(
        z
          .object({
            what: z.enum(['submitted', 'approved', 'returned']),
            note: z.string().nullable(),
            at: instant,
            actorId: uuid,
          })
          .meta({ id: 'PlanEvent' }),
      )
      .meta({ description: 'Every submission and decision, oldest first' }),
  })
  .meta({ id: 'Plan' });

const referral = z
  .object({
    id: uuid,
    provider: z.object({ id: uuid, organisation: z.string() }),
    service: z.string(),
    reason: z.string(),
    status: z.enum(['sent', 'accepted', 'scheduled', 'completed', 'declined', 'no_show', 'cancelled']),
    sentAt: instant,
    createdBy: uuid,
    updatedAt: instant,
    events: z
      .array(
        z
          .object({ status: z.string(), note: z.string(), at: instant, reportedBy: uuid })
          .meta({ id: 'ReferralEvent' }),
      )
      .meta({ description: 'Every status update, oldest first' }),
  })
  .meta({ id: 'Referral' });

const closureEvent = z
  .object({
    id: uuid,
    what: z.enum(['requested', 'approved', 'returned']),
    reason: z.string().nullable(),
    summary: z.string().nullable().meta({ description: 'The discharge summary of a request' }),
    note: z.string().nullable(),
    at: instant,
    actorId: uuid,
    discharge: closureDischarge,
  })
  .meta({ id: 'ClosureEvent' });

export function registerCaseReadRoutes(api: ApiRouter, deps: CaseDeps): void {
  const { pool } = deps;
  api.add({
    method: 'get',
    path: '/cases/:caseId/assessments',
    operationId: 'listAssessments',
    description:
      'Every assessment recorded on the case with its domain scores, oldest first (a series over time). 404 when you may not see the case. Each assessment shown is audited.',
    summary: 'The case’s assessments with domain scores, oldest first',
    tag: 'cases',
    params: caseParams,
    responses: { 200: { description: 'Assessments', schema: z.object({ items: z.array(assessment) }) } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await listAssessments(pool, actor, params.caseId) },
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/plans',
    operationId: 'listPlans',
    description:
      'Every service plan on the case, newest version first (the current plan leads), each with its goals, soonest target date first (with every progress record and the latest) and every submission and decision, oldest first. 404 when you may not see the case. Each plan shown is audited.',
    summary: 'The case’s plans with goals, progress and decisions, newest first',
    tag: 'plans',
    params: caseParams,
    responses: { 200: { description: 'Plans', schema: z.object({ items: z.array(plan) }) } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await listPlans(pool, actor, params.caseId) },
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/plans/:planId',
    operationId: 'getPlan',
    description:
      'One service plan with its goals (soonest target date first), their progress and every submission and decision, oldest first. 404 when you may not see the case or the plan is not one of its plans. Audited.',
    summary: 'A plan with goals, progress and decisions',
    tag: 'plans',
    params: z.strictObject({ caseId: uuid, planId: uuid }),
    responses: { 200: { description: 'The plan', schema: plan } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: await getPlan(pool, actor, params.caseId, params.planId),
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/referrals',
    operationId: 'listReferrals',
    description:
      'Every referral on the case, newest first, each with its provider and its status history, oldest first. 404 when you may not see the case. Each referral shown is audited.',
    summary: 'The case’s referrals with their status history, newest first',
    tag: 'referrals',
    params: caseParams,
    responses: { 200: { description: 'Referrals', schema: z.object({ items: z.array(referral) }) } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await listReferrals(pool, actor, params.caseId) },
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/closures',
    operationId: 'listClosureEvents',
    description:
      "Every closure request (with its reason and discharge summary) and every decision on one (with the decider's note), oldest first, across all the case's episodes; the episodes themselves are in GET /cases/{caseId}. 404 when you may not see the case. Each event shown is audited.",
    summary: 'The case’s closure requests and decisions, oldest first',
    tag: 'cases',
    params: caseParams,
    responses: {
      200: {
        description: 'Closure requests and decisions',
        schema: z.object({ items: z.array(closureEvent) }),
      },
    },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await listClosureEvents(pool, actor, params.caseId) },
    }),
  });
}
