import type { PoolClient } from 'pg';
import { fromLocal } from '../../core/business-time';
import type { CaseEvent, CaseStatus, ImportedHistory } from '../../core/case-contract';
import { AppError } from '../../core/errors';
import { inTransaction } from '../../db/tx';
import type { Actor } from '../actor';
import { audit } from '../audit';
import { changeLanded, deliverAfterCommit, type StagedChange } from '../case-changes';
import type { CaseDeps } from '../cases';
import { recordIntake } from '../intake';
import type { ImportProblem } from './parse';
import type { ResolvedRow } from './checks';

/**
 * One import row becomes one case, in one transaction, through intake's own path: the client (or
 * the one on record), the case opened on its real date, its last assessment, its plan and goals,
 * its open referrals, the import key, and the staged start of its workflow carrying that history
 * (so the clocks count from the recorded dates). Either all of it lands or none of it does; the
 * key is unique per program, so a row done before (or by a concurrent run) is skipped.
 */

export type RowOutcome =
  | { status: 'imported'; caseId: string; reference: string }
  | { status: 'skipped' }
  | { status: 'failed'; problems: ImportProblem[] };

/** A recorded date is taken as 09:00 in the program's zone (never after the import itself). */
export function dateInstant(date: string, timeZone: string, notAfter: number): number {
  const [year, month, day] = date.split('-').map(Number);
  const at = fromLocal(
    { year: year!, month: month!, day: day!, hour: 9, minute: 0, second: 0, millisecond: 0 },
    timeZone,
  );
  return Math.min(at, notAfter);
}

export async function importRow(
  deps: CaseDeps,
  actor: Actor,
  r: ResolvedRow,
  importedAt: Date,
): Promise<RowOutcome> {
  let staged: StagedChange | undefined;
  let outcome: { caseId: string; reference: string; staged: StagedChange; payload: unknown } | undefined;
  try {
    outcome = await inTransaction(
      deps.pool,
      async (db) => {
        // Two runs of one file serialize on the key; the second finds it taken.
        await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `case-import/${r.programId}/${r.row.importKey}`,
        ]);
        const done = await db.query('SELECT 1 FROM case_imports WHERE program_id = $1 AND import_key = $2', [
          r.programId,
          r.row.importKey,
        ]);
        if (done.rowCount) return undefined;
        const result = await recordRow(db, actor, r, importedAt);
        staged = result.staged;
        return result;
      },
      { landed: changeLanded(() => staged) },
    );
  } catch (err) {
    // A 4xx of intake (a rule the checks did not foresee): this row fails, the others go on.
    if (err instanceof AppError && err.status < 500)
      return {
        status: 'failed',
        problems: (err.fields.length ? err.fields : [{ field: '', reason: err.detail }]).map((e) => ({
          row: r.row.row,
          column: e.field.replace(/^body\./, ''),
          reason: e.reason,
        })),
      };
    throw err;
  }
  if (!outcome) return { status: 'skipped' };
  // Started now; a start Temporal does not confirm in time is delivered by the change relay.
  await deliverAfterCommit(deps, outcome.caseId, [
    { id: outcome.staged.id, seq: outcome.staged.seq, payload: outcome.payload as never },
  ]);
  return { status: 'imported', caseId: outcome.caseId, reference: outcome.reference };
}

/** Inserts one record of the case and its audit entry ("created, by import"); its id. */
async function created(
  db: PoolClient,
  actor: Actor,
  caseId: string,
  entity: string | undefined,
  sql: string,
  params: unknown[],
): Promise<string> {
  const id = (await db.query<{ id: string }>(sql, params)).rows[0]!.id;
  if (entity)
    await audit(db, actor, { action: 'create', entity, entityId: id, caseId, detail: { imported: true } });
  return id;
}

