import type { Pool } from 'pg';
import { z } from 'zod';
import {
  changePolicy,
  createProgram,
  createProvider,
  createStaff,
  createToken,
  deactivateStaff,
  getProgram,
  getProvider,
  getStaff,
  listPrograms,
  listProviders,
  listStaff,
  reactivateStaff,
  updateProgram,
  updateProvider,
  updateStaff,
} from '../../domain/directory';
import type { CaseWorkflows } from '../../domain/ports';
import { inviteStaff, type AccountMail } from '../../domain/account-links';
import { listTokens, revokeToken } from '../../domain/api-tokens';
import type { ApiRouter } from '../route';
import {
  email,
  isoDate,
  isoDateTime,
  policySchema,
  queryBoolean,
  role,
  text,
  timeZone,
  trimmed,
  uuid,
} from '../schemas';

// Field sets carry no defaults: the create schemas add them, and a PATCH leaves absent fields unchanged.
const staffFields = {
  email: email(),
  fullName: text(200),
  role,
  supervisorId: uuid.nullable(),
  timeZone,
  notificationPreference: z.enum(['immediate', 'daily_digest']),
};
export const staffBody = z
  .strictObject({
    ...staffFields,
    supervisorId: staffFields.supervisorId.optional(),
    timeZone: timeZone.default('UTC'),
    notificationPreference: staffFields.notificationPreference.default('immediate'),
  })
  .meta({ id: 'StaffInput' });
const staffSchema = z
  .object({
    id: uuid,
    email: z.string(),
    fullName: z.string(),
    role,
    supervisorId: uuid.nullable(),
    timeZone: z.string(),
    notificationPreference: z.string(),
    active: z.boolean(),
  })
  .meta({ id: 'Staff' });
export const staffPatch = z
  .strictObject(staffFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .meta({ id: 'StaffPatch', minProperties: 1 });

const tokenInfoSchema = z
  .object({
    id: uuid,
    label: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });

const programFields = {
  name: text(200),
  programManagerId: uuid.nullable(),
  timeZone,
  holidays: z.array(isoDate).max(400),
  extraDomains: z
    .array(z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'must be a key such as digital_literacy'))
    .max(20),
  forbidAssessmentOnHold: z.boolean(),
};
export const programBody = z
  .strictObject({
    ...programFields,
    programManagerId: programFields.programManagerId.optional(),
    timeZone: timeZone.default('UTC'),
    holidays: programFields.holidays.default([]),
    extraDomains: programFields.extraDomains.default([]),
    forbidAssessmentOnHold: programFields.forbidAssessmentOnHold.default(false),
    policy: policySchema,
  })
  .meta({ id: 'ProgramInput' });
/** A change made to many cases at once commits whole; this says how many of them have it yet. */
const fanOutDelivery = z
  .object({
    cases: z.number().int().meta({ description: 'Open cases the change was recorded for' }),
    pending: z
      .number()
      .int()
      .meta({ description: 'Of those, cases whose workflow does not have it yet (delivered until they do)' }),
    workflowId: z.string().optional().meta({
      description: 'The fan-out workflow that delivers the rest until every case has it (Temporal UI)',
    }),
  })
  .meta({ id: 'FanOutDelivery' });

const programSchema = z
  .object({
    id: uuid,
    name: z.string(),
    programManagerId: uuid.nullable(),
    timeZone: z.string(),
    holidays: z.array(z.string()),
    extraDomains: z.array(z.string()),
    forbidAssessmentOnHold: z.boolean(),
    active: z.boolean(),
    policyVersion: z.number().int(),
    policy: policySchema,
  })
  .meta({ id: 'Program' });
