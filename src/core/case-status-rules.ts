import type { CaseEvent, CaseStatus } from './case-contract';

/**
 * Which changes a case's status allows, defined once. The API applies these rules to the record,
 * which decides (src/domain/case-changes.ts), so its refusals are the ones people see; the case
 * workflow's validator applies them again as a second line, to whatever reaches it another way.
 * Pure: workflow code imports it. `theCase` is how a message names the case.
 */

/** A closed case takes no change. */
export function closedRefusal(status: CaseStatus, theCase = 'The case'): string | undefined {
  return status === 'closed' ? `${theCase} is closed.` : undefined;
}

/** Why a case in this status cannot take this change, or undefined when it can. */
export function statusRefusal(
  status: CaseStatus,
  change: CaseEvent['type'],
  theCase = 'The case',
): string | undefined {
  switch (change) {
    case 'hold':
      return (
        closedRefusal(status, theCase) ??
        (status === 'on_hold' ? `${theCase} is already on hold.` : undefined)
      );
    case 'resume':
      return status !== 'on_hold' ? `${theCase} is not on hold.` : undefined;
    case 'closure_requested':
      return (
        closedRefusal(status, theCase) ??
        (status === 'closing' ? 'Closure has already been requested.' : undefined)
      );
    case 'closure_decided':
      return status !== 'closing' ? 'No closure request is waiting for a decision.' : undefined;
    default:
      return undefined;
  }
}
