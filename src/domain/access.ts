import type { Actor, Role } from './actor';
import { ForbiddenError, UnprocessableError } from '../core/errors';

/**
 * Who may see which case: a case manager their own caseload, a supervisor their team's cases,
 * a program manager their program's, an admin everything.
 */
export interface CaseParties {
  case_manager_id: string;
  supervisor_id: string;
  program_manager_id: string | null;
}

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

/** The same rule as SQL over `cases c JOIN programs p`, with the actor's id as parameter `$n`. */
export function visibleCasesSql(actor: Actor, n: number): string {
  switch (actor.role) {
    case 'admin':
      return `($${n}::uuid IS NOT NULL)`;
    case 'case_manager':
      return `(c.case_manager_id = $${n})`;
    case 'supervisor':
      return `(c.supervisor_id = $${n} OR c.case_manager_id = $${n})`;
    case 'program_manager':
      return `(p.program_manager_id = $${n})`;
  }
}

/**
 * May this actor approve plans and closures on the case? The supervisor, the program manager, an
 * admin; never the person who carries the case (older cases may still be carried by a supervisor).
 */
export function canApprove(actor: Actor, c: CaseParties): boolean {
  if (c.case_manager_id === actor.id) return false;
  return (
    actor.role === 'admin' ||
    (actor.role === 'supervisor' && c.supervisor_id === actor.id) ||
    (actor.role === 'program_manager' && c.program_manager_id === actor.id)
  );
}

export function requireRole(actor: Actor, roles: Role[], what: string): void {
  if (!roles.includes(actor.role)) throw new ForbiddenError(`Only ${roles.join(' or ')} may ${what}.`);
}

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
  if (supervisor.role !== 'supervisor' && supervisor.role !== 'program_manager')
    throw problem('is not a supervisor or program manager');
  if (caseManager.supervisor_id !== supervisor.id && programManagerId !== supervisor.id)
    throw problem("neither supervises the case manager nor manages the case's program");
}