export const programPatch = z
  .strictObject({ ...programFields, active: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .meta({ id: 'ProgramPatch', minProperties: 1 });

const providerFields = {
  organisation: text(200),
  services: z.array(text(100)).min(1).max(50),
  contactEmail: email(),
  languages: z.array(text(35)).max(30),
  eligibilityNotes: trimmed(2000),
};
export const providerBody = z
  .strictObject({
    ...providerFields,
    languages: providerFields.languages.default([]),
    eligibilityNotes: providerFields.eligibilityNotes.default(''),
  })
  .meta({ id: 'ProviderInput' });
const providerSchema = providerBody.extend({ id: uuid, active: z.boolean() }).meta({ id: 'Provider' });
export const providerPatch = z
  .strictObject({ ...providerFields, active: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .meta({ id: 'ProviderPatch', minProperties: 1 });

/** Who takes over what a deactivated staff member held. */
export const takeoverBody = z
  .strictObject({
    caseManagerId: uuid.optional(),
    supervisorId: uuid.optional(),
    programManagerId: uuid.optional(),
  })
  .meta({ id: 'Takeover' });

const idParams = (name: string) => z.strictObject({ [name]: uuid });

export function registerDirectoryRoutes(
  api: ApiRouter,
  deps: { pool: Pool; workflows: CaseWorkflows; clock?: () => Date; accountMail?: AccountMail | undefined },
): void {
  const { pool } = deps;
  const staffId = idParams('staffId');
  api.add({
    method: 'post',
    path: '/staff',
    operationId: 'createStaff',
    description:
      'Admins add a staff member. 409 when the email is taken; 422 when `supervisorId` does not name an active supervisor-capable staff member.',
    summary: 'Add a staff member (admin)',
    tag: 'staff',
    body: staffBody,
    responses: { 201: { description: 'Created', schema: staffSchema } },
    handler: async ({ actor, body }) => ({
      status: 201,
      body: await createStaff(pool, actor, { ...body, supervisorId: body.supervisorId ?? null }),
    }),
  });
  api.add({
    method: 'get',
    path: '/staff',
    operationId: 'listStaff',
    description: 'Every staff member, filtered by role and whether active, ordered by name.',
    summary: 'List staff',
    tag: 'staff',
    query: z.strictObject({ role: role.optional(), active: queryBoolean.optional() }),
    responses: { 200: { description: 'Staff', schema: z.object({ items: z.array(staffSchema) }) } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listStaff(pool, query) } }),
  });
  api.add({
    method: 'get',
    path: '/staff/:staffId',
    operationId: 'getStaff',
    description: 'One staff member.',
    summary: 'One staff member',
    tag: 'staff',
    params: staffId,
    responses: { 200: { description: 'Staff member', schema: staffSchema } },
    handler: async ({ params }) => ({ status: 200, body: await getStaff(pool, params.staffId as string) }),
  });
  api.add({
    method: 'patch',
    path: '/staff/:staffId',
    operationId: 'updateStaff',
    description:
      "Changes the fields sent (at least one: the schema's `minProperties`). Admins change anything; anyone else only their own `timeZone` and `notificationPreference` (403 otherwise). A new `timeZone` commits with one change for every open case the person carries, supervises or manages the program of, so their reminders keep to working hours in the new zone; `delivery` says how many cases were told and how many are still on their way (delivered by the relay).",
    summary: 'Change a staff member (admin; anyone for their own time zone and notification preference)',
    tag: 'staff',
    params: staffId,
    body: staffPatch,
    responses: { 200: { description: 'Updated', schema: staffSchema.extend({ delivery: fanOutDelivery }) } },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await updateStaff(deps, actor, params.staffId as string, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/staff/:staffId/deactivate',
    operationId: 'deactivateStaff',
    description:
      'Admins deactivate a staff member; their tokens stop working. Someone still carrying or supervising open cases, leading a team or managing programs is refused (409) unless the body names who takes them over (caseManagerId, supervisorId, programManagerId); then every case, team member and program moves in one transaction and running cases are told. Nobody deactivates themselves, and the last active admin stays.',
    summary:
      'Deactivate a staff member, handing over their open cases, team and programs (admin; not yourself, not the last admin)',
    tag: 'staff',
    params: staffId,
    body: takeoverBody,
    responses: {
      200: {
        description: 'Deactivated',
        schema: z.object({ staff: staffSchema, movedCases: z.number().int(), delivery: fanOutDelivery }),
      },
    },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await deactivateStaff(deps, actor, params.staffId as string, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/staff/:staffId/reactivate',
    operationId: 'reactivateStaff',
    description:
      'Admins bring back a deactivated staff member. Their old tokens stay revoked: issue a new one. 409 when they are already active.',
    summary: 'Reactivate a deactivated staff member (admin); issue them a new token',
    tag: 'staff',
    params: staffId,
    responses: { 200: { description: 'Reactivated', schema: staffSchema } },
    handler: async ({ actor, params }) => ({
      status: 200,
      body: await reactivateStaff(pool, actor, params.staffId as string),
    }),
  });
  api.add({
    method: 'post',
    path: '/staff/:staffId/invitation',
    operationId: 'inviteStaff',
    description:
      'Admins email a staff member a single-use link to choose their password (valid 72 hours); sending again makes the earlier link unusable. Using the link signs the person in and ends their other sessions. 409 when the person is deactivated; 503 when the API has no SMTP_URL.',
    summary: 'Email a staff member a link to set their password (admin)',
    tag: 'staff',
    params: staffId,
    responses: {
      202: {
        description: 'The invitation is on its way',
        schema: z
          .object({ staffId: uuid, sentTo: z.string(), expiresAt: z.string() })
          .meta({ id: 'Invitation' }),
      },
    },
    handler: async ({ actor, params }) => ({
      status: 202,
      body: await inviteStaff(deps, actor, params.staffId as string),
    }),
  });
  api.add({
    method: 'post',
    path: '/staff/:staffId/tokens',
    operationId: 'issueToken',
    description:
      'Admins issue a bearer token for a program acting as an active staff member (409 when deactivated). It expires at `expiresAt` (at most a year away; 422 otherwise) or after 90 days. The token is shown only in this answer; only its hash is kept.',
    summary: 'Issue an API token (admin); shown once',
    tag: 'staff',
    params: staffId,
    body: z
      .strictObject({ label: trimmed(100).default(''), expiresAt: isoDateTime.optional() })
      .meta({ id: 'TokenInput' }),
    responses: {
      201: {
        description: 'Token',
        schema: z.object({ id: uuid, token: z.string(), expiresAt: z.string() }).meta({ id: 'IssuedToken' }),
      },
    },
    handler: async ({ actor, params, body }) => ({
      status: 201,
      body: await createToken(
        pool,
        actor,
        params.staffId as string,
        body.label,
        body.expiresAt ? new Date(body.expiresAt) : undefined,
      ),
    }),
  });
  api.add({
    method: 'get',
    path: '/staff/:staffId/tokens',
    operationId: 'listTokens',
    description:
      "A staff member's API tokens, newest first, revoked and expired ones included; never the token itself. Admins see anyone's, everyone their own (403 otherwise).",
    summary: "List a staff member's API tokens (admin, or your own)",
    tag: 'staff',
    params: staffId,
    responses: {
      200: { description: 'Tokens', schema: z.object({ items: z.array(tokenInfoSchema) }) },
    },
    handler: async ({ actor, params }) => ({
      status: 200,
      body: { items: await listTokens(pool, actor, params.staffId as string) },
    }),
  });
  api.add({
    method: 'delete',
    path: '/staff/:staffId/tokens/:tokenId',
    operationId: 'revokeToken',
    description:
      "Revokes the token at once: requests with it are refused from now on. Admins revoke anyone's, everyone their own (403 otherwise). Revoking a revoked token changes nothing and answers when it was revoked.",
    summary: 'Revoke an API token (admin, or your own)',
    tag: 'staff',
    params: z.strictObject({ staffId: uuid, tokenId: uuid }),
    responses: { 200: { description: 'Revoked', schema: tokenInfoSchema } },
    handler: async ({ actor, params }) => ({
      status: 200,
      body: await revokeToken(pool, actor, params.staffId, params.tokenId),
    }),
  });

  const programId = idParams('programId');
  api.add({
    method: 'post',
    path: '/programs',
    operationId: 'createProgram',
    description:
      'Admins create a program with its first policy version. 409 when the name is taken; 422 when `programManagerId` is not an active program manager.',
    summary: 'Create a program with its policy (admin)',
    tag: 'programs',
    body: programBody,
    responses: { 201: { description: 'Created', schema: programSchema } },
    handler: async ({ actor, body }) => ({ status: 201, body: await createProgram(pool, actor, body) }),
  });
  api.add({
    method: 'get',
    path: '/programs',
    operationId: 'listPrograms',
    description: 'Every program with its current policy.',
    summary: 'List programs',
    tag: 'programs',
    responses: { 200: { description: 'Programs', schema: z.object({ items: z.array(programSchema) }) } },
    handler: async () => ({ status: 200, body: { items: await listPrograms(pool) } }),
  });
  api.add({
    method: 'get',
    path: '/programs/:programId',
    operationId: 'getProgram',
    description: 'One program with its current policy.',
    summary: 'One program with its current policy',
    tag: 'programs',
    params: programId,
    responses: { 200: { description: 'Program', schema: programSchema } },
    handler: async ({ params }) => ({
      status: 200,
      body: await getProgram(pool, params.programId as string),
    }),
  });
  api.add({
    method: 'patch',
    path: '/programs/:programId',
    operationId: 'updateProgram',
    description:
      "Changes the fields sent (at least one: the schema's `minProperties`). The program's manager may change its calendar and domains; only admins change its manager or deactivate it.",
    summary: 'Change or deactivate a program',
    tag: 'programs',
    params: programId,
    body: programPatch,
    responses: {
      200: { description: 'Updated', schema: programSchema.extend({ delivery: fanOutDelivery }) },
    },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await updateProgram(deps, actor, params.programId as string, body),
    }),
  });
  api.add({
    method: 'put',
    path: '/programs/:programId/policy',
    operationId: 'replacePolicy',
    description:
      "Admins or the program's manager store a new policy version. It commits with one change for every open case, so no case can run a version that does not exist; the cases are told after the commit (`delivery.pending` are still on their way, delivered by the relay) and re-derive their open obligations.",
    summary: 'Replace the policy (a new version)',
    tag: 'programs',
    params: programId,
    body: policySchema
      .extend({
        reason: trimmed(1000)
          .optional()
          .meta({ description: 'Why the policy changes: kept with the version and shown in its history' }),
      })
      .meta({ id: 'PolicyChangeInput' }),
    responses: {
      200: { description: 'Updated', schema: programSchema.extend({ delivery: fanOutDelivery }) },
    },
    handler: async ({ actor, params, body }) => {
      const { reason, ...policy } = body;
      return {
        status: 200,
        body: await changePolicy(deps, actor, params.programId as string, policy, reason),
      };
    },
  });

  const providerId = idParams('providerId');
  api.add({
    method: 'post',
    path: '/providers',
    operationId: 'createProvider',
    description: 'Adds a provider to the directory.',
    summary: 'Add a provider to the directory',
    tag: 'providers',
    body: providerBody,
    responses: { 201: { description: 'Created', schema: providerSchema } },
    handler: async ({ actor, body }) => ({ status: 201, body: await createProvider(pool, actor, body) }),
  });
  api.add({
    method: 'get',
    path: '/providers',
    operationId: 'listProviders',
    description: 'Searches the provider directory by service, language and whether active.',
    summary: 'Search the provider directory',
    tag: 'providers',
    query: z.strictObject({
      service: trimmed(100).optional(),
      language: trimmed(35).optional(),
      active: queryBoolean.optional(),
    }),
    responses: { 200: { description: 'Providers', schema: z.object({ items: z.array(providerSchema) }) } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listProviders(pool, query) } }),
  });
  api.add({
    method: 'get',
    path: '/providers/:providerId',
    operationId: 'getProvider',
    description: 'One provider.',
    summary: 'One provider',
    tag: 'providers',
    params: providerId,
    responses: { 200: { description: 'Provider', schema: providerSchema } },
    handler: async ({ params }) => ({
      status: 200,
      body: await getProvider(pool, params.providerId as string),
    }),
  });
  api.add({
    method: 'patch',
    path: '/providers/:providerId',
    operationId: 'updateProvider',
    description:
      'Changes the fields sent (at least one: the schema\'s `minProperties`); `{"active": false}` deactivates the provider.',
    summary: 'Change or deactivate a provider',
    tag: 'providers',
    params: providerId,
    body: providerPatch,
    responses: { 200: { description: 'Updated', schema: providerSchema } },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await updateProvider(pool, actor, params.providerId as string, body),
    }),
  });
}
