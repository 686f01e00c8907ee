import type { Pool } from 'pg';
import { z } from 'zod';
import { createClient, getClient, searchClients } from '../../domain/clients';
import { consentHistory, recordConsent } from '../../domain/consent';
import { acknowledgeEscalation, myEscalations } from '../../domain/escalations';
import type { CaseWorkflows } from '../../domain/ports';
import type { ApiRouter } from '../route';
import { isoDate, isoDateTime, limit, newClientSchema, queryBoolean, uuid } from '../schemas';

const clientSchema = z
  .object({
    id: uuid,
    givenName: z.string(),
    familyName: z.string(),
    birthDate: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    address: z.string().nullable(),
    preferredLanguage: z.string().nullable(),
    consentToShare: z.boolean(),
  })
  .meta({ id: 'Client' });

const consentSchema = z
  .object({
    id: uuid,
    clientId: uuid,
    given: z.boolean(),
    at: z.string(),
    note: z.string().nullable(),
    recordedBy: uuid.nullable(),
    recordedAt: z.string(),
  })
  .meta({ id: 'ConsentStatement' });

const escalationSchema = z
  .object({
    id: uuid,
    caseId: uuid,
    caseReference: z.string(),
    obligationId: z.string(),
    obligationKind: z.string(),
    level: z.number().int(),
    dueAt: z.string(),
    raisedAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: uuid.nullable(),
    resolvedAt: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ id: 'Escalation' });

export function registerPeopleRoutes(api: ApiRouter, deps: { pool: Pool; workflows: CaseWorkflows }): void {
  const { pool } = deps;
  api.add({
    method: 'post',
    path: '/clients',
    summary: 'Register a client',
    tag: 'clients',
    body: newClientSchema,
    responses: { 201: { description: 'Created', schema: clientSchema } },
    handler: async ({ actor, body }) => ({ status: 201, body: await createClient(pool, actor, body) }),
  });
  api.add({
    method: 'get',
    path: '/clients',
    summary: 'Search the clients you may see',
    tag: 'clients',
    query: z.strictObject({
      name: z.string().trim().min(1).max(100).optional(),
      birthDate: isoDate.optional(),
      limit,
    }),
    responses: { 200: { description: 'Clients', schema: z.object({ items: z.array(clientSchema) }) } },
    handler: async ({ actor, query }) => ({
      status: 200,
      body: { items: await searchClients(pool, actor, query) },
    }),
  });
  api.add({
    method: 'get',
    path: '/clients/:clientId',
    summary: 'One client (audited)',
    tag: 'clients',
    params: z.strictObject({ clientId: uuid }),
    responses: { 200: { description: 'Client', schema: clientSchema } },
    handler: async ({ actor, params }) => ({
      status: 200,
      body: await getClient(pool, actor, params.clientId),
    }),
  });
  api.add({
    method: 'post',
    path: '/clients/:clientId/consent',
    summary: 'Record consent to share with providers, given or withdrawn (appended, dated)',
    tag: 'clients',
    params: z.strictObject({ clientId: uuid }),
    body: z
      .strictObject({
        given: z.boolean(),
        at: isoDateTime.optional(),
        note: z.string().trim().min(1).max(2000).optional(),
      })
      .meta({ id: 'ConsentInput' }),
    responses: { 201: { description: 'Recorded', schema: consentSchema } },
    handler: async ({ actor, params, body }) => ({
      status: 201,
      body: await recordConsent(deps, actor, params.clientId, body),
    }),
  });
  api.add({
    method: 'get',
    path: '/clients/:clientId/consent',
    summary: 'Every consent statement for the client, oldest first (audited)',
    tag: 'clients',
    params: z.strictObject({ clientId: uuid }),
    responses: {
      200: { description: 'Consent history', schema: z.object({ items: z.array(consentSchema) }) },
    },
    handler: async ({ actor, params }) => ({
      status: 200,
      body: { items: await consentHistory(pool, actor, params.clientId) },
    }),
  });
  api.add({
    method: 'get',
    path: '/escalations',
    summary: 'Escalations sent to me',
    tag: 'escalations',
    query: z.strictObject({ includeAcknowledged: queryBoolean.default(false) }),
    responses: {
      200: { description: 'Escalations', schema: z.object({ items: z.array(escalationSchema) }) },
    },
    handler: async ({ actor, query }) => ({
      status: 200,
      body: { items: await myEscalations(pool, actor, query.includeAcknowledged) },
    }),
  });
  api.add({
    method: 'post',
    path: '/escalations/:escalationId/acknowledge',
    summary: 'Acknowledge an escalation',
    tag: 'escalations',
    params: z.strictObject({ escalationId: uuid }),
    responses: { 200: { description: 'Acknowledged', schema: escalationSchema } },
    handler: async ({ actor, params }) => ({
      status: 200,
      body: await acknowledgeEscalation(deps, actor, params.escalationId),
    }),
  });
}