async function recordRow(
  db: PoolClient,
  actor: Actor,
  r: ResolvedRow,
  importedAt: Date,
): Promise<{ caseId: string; reference: string; staged: StagedChange; payload: unknown }> {
  const row = r.row;
  const now = importedAt.getTime();
  const at = (date: string): number => dateInstant(date, r.timeZone, now);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const intake = await recordIntake<{ id: string; reference: string }>(
    db,
    actor,
    {
      ...(r.clientId
        ? { clientId: r.clientId }
        : {
            client: {
              givenName: row.client.givenName,
              familyName: row.client.familyName,
              ...(row.client.birthDate ? { birthDate: row.client.birthDate } : {}),
              ...(row.client.email ? { email: row.client.email } : {}),
              ...(row.client.phone ? { phone: row.client.phone } : {}),
              consentToShare: row.client.consentToShare,
            },
          }),
      programId: r.programId,
      caseManagerId: r.caseManagerId,
      supervisorId: r.supervisorId,
      riskLevel: row.riskLevel,
    },
    // The case opens on its real date: the initial assessment's clock counts from it.
    new Date(at(row.openedDate)),
  );
  const caseId = intake.row.id;
  const create = (entity: string | undefined, sql: string, params: unknown[]): Promise<string> =>
    created(db, actor, caseId, entity, sql, params);
  const events: CaseEvent[] = [];
  let status: CaseStatus = 'assessment';

  if (row.lastAssessmentDate) {
    const completedAt = iso(at(row.lastAssessmentDate));
    const id = await create(
      'assessment',
      `INSERT INTO assessments (case_id, kind, summary, completed_by, completed_at)
       VALUES ($1, 'initial', 'Imported: the last assessment before Caseloop', $2, $3) RETURNING id`,
      [caseId, r.caseManagerId, completedAt],
    );
    events.push({ type: 'assessment_recorded', assessmentId: id, kind: 'initial', completedAt });
    status = 'planning';
  }

  if (row.plan) {
    const planAt = iso(at(row.plan.date));
    const approved = row.plan.status === 'approved';
    const planId = await create(
      'service_plan',
      `INSERT INTO service_plans (case_id, version, status, summary, created_by, created_at, submitted_at, submitted_by,
                                    decided_at, decided_by)
         VALUES ($1, 1, $2, $3, $4, $5, $5, $4, $6, $7) RETURNING id`,
      [
        caseId,
        row.plan.status,
        row.plan.summary,
        r.caseManagerId,
        planAt,
        approved ? planAt : null,
        approved ? r.supervisorId : null,
      ],
    );
    const goals: { goalId: string; targetDate: string }[] = [];
    for (const g of row.plan.goals) {
      const goalId = await create(
        undefined,
        `INSERT INTO goals (plan_id, domain, description, measure, target_date) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [planId, g.domain, g.text, g.measure, g.targetDate],
      );
      goals.push({ goalId, targetDate: g.targetDate });
    }
    await db.query(
      `INSERT INTO plan_events (plan_id, case_id, what, note, at, actor_id)
       SELECT $1, $2, e.what, 'imported', $3, e.actor FROM (VALUES ('submitted', $4::uuid), ('approved', $5::uuid)) e(what, actor)
        WHERE e.what = 'submitted' OR $6`,
      [planId, caseId, planAt, r.caseManagerId, r.supervisorId, approved],
    );
    events.push({ type: 'plan_submitted', planId, at: planAt });
    if (approved) {
      events.push({ type: 'plan_decided', planId, decision: 'approved', at: planAt, goals });
      status = 'active';
    }
  }

  for (const [i, f] of row.referrals.entries()) {
    const sentAt = iso(at(f.sentDate));
    const id = await create(
      'referral',
      `WITH r AS (INSERT INTO referrals (case_id, provider_id, service, reason, sent_at, created_by)
                  VALUES ($1, $2, $3, 'Imported open referral', $4, $5) RETURNING id),
            e AS (INSERT INTO referral_events (referral_id, status, at, reported_by, note)
                  SELECT id, 'sent', $4, $5, 'imported' FROM r)
       SELECT id FROM r`,
      [caseId, r.providerIds[i], f.service, sentAt, r.caseManagerId],
    );
    events.push({ type: 'referral_made', referralId: id, at: sentAt });
  }

  // The recorded history rides on the workflow's start, and the status follows it at once.
  const imported: ImportedHistory = { importedAt: importedAt.toISOString(), events };
  const payload = (
    await db.query<{ payload: unknown }>(
      `UPDATE case_changes SET payload = jsonb_set(payload::jsonb, '{input,imported}', $2::jsonb)
        WHERE id = $1 RETURNING payload`,
      [intake.staged.id, JSON.stringify(imported)],
    )
  ).rows[0]!.payload;
  await db.query('UPDATE cases SET status = $2 WHERE id = $1', [caseId, status]);
  await db.query(
    'INSERT INTO case_imports (program_id, import_key, case_id, imported_by) VALUES ($1, $2, $3, $4)',
    [r.programId, row.importKey, caseId, actor.id],
  );
  return { caseId, reference: intake.row.reference, staged: intake.staged, payload };
}
