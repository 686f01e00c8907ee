import { z } from 'zod';
import { getCase, openCase, recordAssessment, type CaseDeps } from '../../domain/cases';
import type { ApiRouter } from '../route';

const uuid = z.uuid();
const isoDate = z.iso.date();
const riskLevel = z.enum(['low', 'medium', 'high']);

const newClient = z
  .strictObject({
    givenName: z.string().trim().min(1).max(100),
    familyName: z.string().trim().min(1).max(100),
    birthDate: isoDate
      .refine((d) => Date.parse(d) <= Date.now(), 'must not be in the future')
      .refine((d) => Date.parse(d) >= Date.parse('1900-01-01'), 'must be after 1900-01-01')
      .optional(),
    email: z.email().max(200).optional(),
    phone: z.string().trim().min(3).max(40).optional(),
    preferredLanguage: z.string().trim().min(2).max(35).optional(),
    consentToShare: z.boolean().optional(),
  })
  .meta({ id: 'NewClient' });

const intakeBody = z
  .strictObject({
    clientId: uuid.optional(),
    client: newClient.optional(),
    programId: uuid,
    caseManagerId: uuid,
    supervisorId: uuid.optional(),
    riskLevel: riskLevel.optional(),
  })
  .refine((b) => Boolean(b.clientId) !== Boolean(b.client), {
    message: 'give exactly one of clientId or client',
    path: ['client'],
  })
  .meta({ id: 'IntakeRequest' });

const caseRecord = z
  .object({
    id: uuid,
    reference: z.string(),
    clientId: uuid,
    programId: uuid,
    caseManagerId: uuid,
    supervisorId: uuid,
    status: z.string(),
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

const caseView = caseRecord
  .extend({
    client: z.object({ id: uuid, initials: z.string() }),
    schedule: z.unknown().nullable(),
    scheduleError: z.string().optional(),
  })
  .meta({ id: 'CaseWithSchedule' });

const DOMAINS = [
  'housing',
  'income',
  'employment',
  'health',
  'mental_health',
  'substance_use',
  'safety',
  'family_social_support',
  'legal',
  'education',
] as const;

const assessmentBody = z
  .strictObject({
    kind: z.enum(['initial', 'reassessment']),
    scores: z.record(
      z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'must be a domain key such as housing'),
      z.number().int().min(1).max(5),
    ),
    needs: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
    summary: z.string().trim().max(5000).default(''),
    completedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({
    id: 'AssessmentRequest',
    description: `Scores 1-5 per life domain: ${DOMAINS.join(', ')} (programs may add their own).`,
  });

const caseParams = z.strictObject({ caseId: uuid });

export function registerCaseRoutes(api: ApiRouter, deps: CaseDeps): void {
  api.add({
    method: 'post',
    path: '/cases',
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
    path: '/cases/:caseId',
    summary: 'A case with its live schedule',
    tag: 'cases',
    params: caseParams,
    responses: { 200: { description: 'The case', schema: caseView } },
    handler: async ({ params, actor }) => ({ status: 200, body: await getCase(deps, actor, params.caseId) }),
  });

  api.add({
    method: 'post',
    path: '/cases/:caseId/assessments',
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
}
