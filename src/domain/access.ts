import type { Actor, Role } from './actor';
import { ForbiddenError, UnprocessableError } from '../core/errors';

/**
 * Who may see which case: a case manager their own caseload, a supervisor their team's cases,
 * a program manager their program's, an admin everything.
 */
export interface CaseParties {
  case_manager_id: string;
  supervisor_id: string | null;
  program_manager_id: string | null;
}

/** Admins see and change everything. */
export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';

export function canAccessCase(actor: Actor, c: CaseParties): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'case_manager':
      return c.case_manager_id === actor.id;
    case 'supervisor':
      return c.supervisor_id === actor.id || c.case_manager_id === actor.id;
    case 'program_manager':
      return c.program_manager_id === actor.id;
  }
}

/** The same rule as SQL over `cases c` (any join), with the actor's id as parameter `$n`. */
export function visibleCasesSql(actor: Actor, n: number): string {
  switch (actor.role) {
    case 'admin':
      return `($${n}::uuid IS NOT NULL)`;
    case 'case_manager':
      return `(c.case_manager_id = $${n})`;
    case 'supervisor':
      return `(c.supervisor_id = $${n} OR c.case_manager_id = $${n})`;
    case 'program_manager':
      // By the case's own program (not the joined programs row), so the planner can read the
      // program's cases from their index instead of walking every case and keeping this program's.
      return `(c.program_id IN (SELECT id FROM programs WHERE program_manager_id = $${n}))`;
  }
}

/**
 * Where to read the actor's cases from, to stand for `cases` in a list that pages newest first
 * (parameter `$n` the actor's id). A supervisor's cases are their team's: read from the supervisor
 * and case-manager indexes (two arms, a case in both once), never found by walking every case
 * newest first, which the planner does when it assumes a team's cases are spread evenly over time
 * (at 100,000 cases, a team whose cases were the oldest read tens of thousands of rows a page).
 * Everyone else reads `cases`. visibleCasesSql still applies over it.
 */
export function visibleCasesSource(actor: Actor, n: number): string {
  if (actor.role !== 'supervisor') return 'cases';
  return `(SELECT * FROM cases WHERE supervisor_id = $${n}
           UNION ALL
           SELECT * FROM cases WHERE case_manager_id = $${n} AND supervisor_id IS DISTINCT FROM $${n})`;
}

/**
 * May this actor open a case for this case manager in this program? The case manager, the
 * supervisor of the case manager's own team (not whoever the request names as the case's
 * supervisor), the program's manager, an admin: the same rule as seeing a case.
 */
export function canOpenCaseFor(
  actor: Actor,
  caseManager: { id: string; supervisor_id: string | null },
  programManagerId: string | null,
): boolean {
  return canAccessCase(actor, {
    case_manager_id: caseManager.id,
    supervisor_id: caseManager.supervisor_id,
    program_manager_id: programManagerId,
  });
}

/**
 * Clients the actor may see, as SQL over `clients cl` with the actor's id as parameter `$n`: those
 * of the cases they may see, those nobody has a case for yet that they registered, or all (admins).
 */
export function visibleClientsSql(actor: Actor, n: number): string {
  if (isAdmin(actor)) return `($${n}::uuid IS NOT NULL)`;
  return `(
  EXISTS (SELECT 1 FROM cases c JOIN programs p ON p.id = c.program_id WHERE c.client_id = cl.id AND ${visibleCasesSql(actor, n)})
  OR (NOT EXISTS (SELECT 1 FROM cases c WHERE c.client_id = cl.id)
      AND EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'client' AND a.entity_id = cl.id::text AND a.action = 'create' AND a.actor_id = $${n})))`;
}

/**
 * May this actor approve plans and closures on the case? The supervisor, the program manager, an
 * admin; never the person who carries the case (older cases may still be carried by a supervisor).
 */
export function canApprove(actor: Actor, c: CaseParties): boolean {
  if (c.case_manager_id === actor.id) return false;
  return (
    isAdmin(actor) ||
    (actor.role === 'supervisor' && c.supervisor_id === actor.id) ||
    (actor.role === 'program_manager' && c.program_manager_id === actor.id)
  );
}

