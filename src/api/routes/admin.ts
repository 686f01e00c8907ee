import { z } from 'zod';
import { requireRole } from '../../domain/access';
import { reconcile, type ReconcileDeps } from '../../domain/reconcile';
import type { ApiRouter } from '../route';
import { uuid } from '../schemas';

const reportSchema = z
  .object({
    checked: z.number().int(),
    unrepaired: z.number().int(),
    differences: z.array(
      z.object({
        caseId: uuid,
        reference: z.string(),
        field: z.enum([
          'status',
          'caseManagerId',
          'supervisorId',
          'programManagerId',
          'hold',
          'policyVersion',
          'openObligations',
        ]),
        record: z.unknown(),
        workflow: z.unknown(),
        repaired: z.boolean(),
        action: z.string(),
      }),
    ),
    notCompared: z.array(z.object({ caseId: uuid, reference: z.string(), reason: z.string() })),
  })
  .meta({ id: 'ReconciliationReport' });

/** Admin tools: the reconciliation of case records with their workflows. */
export function registerAdminRoutes(api: ApiRouter, deps: ReconcileDeps): void {
  api.add({
    method: 'get',
    path: '/admin/reconciliation',
    operationId: 'getReconciliation',
    description:
      "Admins only (403 otherwise). Compares every open case's record with its workflow (status, case manager, supervisor, program manager, hold, policy version, open obligations) and reports each difference; changes nothing.",
    summary: 'Compare case records with their workflows (admin)',
    tag: 'admin',
    neverAnswers: [404],
    responses: { 200: { description: 'The reconciliation report', schema: reportSchema } },
    handler: async ({ actor }) => {
      requireRole(actor, ['admin'], 'reconcile cases');
      return { status: 200, body: await reconcile(deps, { repair: false, actor }) };
    },
  });
  api.add({
    method: 'post',
    path: '/admin/reconciliation',
    operationId: 'repairReconciliation',
    description:
      'Admins only (403 otherwise). With `repair: true`, brings each differing workflow in line with its record (a new run for an open case whose workflow is not running; the status written to the record from the workflow), each repair audited; obligations are reported, never repaired. `repair: false` only reports.',
    summary: 'Compare case records with their workflows and repair the differences (admin)',
    tag: 'admin',
    neverAnswers: [404],
    body: z.strictObject({ repair: z.boolean() }).meta({ id: 'ReconciliationRequest' }),
    responses: { 200: { description: 'The reconciliation report after repairs', schema: reportSchema } },
    handler: async ({ actor, body }) => {
      requireRole(actor, ['admin'], 'reconcile cases');
      return { status: 200, body: await reconcile(deps, { repair: body.repair, actor }) };
    },
  });
}
