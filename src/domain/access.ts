import type { Actor, Role } from './actor';
import { ForbiddenError } from './errors';

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

/** May this actor approve plans and closures on the case? The supervisor, the program manager, an admin. */
export function canApprove(actor: Actor, c: CaseParties): boolean {
  return (
    actor.role === 'admin' ||
    (actor.role === 'supervisor' && c.supervisor_id === actor.id) ||
    (actor.role === 'program_manager' && c.program_manager_id === actor.id)
  );
}

export function requireRole(actor: Actor, roles: Role[], what: string): void {
  if (!roles.includes(actor.role)) throw new ForbiddenError(`Only ${roles.join(' or ')} may ${what}.`);
}
