import { programCalendar } from './case-calendar';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import { MANY_CASES } from './many-cases';
import type { CaseWorkflows } from './ports';

import { canChangeStaff, canManageProgram, isAdmin, requireRole, supervisesCases } from './access';
import type { Actor, Role } from './actor';
import { audit } from './audit';
import { DEFAULT_TOKEN_LIFETIME_DAYS, hashToken, issueToken } from './auth';
import { handAppointmentsOver } from './appointment-handover';
import { handEscalationsOver } from './escalation-handover';
import { applyReassignment, moveOpenTasks, reassignedEvent } from './case-actions';
import { deliverFanOut, stageChange, stageForProgram, type FanOutDelivery } from './case-changes';
import { staffById } from './cases';
import { assertProgramManager, notifyProgramManagerChanged } from './program-managers';
import { lockActiveAdmins, refuseLastAdmin, refuseSelf, refuseStrandingRoleChange } from './staff-guards';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../core/errors';
import { requireSensiblePolicy, type ProgramPolicy } from '../core/policy';
import { latestPolicy } from './workflow-input';
import { endSessionsOf } from './web-sessions';
import { stageTimeZoneChange } from './staff-time-zones';

/** Staff, programs and the provider directory: no client data, but every change is audited. */

export interface Staff {
  id: string;
  email: string;
  fullName: string;
  role: Role;
  supervisorId: string | null;
  timeZone: string;
  notificationPreference: 'immediate' | 'daily_digest';
  active: boolean;
}

interface StaffRow {
  id: string;
  email: string;
  full_name: string;
  role: Role;
  supervisor_id: string | null;
  time_zone: string;
  notification_preference: 'immediate' | 'daily_digest';
  active: boolean;
}

const toStaff = (r: StaffRow): Staff => ({
  id: r.id,
  email: r.email,
  fullName: r.full_name,
  role: r.role,
  supervisorId: r.supervisor_id,
  timeZone: r.time_zone,
  notificationPreference: r.notification_preference,
  active: r.active,
});

export type StaffInput = Omit<Staff, 'id' | 'active'>;

async function checkSupervisor(
  pool: Pool | PoolClient,
  supervisorId: string | null | undefined,
): Promise<void> {
  if (!supervisorId) return;
  const sup = (
    await pool.query<{ role: Role; active: boolean }>('SELECT role, active FROM staff WHERE id = $1', [
      supervisorId,
    ])
  ).rows[0];
  if (!sup || !sup.active)
    throw new UnprocessableError('supervisorId does not name an active staff member.', [
      { field: 'body.supervisorId', reason: 'not found or inactive' },
    ]);
  if (sup.role === 'case_manager') {
    throw new UnprocessableError('A case manager cannot supervise.', [
      { field: 'body.supervisorId', reason: 'wrong role' },
    ]);
  }
}

/** The common case's message; a race past it is caught by the unique index (see api/pg-errors). */
async function requireFreeEmail(pool: Pool | PoolClient, email: string, exceptId?: string): Promise<void> {
  const exists = await pool.query(
    'SELECT 1 FROM staff WHERE lower(email) = lower($1) AND id IS DISTINCT FROM $2',
    [email, exceptId ?? null],
  );
  if (exists.rowCount)
    throw new ConflictError(`A staff member with email ${email} already exists.`, [
      { field: 'body.email', reason: 'already in use' },
    ]);
}

/** A directory update's audit entry names the fields the request changed. */
async function auditUpdate(
  db: PoolClient,
  actor: Actor,
  entity: string,
  entityId: string,
  patch: object,
): Promise<void> {
  await audit(db, actor, { action: 'update', entity, entityId, detail: { fields: Object.keys(patch) } });
}

