import { UnprocessableError } from '../core/errors';

/** A staff member a request names (a case manager, a supervisor), as far as naming them is checked. */
export interface StaffRef {
  id: string;
  role: string;
  active: boolean;
  supervisor_id: string | null;
}

/** The named staff member, refused (422, naming the field) when there is none or they are deactivated. */
export function activeStaff<T extends StaffRef>(row: T | undefined | null, field: string): T {
  if (!row)
    throw new UnprocessableError(`${field} does not name a staff member.`, [{ field, reason: 'not found' }]);
  if (!row.active)
    throw new UnprocessableError(`${field} names a deactivated staff member.`, [
      { field, reason: 'deactivated' },
    ]);
  return row;
}
