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
import type { ApiRouter } from '../route';
import { isoDate, policySchema, queryBoolean, role, text, timeZone, uuid } from '../schemas';

// Field sets carry no defaults: the create schemas add them, and a PATCH leaves absent fields unchanged.
const staffFields = {
  email: z.email().max(200),
  fullName: text(200),
  role,
  supervisorId: uuid.nullable(),
  timeZone,
  notificationPreference: z.enum(['immediate', 'daily_digest']),
};
const staffBody = z
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
const staffPatch = z
  .strictObject(staffFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .meta({ id: 'StaffPatch' });

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
const programBody = z
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
const programPatch = z
  .strictObject({ ...programFields, active: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .meta({ id: 'ProgramPatch' });

const providerFields = {
  organisation: text(200),
  services: z.array(text(100)).min(1).max(50),
  contactEmail: z.email().max(200),
  languages: z.array(text(35)).max(30),
  eligibilityNotes: z.string().trim().max(2000),
};
const providerBody = z
  .strictObject({
    ...providerFields,
    languages: providerFields.languages.default([]),
    eligibilityNotes: providerFields.eligibilityNotes.default(''),
  })
  .meta({ id: 'ProviderInput' });
const providerSchema = providerBody.extend({ id: uuid, active: z.boolean() }).meta({ id: 'Provider' });
const providerPatch = z
  .strictObject({ ...providerFields, active: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .meta({ id: 'ProviderPatch' });

const idParams = (name: string) => z.strictObject({ [name]: uuid });

export function registerDirectoryRoutes(
  api: ApiRouter,
  deps: { pool: Pool; workflows: CaseWorkflows },
): void {
  const { pool } = deps;
  const staffId = idParams('staffId');
  api.add({
    method: 'post',
    path: '/staff',
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
    summary: 'List staff',
    tag: 'staff',
    query: z.strictObject({ role: role.optional(), active: queryBoolean.optional() }),
    responses: { 200: { description: 'Staff', schema: z.object({ items: z.array(staffSchema) }) } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listStaff(pool, query) } }),
  });
  api.add({
    method: 'get',
    path: '/staff/:staffId',
    summary: 'One staff member',
    tag: 'staff',
    params: staffId,
    responses: { 200: { description: 'Staff member', schema: staffSchema } },
    handler: async ({ params }) => ({ status: 200, body: await getStaff(pool, params.staffId as string) }),
  });
  api.add({
    method: 'patch',
    path: '/staff/:staffId',
    summary: 'Change a staff member (admin; anyone for their own time zone and notification preference)',
    tag: 'staff',
    params: staffId,
    body: staffPatch,
    responses: { 200: { description: 'Updated', schema: staffSchema } },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await updateStaff(pool, actor, params.staffId as string, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/staff/:staffId/deactivate',
    summary:
      'Deactivate a staff member, handing over their open cases, team and programs (admin; not yourself, not the last admin)',
    tag: 'staff',
    params: staffId,
    body: z
      .strictObject({
        caseManagerId: uuid.optional(),
        supervisorId: uuid.optional(),
        programManagerId: uuid.optional(),
      })
      .meta({ id: 'Takeover' }),
    responses: {
      200: {
        description: 'Deactivated',
        schema: z.object({ staff: staffSchema, movedCases: z.number().int() }),
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
    path: '/staff/:staffId/tokens',
    summary: 'Issue an API token (admin); shown once',
    tag: 'staff',
    params: staffId,
    body: z.strictObject({ label: z.string().trim().max(100).default('') }),
    responses: { 201: { description: 'Token', schema: z.object({ token: z.string() }) } },
    handler: async ({ actor, params, body }) => ({
      status: 201,
      body: await createToken(pool, actor, params.staffId as string, body.label),
    }),
  });

  const programId = idParams('programId');
  api.add({
    method: 'post',
    path: '/programs',
    summary: 'Create a program with its policy (admin)',
    tag: 'programs',
    body: programBody,
    responses: { 201: { description: 'Created', schema: programSchema } },
    handler: async ({ actor, body }) => ({ status: 201, body: await createProgram(pool, actor, body) }),
  });
  api.add({
    method: 'get',
    path: '/programs',
    summary: 'List programs',
    tag: 'programs',
    responses: { 200: { description: 'Programs', schema: z.object({ items: z.array(programSchema) }) } },
    handler: async () => ({ status: 200, body: { items: await listPrograms(pool) } }),
  });
  api.add({
    method: 'get',
    path: '/programs/:programId',
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
    summary: 'Change or deactivate a program',
    tag: 'programs',
    params: programId,
    body: programPatch,
    responses: { 200: { description: 'Updated', schema: programSchema } },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await updateProgram(deps, actor, params.programId as string, body),
    }),
  });
  api.add({
    method: 'put',
    path: '/programs/:programId/policy',
    summary: 'Replace the policy (a new version)',
    tag: 'programs',
    params: programId,
    body: policySchema,
    responses: { 200: { description: 'Updated', schema: programSchema } },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: await changePolicy(deps, actor, params.programId as string, body),
    }),
  });

  const providerId = idParams('providerId');
  api.add({
    method: 'post',
    path: '/providers',
    summary: 'Add a provider to the directory',
    tag: 'providers',
    body: providerBody,
    responses: { 201: { description: 'Created', schema: providerSchema } },
    handler: async ({ actor, body }) => ({ status: 201, body: await createProvider(pool, actor, body) }),
  });
  api.add({
    method: 'get',
    path: '/providers',
    summary: 'Search the provider directory',
    tag: 'providers',
    query: z.strictObject({
      service: z.string().max(100).optional(),
      language: z.string().max(35).optional(),
      active: queryBoolean.optional(),
    }),
    responses: { 200: { description: 'Providers', schema: z.object({ items: z.array(providerSchema) }) } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listProviders(pool, query) } }),
  });
  api.add({
    method: 'get',
    path: '/providers/:providerId',
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