export async function createStaff(pool: Pool, actor: Actor, input: StaffInput): Promise<Staff> {
  requireRole(actor, ['admin'], 'add staff');
  return inTransaction(pool, async (db) => {
    await checkSupervisor(db, input.supervisorId);
    await requireFreeEmail(db, input.email);
    const row = (
      await db.query<StaffRow>(
        `INSERT INTO staff (email, full_name, role, supervisor_id, time_zone, notification_preference)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [
          input.email,
          input.fullName,
          input.role,
          input.supervisorId ?? null,
          input.timeZone,
          input.notificationPreference,
        ],
      )
    ).rows[0]!;
    await audit(db, actor, { action: 'create', entity: 'staff', entityId: row.id });
    return toStaff(row);
  });
}

export async function getStaff(pool: Pool, id: string): Promise<Staff> {
  const row = (await pool.query<StaffRow>('SELECT * FROM staff WHERE id = $1', [id])).rows[0];
  if (!row) throw new NotFoundError(`No staff member ${id}.`);
  return toStaff(row);
}

/** Staff members' names by id, for showing who did what; ids that name nobody are left out. */
export async function staffNames(pool: Pool, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await pool.query<{ id: string; full_name: string }>(
    'SELECT id, full_name FROM staff WHERE id = ANY($1::uuid[])',
    [unique],
  );
  return new Map(rows.rows.map((r) => [r.id, r.full_name]));
}

export async function listStaff(pool: Pool, filter: { role?: Role; active?: boolean }): Promise<Staff[]> {
  const rows = await pool.query<StaffRow>(
    `SELECT * FROM staff WHERE ($1::text IS NULL OR role = $1) AND ($2::boolean IS NULL OR active = $2) ORDER BY full_name, id`,
    [filter.role ?? null, filter.active ?? null],
  );
  return rows.rows.map(toStaff);
}

/**
 * Admins change anything; staff may change their own time zone and notification preference. A new
 * time zone reaches the running cases the person takes part in, staged with the change and
 * delivered after it commits, like every change to many cases (`delivery`).
 */
export async function updateStaff(
  deps: { pool: Pool; workflows: CaseWorkflows; clock?: () => Date },
  actor: Actor,
  id: string,
  patch: Partial<StaffInput>,
): Promise<Staff & { delivery: FanOutDelivery }> {
  const { pool } = deps;
  if (!canChangeStaff(actor, id, Object.keys(patch)))
    throw new ForbiddenError('You may change only your own time zone and notification preference.');
  if (patch.supervisorId === id)
    throw new UnprocessableError('Nobody supervises themselves.', [
      { field: 'body.supervisorId', reason: 'self' },
    ]);
  const fanOutId = randomUUID();
  const told: string[] = [];
  const staff = await inTransaction(pool, async (db) => {
    const roleChange = patch.role !== undefined;
    const admins = roleChange ? await lockActiveAdmins(db) : [];
    const locked = (await db.query<StaffRow>('SELECT * FROM staff WHERE id = $1 FOR NO KEY UPDATE', [id]))
      .rows[0];
    if (!locked) throw new NotFoundError(`No staff member ${id}.`);
    const current = toStaff(locked);
    if (roleChange && patch.role !== current.role) {
      refuseSelf(actor, id, 'body.role', 'change the role of');
      refuseLastAdmin(admins, current, 'demoted');
      await refuseStrandingRoleChange(db, id, patch.role!);
    }
    await checkSupervisor(db, patch.supervisorId);
    if (patch.email !== undefined) await requireFreeEmail(db, patch.email, id);
    const next = { ...current, ...patch };
    const row = (
      await db.query<StaffRow>(
        `UPDATE staff SET email = $2, full_name = $3, role = $4, supervisor_id = $5, time_zone = $6,
                notification_preference = $7, updated_at = now() WHERE id = $1 RETURNING *`,
        [
          id,
          next.email,
          next.fullName,
          next.role,
          next.supervisorId,
          next.timeZone,
          next.notificationPreference,
        ],
      )
    ).rows[0]!;
    await auditUpdate(db, actor, 'staff', id, patch);
    if (row.time_zone !== current.timeZone)
      told.push(
        ...(await stageTimeZoneChange(db, id, row.time_zone, deps.clock?.() ?? new Date(), fanOutId)),
      );
    return toStaff(row);
  });
  const delivery = await deliverFanOut(deps, {
    fanOutId,
    what: `Time zone of staff ${id} changed`,
    caseIds: told,
  });
  return { ...staff, delivery };
}

/**
 * Deactivation is refused while the person still carries or supervises open cases or manages a
 * program, unless the request names who takes them over; then every case, team member and
 * program moves in the same transaction and the workflows are told. Nobody deactivates
 * themselves, and the last active admin stays.
 */
export async function deactivateStaff(
  deps: { pool: Pool; workflows: CaseWorkflows; clock?: () => Date },
  actor: Actor,
  id: string,
  takeover: { caseManagerId?: string; supervisorId?: string; programManagerId?: string },
  now = deps.clock?.() ?? new Date(),
): Promise<{ staff: Staff; movedCases: number; delivery: FanOutDelivery }> {
  requireRole(actor, ['admin'], 'deactivate staff');
  refuseSelf(actor, id, 'params.staffId', 'deactivate');
  const handOver = randomUUID();
  const told: string[] = [];
  const done = await inTransaction(deps.pool, async (db) => {
    const admins = await lockActiveAdmins(db);
    const target = (await db.query<StaffRow>('SELECT * FROM staff WHERE id = $1 FOR NO KEY UPDATE', [id]))
      .rows[0];
    if (!target) throw new NotFoundError(`No staff member ${id}.`);
    if (!target.active) throw new ConflictError('The staff member is already deactivated.');
    refuseLastAdmin(admins, target, 'deactivated');
    if (takeover.supervisorId) await handTeamOver(db, actor, id, takeover.supervisorId);
    else await refuseStrandedTeam(db, target);
    told.push(...(await handProgramsOver(db, actor, target, takeover.programManagerId, now, handOver)));
    const open = await db.query<import('./cases').CaseRow>(
      `SELECT c.*, p.program_manager_id FROM cases c JOIN programs p ON p.id = c.program_id
        WHERE (c.case_manager_id = $1 OR c.supervisor_id = $1) AND c.status <> 'closed' ORDER BY c.id FOR UPDATE OF c`,
      [id],
    );
    for (const row of open.rows) {
      const to = {
        caseManagerId: row.case_manager_id === id ? takeover.caseManagerId : undefined,
        supervisorId: row.supervisor_id === id ? takeover.supervisorId : undefined,
      };
      if (
        (row.case_manager_id === id && !to.caseManagerId) ||
        (row.supervisor_id === id && !to.supervisorId)
      ) {
        throw new ConflictError(
          `${target.full_name} still has ${open.rowCount} open case(s); reassign them or name who takes them over (caseManagerId / supervisorId).`,
        );
      }
      if (to.caseManagerId === id || to.supervisorId === id) {
        throw new UnprocessableError('Cases cannot be handed to the person leaving.', [
          { field: 'body', reason: 'same person' },
        ]);
      }
      const moved = await applyReassignment(db, actor, row, to, now);
      // Staged with the deactivation: it and every hand-over land together, then reach the workflows.
      await stageChange(
        db,
        row.id,
        { kind: 'event', event: await reassignedEvent(db, moved, now) },
        handOver,
      );
      told.push(row.id);
    }
    for (const caseId of await handOverRemainingWork(db, actor, target, now, handOver))
      if (!told.includes(caseId)) told.push(caseId);
    const updated = (
      await db.query<StaffRow>(
        'UPDATE staff SET active = false, updated_at = now() WHERE id = $1 RETURNING *',
        [id],
      )
    ).rows[0]!;
    await db.query('UPDATE api_tokens SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL', [
      id,
    ]);
    // Signed-in browsers stop at their next request, not when their session would have run out.
    await endSessionsOf(db, id, 'deactivated', now);
    await audit(db, actor, {
      action: 'update',
      entity: 'staff',
      entityId: id,
      detail: { change: 'deactivate', movedCases: open.rowCount },
    });
    return { staff: toStaff(updated), movedCases: open.rowCount ?? 0 };
  });
  const delivery = await deliverFanOut(deps, {
    fanOutId: handOver,
    what: `Hand-over from deactivated staff ${id}`,
    caseIds: told,
  });
  return { ...done, delivery };
}

/**
 * Open tasks the leaver holds, and appointments yet to start they were to attend, on cases they
 * neither carry nor supervise (as a program's manager, an admin or a colleague sitting in) go to
 * whoever takes their place there: the program's new manager, else the case's case manager. Open
 * escalations addressed to them go to the program's new manager, else the case's supervisor. Each
 * case's workflow is told in the hand-over; its ids.
 */
async function handOverRemainingWork(
  db: PoolClient,
  actor: Actor,
  leaver: StaffRow,
  now: Date,
  handOver: string,
): Promise<string[]> {
  const held = await db.query<{
    id: string;
    case_manager_id: string;
    supervisor_id: string;
    program_manager_id: string | null;
  }>(
    `SELECT c.id, c.case_manager_id, c.supervisor_id, p.program_manager_id
       FROM cases c JOIN programs p ON p.id = c.program_id
      WHERE c.status <> 'closed'
        AND (EXISTS (SELECT 1 FROM case_tasks t WHERE t.case_id = c.id AND t.assignee_id = $1 AND t.status = 'open')
             OR EXISTS (SELECT 1 FROM appointments a
                         WHERE a.case_id = c.id AND a.status = 'scheduled' AND a.starts_at > $2
                           AND $1 = ANY (a.attendee_ids))
             OR EXISTS (SELECT 1 FROM escalations e
                         WHERE e.case_id = c.id AND e.recipient_id = $1
                           AND e.acknowledged_at IS NULL AND e.resolved_at IS NULL))
      ORDER BY c.id FOR UPDATE OF c`,
    [leaver.id, now],
  );
  for (const c of held.rows) {
    const successor = new Map([
      [
        leaver.id,
        leaver.role === 'program_manager' && c.program_manager_id && c.program_manager_id !== leaver.id
          ? c.program_manager_id
          : c.case_manager_id,
      ],
    ]);
    const tasks = await moveOpenTasks(db, actor, c.id, successor, now);
    const appointments = await handAppointmentsOver(db, actor, c.id, successor, now);
    // An escalation is for someone who may acknowledge it: never the case manager, so the supervisor.
    const newManager = successor.get(leaver.id) === c.program_manager_id;
    const escalations = await handEscalationsOver(
      db,
      c.id,
      new Map([[leaver.id, newManager ? c.program_manager_id! : c.supervisor_id]]),
    );
    const event = await reassignedEvent(
      db,
      { caseManagerId: c.case_manager_id, supervisorId: c.supervisor_id, tasks, appointments, escalations },
      now,
    );
    await stageChange(db, c.id, { kind: 'event', event }, handOver);
  }
  return held.rows.map((c) => c.id);
}

/** Nobody is left reporting to someone who has gone: a leader's team needs a successor. */
async function refuseStrandedTeam(db: PoolClient, leaver: StaffRow): Promise<void> {
  const team = (
    await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staff WHERE supervisor_id = $1 AND active',
      [leaver.id],
    )
  ).rows[0]!.n;
  if (team)
    throw new ConflictError(
      `${leaver.full_name} leads ${team} team member(s); name who takes them over (supervisorId).`,
    );
}

/** The leaver's team members report to their successor, who must be able to supervise them. */
async function handTeamOver(db: PoolClient, actor: Actor, leaverId: string, successorId: string) {
  const successor = await staffById(db, successorId, 'body.supervisorId');
  if (!supervisesCases(successor.role)) {
    throw new UnprocessableError('supervisorId must name an active supervisor or program manager.', [
      { field: 'body.supervisorId', reason: 'not a supervisor or program manager' },
    ]);
  }
  const moved = await db.query<{ id: string }>(
    'UPDATE staff SET supervisor_id = $2, updated_at = now() WHERE supervisor_id = $1 AND id <> $2 RETURNING id',
    [leaverId, successorId],
  );
  for (const m of moved.rows) {
    await audit(db, actor, {
      action: 'update',
      entity: 'staff',
      entityId: m.id,
      detail: { change: 'supervisor', from: leaverId, to: successorId },
    });
  }
}

/** Programs the leaver manages go to the successor, and their running cases are told. */
async function handProgramsOver(
  db: PoolClient,
  actor: Actor,
  leaver: StaffRow,
  successorId: string | undefined,
  now: Date,
  fanOutId: string,
): Promise<string[]> {
  const told: string[] = [];
  const managed = await db.query<{ id: string }>(
    'SELECT id FROM programs WHERE program_manager_id = $1 ORDER BY id FOR UPDATE',
    [leaver.id],
  );
  if (!managed.rowCount) return told;
  if (!successorId) {
    throw new ConflictError(
      `${leaver.full_name} manages ${managed.rowCount} program(s); name who takes them over (programManagerId).`,
    );
  }
  if (successorId === leaver.id) {
    throw new UnprocessableError('Programs cannot be handed to the person leaving.', [
      { field: 'body.programManagerId', reason: 'same person' },
    ]);
  }
  await assertProgramManager(db, successorId, 'body.programManagerId');
  for (const p of managed.rows) {
    await db.query('UPDATE programs SET program_manager_id = $2, updated_at = now() WHERE id = $1', [
      p.id,
      successorId,
    ]);
    await audit(db, actor, {
      action: 'update',
      entity: 'program',
      entityId: p.id,
      detail: { change: 'program_manager', from: leaver.id, to: successorId },
    });
    told.push(...(await notifyProgramManagerChanged(db, p.id, successorId, now, fanOutId)));
  }
  return told;
}

/** What a staff member holds that someone must take over when they leave. */
export interface StaffHoldings {
  /** Open cases they carry as case manager. */
  carries: number;
  /** Open cases they supervise. */
  supervises: number;
  /** Active staff who report to them. */
  team: number;
  /** Programs they manage. */
  programs: number;
}

export async function staffHoldings(pool: Pool, id: string): Promise<StaffHoldings> {
  return (
    await pool.query<StaffHoldings>(
      `SELECT
         (SELECT count(*)::int FROM cases WHERE case_manager_id = $1 AND status <> 'closed') AS carries,
         (SELECT count(*)::int FROM cases WHERE supervisor_id = $1 AND status <> 'closed') AS supervises,
         (SELECT count(*)::int FROM staff WHERE supervisor_id = $1 AND active) AS team,
         (SELECT count(*)::int FROM programs WHERE program_manager_id = $1) AS programs`,
      [id],
    )
  ).rows[0]!;
}

/** Brings a deactivated staff member back. Their old tokens stay revoked: issue a new one. */
export async function reactivateStaff(pool: Pool, actor: Actor, id: string): Promise<Staff> {
  requireRole(actor, ['admin'], 'reactivate staff');
  return inTransaction(pool, async (db) => {
    const target = (await db.query<StaffRow>('SELECT * FROM staff WHERE id = $1 FOR NO KEY UPDATE', [id]))
      .rows[0];
    if (!target) throw new NotFoundError(`No staff member ${id}.`);
    if (target.active) throw new ConflictError('The staff member is already active.');
    const row = (
      await db.query<StaffRow>(
        'UPDATE staff SET active = true, updated_at = now() WHERE id = $1 RETURNING *',
        [id],
      )
    ).rows[0]!;
    await audit(db, actor, {
      action: 'update',
      entity: 'staff',
      entityId: id,
      detail: { change: 'reactivate' },
    });
    return toStaff(row);
  });
}

/** The longest an API token may live: a year and a day. */
const MAX_TOKEN_LIFETIME_MS = 366 * 86_400_000;

/**
 * Issues an API token for a program acting as the staff member; it expires at `expiresAt` (at most
 * a year away) or in 90 days. Admins only.
 */
export async function createToken(
  pool: Pool,
  actor: Actor,
  staffId: string,
  label: string,
  expiresAt?: Date,
): Promise<{ id: string; token: string; expiresAt: string }> {
  requireRole(actor, ['admin'], 'issue API tokens');
  if (expiresAt) {
    const ahead = expiresAt.getTime() - Date.now();
    if (ahead <= 0 || ahead > MAX_TOKEN_LIFETIME_MS)
      throw new UnprocessableError('expiresAt must be in the future and at most a year away.', [
        { field: 'body.expiresAt', reason: ahead <= 0 ? 'in the past' : 'more than a year away' },
      ]);
  }
  return inTransaction(pool, async (db) => {
    // Shared: a deactivation (which revokes every token) either comes first or sees this one.
    const staff = (
      await db.query<{ active: boolean }>('SELECT active FROM staff WHERE id = $1 FOR SHARE', [staffId])
    ).rows[0];
    if (!staff) throw new NotFoundError(`No staff member ${staffId}.`);
    if (!staff.active) throw new ConflictError('Deactivated staff cannot be given tokens.');
    const token = await issueToken(db, staffId, label, expiresAt);
    const row = (
      await db.query<{ id: string; expires_at: Date }>(
        'SELECT id, expires_at FROM api_tokens WHERE token_hash = $1',
        [hashToken(token)],
      )
    ).rows[0]!;
    await audit(db, actor, {
      action: 'create',
      entity: 'api_token',
      entityId: staffId,
      detail: { tokenId: row.id, lifetimeDays: expiresAt ? undefined : DEFAULT_TOKEN_LIFETIME_DAYS },
    });
    return { id: row.id, token, expiresAt: row.expires_at.toISOString() };
  });
}

// ---- programs ----

export interface Program {
  id: string;
  name: string;
  programManagerId: string | null;
  timeZone: string;
  holidays: string[];
  extraDomains: string[];
  forbidAssessmentOnHold: boolean;
  active: boolean;
  policyVersion: number;
  policy: ProgramPolicy;
}

interface ProgramRow {
  id: string;
  name: string;
  program_manager_id: string | null;
  time_zone: string;
  holidays: string[];
  extra_domains: string[];
  forbid_assessment_on_hold: boolean;
  active: boolean;
  version: number;
  policy: ProgramPolicy;
}

const PROGRAM_SELECT = `SELECT p.id, p.name, p.program_manager_id, p.time_zone, p.extra_domains, p.forbid_assessment_on_hold, p.active,
  array(SELECT to_char(h, 'YYYY-MM-DD') FROM unnest(p.holidays) h ORDER BY h) AS holidays, pp.version, pp.policy
  FROM programs p JOIN LATERAL (SELECT version, policy FROM program_policies WHERE program_id = p.id ORDER BY version DESC LIMIT 1) pp ON true`;

const toProgram = (r: ProgramRow): Program => ({
  id: r.id,
  name: r.name,
  programManagerId: r.program_manager_id,
  timeZone: r.time_zone,
  holidays: r.holidays,
  extraDomains: r.extra_domains,
  forbidAssessmentOnHold: r.forbid_assessment_on_hold,
  active: r.active,
  policyVersion: r.version,
  policy: r.policy,
});

export interface ProgramInput {
  name: string;
  programManagerId?: string | null;
  timeZone: string;
  holidays: string[];
  extraDomains: string[];
  forbidAssessmentOnHold: boolean;
  policy: ProgramPolicy;
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

/** The common case's message; a race past it is caught by the unique constraint (see api/pg-errors). */
async function requireFreeProgramName(db: Queryable, name: string, exceptId?: string): Promise<void> {
  const taken = await db.query('SELECT 1 FROM programs WHERE name = $1 AND id IS DISTINCT FROM $2', [
    name,
    exceptId ?? null,
  ]);
  if (taken.rowCount)
    throw new ConflictError(`A program named ${name} already exists.`, [
      { field: 'body.name', reason: 'already in use' },
    ]);
}

export async function createProgram(pool: Pool, actor: Actor, input: ProgramInput): Promise<Program> {
  requireRole(actor, ['admin'], 'create programs');
  requireSensiblePolicy(input.policy, 'body.policy');
  return inTransaction(pool, async (db) => {
    await requireFreeProgramName(db, input.name);
    if (input.programManagerId)
      await assertProgramManager(db, input.programManagerId, 'body.programManagerId');
    const id = (
      await db.query<{ id: string }>(
        `INSERT INTO programs (name, program_manager_id, time_zone, holidays, extra_domains, forbid_assessment_on_hold)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          input.name,
          input.programManagerId ?? null,
          input.timeZone,
          input.holidays,
          input.extraDomains,
          input.forbidAssessmentOnHold,
        ],
      )
    ).rows[0]!.id;
    await db.query(
      'INSERT INTO program_policies (program_id, version, policy, created_by) VALUES ($1, 1, $2, $3)',
      [id, input.policy, actor.id],
    );
    await audit(db, actor, { action: 'create', entity: 'program', entityId: id });
    return toProgram((await db.query<ProgramRow>(`${PROGRAM_SELECT} WHERE p.id = $1`, [id])).rows[0]!);
  });
}