/** The same rule as SQL over `cases c JOIN programs p`, with the actor's id as parameter `$n`. */
export function approverSql(actor: Actor, n: number): string {
  const notCarrying = `c.case_manager_id <> $${n}`;
  switch (actor.role) {
    case 'admin':
      return `(${notCarrying})`;
    case 'supervisor':
      return `(${notCarrying} AND c.supervisor_id = $${n})`;
    case 'program_manager':
      return `(${notCarrying} AND p.program_manager_id = $${n})`;
    case 'case_manager':
      return `(FALSE AND $${n}::uuid IS NOT NULL)`;
  }
}

/**
 * May this actor acknowledge an escalation on a case they may see? Its recipient or anyone who may
 * approve on the case, never the person who carries the case (the escalation is about their work).
 */
export function canAcknowledgeEscalation(actor: Actor, c: CaseParties, recipientId: string): boolean {
  return c.case_manager_id !== actor.id && (recipientId === actor.id || canApprove(actor, c));
}

/** May this actor change the program's settings and policy? An admin or the program's own manager. */
export function canManageProgram(actor: Actor, programManagerId: string | null): boolean {
  return isAdmin(actor) || (actor.role === 'program_manager' && programManagerId === actor.id);
}

/** What staff may change about themselves; everything else about staff is for admins. */
const PERSONAL_STAFF_FIELDS: readonly string[] = ['timeZone', 'notificationPreference'];

/** May this actor change these fields of this staff member? */
export function canChangeStaff(actor: Actor, staffId: string, fields: string[]): boolean {
  return isAdmin(actor) || (actor.id === staffId && fields.every((f) => PERSONAL_STAFF_FIELDS.includes(f)));
}

/**
 * May this actor see and revoke this staff member's API tokens? An admin anyone's, everyone their
 * own (issuing tokens stays with admins).
 */
export function canManageTokensOf(actor: Actor, staffId: string): boolean {
  return isAdmin(actor) || actor.id === staffId;
}

export function requireRole(actor: Actor, roles: Role[], what: string): void {
  if (!roles.includes(actor.role)) throw new ForbiddenError(`Only ${roles.join(' or ')} may ${what}.`);
}

/** Roles that supervise case managers and their cases. */
export const supervisesCases = (role: string): boolean => role === 'supervisor' || role === 'program_manager';

/** The staff fields the supervision rule reads. */
export interface PartyRef {
  id: string;
  role: string;
  supervisor_id: string | null;
}

/**
 * Who may supervise a case, at intake, reassignment and hand-over alike. The case manager holds
 * the case-manager role. The supervisor is an active supervisor or program manager responsible
 * for that case manager: the case manager's own supervisor (staff.supervisor_id), or the manager
 * of the case's program. Never the case manager, never an admin, never another team's supervisor:
 * whoever supervises reads the client's record and answers its escalations.
 * Both are assumed active (staffById checks that); `fields` names what the request called them.
 */
export function assertCaseParties(
  caseManager: PartyRef,
  supervisor: PartyRef,
  programManagerId: string | null,
  fields: { caseManager: string; supervisor: string },
): void {
  if (caseManager.role !== 'case_manager') {
    throw new UnprocessableError('Only a case manager can carry cases.', [
      { field: fields.caseManager, reason: `is a ${caseManager.role.replace('_', ' ')}, not a case manager` },
    ]);
  }
  const problem = (reason: string) =>
    new UnprocessableError(`The supervisor named ${reason}.`, [{ field: fields.supervisor, reason }]);
  if (supervisor.id === caseManager.id) throw problem('is the case manager');
  if (!supervisesCases(supervisor.role)) throw problem('is not a supervisor or program manager');
  if (caseManager.supervisor_id !== supervisor.id && programManagerId !== supervisor.id)
    throw problem("neither supervises the case manager nor manages the case's program");
}
