import { z } from 'zod';
import type { CaseDeps } from '../../domain/cases';
import { caseFhirBundle } from '../../domain/fhir-export';
import type { ApiRouter } from '../route';
import { queryBoolean, uuid } from '../schemas';

/** FHIR R4 export of one case (mapping: docs/fhir.md). */

export const FHIR_JSON = 'application/fhir+json';

const resource = z.object({ resourceType: z.string(), id: z.string() }).catchall(z.unknown()).meta({
  id: 'FhirResource',
  description: 'A FHIR R4 resource (see docs/fhir.md for which and how mapped)',
});

const bundle = z
  .object({
    resourceType: z.literal('Bundle'),
    type: z.literal('collection'),
    timestamp: z.string(),
    entry: z.array(
      z.object({
        fullUrl: z.string().meta({ description: '`urn:uuid:` and the resource id' }),
        resource,
      }),
    ),
  })
  .meta({ id: 'FhirBundle', description: 'A FHIR R4 Bundle of type collection' });

export function registerFhirRoutes(api: ApiRouter, deps: CaseDeps): void {
  api.add({
    method: 'get',
    path: '/cases/:caseId/fhir',
    operationId: 'getCaseFhir',
    description:
      'The case as a FHIR R4 Bundle (type `collection`, `application/fhir+json`): Patient, the current service plan as CarePlan with its Goals, a ServiceRequest and a Task per referral (statuses as the Gravity Project SDOH referral pattern), Organization per provider, Encounter per appointment, Practitioner per staff member referenced. Resource ids are the Caseloop ids; every fullUrl is `urn:uuid:<id>`. Who may call it: whoever may see the case (404 otherwise, as GET /cases/{caseId}). The Patient carries the client’s name, birth date and contact details when you may see the client (an audited client read), otherwise, or with `initials=true`, initials only. Every record exported is audited as a read. Mapping: docs/fhir.md.',
    summary: 'The case as a FHIR R4 Bundle',
    tag: 'cases',
    params: z.strictObject({ caseId: uuid }),
    query: z.strictObject({
      initials: queryBoolean.default(false).meta({
        description: 'Initials only in the Patient (no name, birth date or contact details): a copy to share',
      }),
    }),
    responses: { 200: { description: 'The FHIR R4 Bundle', schema: bundle, mediaType: FHIR_JSON } },
    handler: async ({ params, query, actor }) => ({
      status: 200,
      headers: { 'Content-Type': `${FHIR_JSON}; charset=utf-8` },
      body: await caseFhirBundle(deps, actor, params.caseId, { initialsOnly: query.initials }),
    }),
  });
}