export async function getProgram(pool: Pool, id: string): Promise<Program> {
  const row = (await pool.query<ProgramRow>(`${PROGRAM_SELECT} WHERE p.id = $1`, [id])).rows[0];
  if (!row) throw new NotFoundError(`No program ${id}.`);
  return toProgram(row);
}

export async function listPrograms(pool: Pool): Promise<Program[]> {
  return (await pool.query<ProgramRow>(`${PROGRAM_SELECT} ORDER BY p.name`)).rows.map(toProgram);
}

/** Open (not closed) cases of a program: they carry on when the program is deactivated. */
export async function openCasesOfProgram(pool: Pool, id: string): Promise<number> {
  return (
    await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM cases WHERE program_id = $1 AND status <> 'closed'",
      [id],
    )
  ).rows[0]!.n;
}

function requireProgramOwner(actor: Actor, program: Program): void {
  if (!canManageProgram(actor, program.programManagerId))
    throw new ForbiddenError('Only an admin or the program’s manager may change the program.');
}

export async function updateProgram(
  deps: { pool: Pool; workflows: CaseWorkflows; clock?: () => Date },
  actor: Actor,
  id: string,
  patch: Partial<Omit<ProgramInput, 'policy'>> & { active?: boolean },
): Promise<Program & { delivery: FanOutDelivery }> {
  const { pool } = deps;
  const current = await getProgram(pool, id);
  requireProgramOwner(actor, current);
  if ((patch.programManagerId !== undefined || patch.active !== undefined) && !isAdmin(actor)) {
    throw new ForbiddenError('Only an admin may change a program’s manager or deactivate it.');
  }
  if (patch.name !== undefined) await requireFreeProgramName(pool, patch.name, id);
  const next = { ...current, ...patch };
  const managerChanged =
    patch.programManagerId !== undefined && patch.programManagerId !== current.programManagerId;
  const fanOutId = randomUUID();
  const told = await inTransaction(
    pool,
    async (db) => {
      // Exclusive: intakes and policy changes for this program wait, so each sees this change whole.
      await db.query('SELECT 1 FROM programs WHERE id = $1 FOR UPDATE', [id]);
      if (managerChanged && patch.programManagerId)
        await assertProgramManager(db, patch.programManagerId, 'body.programManagerId');
      await db.query(
        `UPDATE programs SET name = $2, program_manager_id = $3, time_zone = $4, holidays = $5, extra_domains = $6, active = $7,
              forbid_assessment_on_hold = $8, updated_at = now() WHERE id = $1`,
        [
          id,
          next.name,
          next.programManagerId,
          next.timeZone,
          next.holidays,
          next.extraDomains,
          next.active,
          next.forbidAssessmentOnHold,
        ],
      );
      await auditUpdate(db, actor, 'program', id, patch);
      const cases: string[] = [];
      if (managerChanged)
        cases.push(
          ...(await notifyProgramManagerChanged(
            db,
            id,
            next.programManagerId,
            deps.clock?.() ?? new Date(),
            fanOutId,
          )),
        );
      if (patch.timeZone !== undefined || patch.holidays !== undefined) {
        // Running cases re-derive their due dates on the new calendar, under the policy they already have.
        const policy = (await latestPolicy(db, id))!;
        cases.push(
          ...(await stageForProgram(
            db,
            id,
            {
              kind: 'policy',
              change: {
                policy: policy.policy,
                version: policy.version,
                changeId: randomUUID(),
                calendar: await programCalendar(db, id),
              },
            },
            fanOutId,
          )),
        );
      }
      return cases;
    },
    MANY_CASES,
  );
  const delivery = await deliverFanOut(deps, {
    fanOutId,
    what: `Program ${id} changed (${Object.keys(patch).join(', ')})`,
    caseIds: told,
  });
  return { ...(await getProgram(pool, id)), delivery };
}

