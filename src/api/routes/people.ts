import type { Pool } from 'pg';
import { z } from 'zod';
import { createClient, getClient, searchClients } from '../../domain/clients';
import { consentHistory } from '../../domain/consent';
import { recordConsentForCases } from '../../domain/consent-changes';
import { getStaff } from '../../domain/directory';
import { acknowledgeEscalation, myEscalations } from '../../domain/escalations';
import type { CaseWorkflows } from '../../domain/ports';
import type { ApiRouter } from '../route';
import { CONSENT_METHODS, CONSENT_PURPOSES } from '../../core/consent-purposes';
import { isoDate, isoDateTime, limit, newClientSchema, queryBoolean, role, text, uuid } from '../schemas';

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
    purpose: z.enum(CONSENT_PURPOSES),
    providerId: uuid.nullable(),
    given: z.boolean(),
    method: z.enum(CONSENT_METHODS).nullable(),
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

const meSchema = z
  .object({
    id: uuid,
    email: z.string(),
    fullName: z.string(),
    role,
    timeZone: z.string(),
    supervisorId: uuid.nullable(),
  })
  .meta({ id: 'Me' });

export function registerPeopleRoutes(api: ApiRouter, deps: { pool: Pool; workflows: CaseWorkflows }): void {
  const { pool } = deps;
  api.add({
    method: 'get',
    path: '/me',
    operationId: 'getMe',
    summary: 'Who this token belongs to',
    description:
      'The staff member the bearer token acts for: enough for a client to show who is signed in and which role applies. No token details.',
    tag: 'staff',
    neverAnswers: [403, 404],
    responses: { 200: { description: 'The signed-in staff member', schema: meSchema } },
    handler: async ({ actor }) => {
      const { id, email, fullName, role, timeZone, supervisorId } = await getStaff(pool, actor.id);
      return { status: 200, body: { id, email, fullName, role, timeZone, supervisorId } };
    },
  });
  api.add({
    method: 'post',
    path: '/clients',
    operationId: 'createClient',
    description: 'Registers a client without opening a case. Audited.',
    summary: 'Register a client',
    tag: 'clients',
    body: newClientSchema,
    responses: { 201: { description: 'Created', schema: clientSchema } },
    handler: async ({ actor, body }) => ({ status: 201, body: await createClient(pool, actor, body) }),
  });
  api.add({
    method: 'get',
    path: '/clients',
    operationId: 'searchClients',
    description: 'Searches the clients on cases you may see, by name and birth date. Audited.',
    summary: 'Search the clients you may see',
    tag: 'clients',
    query: z.strictObject({
      name: text(100).optional(),
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
    operationId: 'getClient',
    description: 'One client you may see (404 otherwise). Audited.',
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
    operationId: 'recordConsent',
    description:
      "Appends a dated statement of the client's consent for one purpose (given or withdrawn), how it was given and who recorded it: sharing with providers in general (the default), sharing with one named provider (`providerId`), or email reminders to the client. For sharing with a provider, the latest statement about that provider or about providers in general decides whether referrals may be made and followed up. 422 for a time in the future, or a provider missing or given where the purpose says otherwise.",
    summary: 'Record consent for a purpose, given or withdrawn (appended, dated)',
    tag: 'clients',
    params: z.strictObject({ clientId: uuid }),
    body: z
      .strictObject({
        purpose: z.enum(CONSENT_PURPOSES).optional(),
        providerId: uuid.optional(),
        given: z.boolean(),
        method: z.enum(CONSENT_METHODS).optional(),
        at: isoDateTime.optional(),
        note: text(2000).optional(),
      })
      .meta({ id: 'ConsentInput' }),
    responses: { 201: { description: 'Recorded', schema: consentSchema } },
    handler: async ({ actor, params, body }) => ({
      status: 201,
      // The statement reaches the client's open cases too (a withdrawal ends pending provider emails).
      body: withoutDelivery(await recordConsentForCases(deps, actor, params.clientId, body)),
    }),
  });
  api.add({
    method: 'get',
    path: '/clients/:clientId/consent',
    operationId: 'listConsent',
    description: "The client's consent history, oldest first; reading it is audited.",
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
    operationId: 'listMyEscalations',
    description: 'Escalations sent to you, unacknowledged ones only unless `includeAcknowledged=true`.',
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
    changesCase: true,
    operationId: 'acknowledgeEscalation',
    description:
      "The escalation's recipient (or the case's supervisor, program manager or an admin) acknowledges it; a second acknowledgement is 409.",
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

/** The recorded statement as the API has always answered it; its cases are told on their own. */
function withoutDelivery<T extends { delivery: unknown }>({
  delivery: _delivery,
  ...rest
}: T): Omit<T, 'delivery'> {
  return rest;
}