/**
 * A policy change is a new version. New cases start on it; every open case gets it through the
 * case change log, staged in the same transaction (so no case can run a version that does not
 * exist), and its workflow recomputes the due times of obligations still open.
 */
export async function changePolicy(
  deps: { pool: Pool; workflows: CaseWorkflows; clock?: () => Date },
  actor: Actor,
  id: string,
  policy: ProgramPolicy,
  /** Why, in the author's words: kept with the version for its history. */
  reason?: string,
): Promise<Program & { delivery: FanOutDelivery }> {
  const current = await getProgram(deps.pool, id);
  requireProgramOwner(actor, current);
  requireSensiblePolicy(policy, 'body');
  const fanOutId = randomUUID();
  let version = 0;
  const told = await inTransaction(
    deps.pool,
    async (db) => {
      // Exclusive: an intake of this program either committed before (and is told) or starts on this version.
      await db.query('SELECT 1 FROM programs WHERE id = $1 FOR UPDATE', [id]);
      version = (await latestPolicy(db, id))!.version + 1;
      await db.query(
        'INSERT INTO program_policies (program_id, version, policy, created_by, reason) VALUES ($1, $2, $3, $4, $5)',
        [id, version, policy, actor.id, reason?.trim() || null],
      );
      await audit(db, actor, {
        action: 'update',
        entity: 'program_policy',
        entityId: id,
        detail: { version },
      });
      return stageForProgram(
        db,
        id,
        {
          kind: 'policy',
          change: { policy, version, changeId: randomUUID(), calendar: await programCalendar(db, id) },
        },
        fanOutId,
      );
    },
    MANY_CASES,
  );
  const delivery = await deliverFanOut(deps, {
    fanOutId,
    what: `Policy version ${version} of program ${id}`,
    caseIds: told,
  });
  return { ...(await getProgram(deps.pool, id)), delivery };
}

export interface PolicyVersion {
  version: number;
  policy: ProgramPolicy;
  createdAt: string;
  createdBy: { id: string; fullName: string } | null;
  reason: string | null;
}

/** Every policy version of the program, newest first: who made it, when and why (its manager and admins). */
export async function listPolicyVersions(
  pool: Pool,
  actor: Actor,
  programId: string,
): Promise<PolicyVersion[]> {
  const program = await getProgram(pool, programId);
  requireProgramOwner(actor, program);
  const rows = await pool.query<{
    version: number;
    policy: ProgramPolicy;
    created_at: Date;
    created_by: string | null;
    full_name: string | null;
    reason: string | null;
  }>(
    `SELECT pp.version, pp.policy, pp.created_at, pp.created_by, s.full_name, pp.reason
       FROM program_policies pp LEFT JOIN staff s ON s.id = pp.created_by
      WHERE pp.program_id = $1 ORDER BY pp.version DESC`,
    [programId],
  );
  return rows.rows.map((r) => ({
    version: r.version,
    policy: r.policy,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by ? { id: r.created_by, fullName: r.full_name ?? '' } : null,
    reason: r.reason,
  }));
}

// ---- providers ----

export interface Provider {
  id: string;
  organisation: string;
  services: string[];
  contactEmail: string;
  languages: string[];
  eligibilityNotes: string;
  active: boolean;
}

interface ProviderRow {
  id: string;
  organisation: string;
  services: string[];
  contact_email: string;
  languages: string[];
  eligibility_notes: string;
  active: boolean;
}

const toProvider = (r: ProviderRow): Provider => ({
  id: r.id,
  organisation: r.organisation,
  services: r.services,
  contactEmail: r.contact_email,
  languages: r.languages,
  eligibilityNotes: r.eligibility_notes,
  active: r.active,
});

export type ProviderInput = Omit<Provider, 'id' | 'active'>;

const PROVIDER_EDITORS: Role[] = ['admin', 'program_manager', 'supervisor'];

export async function createProvider(pool: Pool, actor: Actor, input: ProviderInput): Promise<Provider> {
  requireRole(actor, PROVIDER_EDITORS, 'edit the provider directory');
  return inTransaction(pool, async (db) => {
    const row = (
      await db.query<ProviderRow>(
        `INSERT INTO providers (organisation, services, contact_email, languages, eligibility_notes) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [input.organisation, input.services, input.contactEmail, input.languages, input.eligibilityNotes],
      )
    ).rows[0]!;
    await audit(db, actor, { action: 'create', entity: 'provider', entityId: row.id });
    return toProvider(row);
  });
}

export async function getProvider(pool: Pool, id: string): Promise<Provider> {
  const row = (await pool.query<ProviderRow>('SELECT * FROM providers WHERE id = $1', [id])).rows[0];
  if (!row) throw new NotFoundError(`No provider ${id}.`);
  return toProvider(row);
}

export async function listProviders(
  pool: Pool,
  filter: { service?: string; language?: string; active?: boolean },
): Promise<Provider[]> {
  const rows = await pool.query<ProviderRow>(
    `SELECT * FROM providers WHERE ($1::text IS NULL OR $1 = ANY(services)) AND ($2::text IS NULL OR $2 = ANY(languages))
       AND ($3::boolean IS NULL OR active = $3) ORDER BY organisation, id`,
    [filter.service ?? null, filter.language ?? null, filter.active ?? null],
  );
  return rows.rows.map(toProvider);
}

export async function updateProvider(
  pool: Pool,
  actor: Actor,
  id: string,
  patch: Partial<ProviderInput> & { active?: boolean },
): Promise<Provider> {
  requireRole(actor, PROVIDER_EDITORS, 'edit the provider directory');
  return inTransaction(pool, async (db) => {
    const current = (await db.query<ProviderRow>('SELECT * FROM providers WHERE id = $1 FOR UPDATE', [id]))
      .rows[0];
    if (!current) throw new NotFoundError(`No provider ${id}.`);
    const next = { ...toProvider(current), ...patch };
    const row = (
      await db.query<ProviderRow>(
        `UPDATE providers SET organisation = $2, services = $3, contact_email = $4, languages = $5, eligibility_notes = $6, active = $7,
                updated_at = now() WHERE id = $1 RETURNING *`,
        [
          id,
          next.organisation,
          next.services,
          next.contactEmail,
          next.languages,
          next.eligibilityNotes,
          next.active,
        ],
      )
    ).rows[0]!;
    await auditUpdate(db, actor, 'provider', id, patch);
    return toProvider(row);
  });
}
