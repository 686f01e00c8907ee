import { ConflictError, UnavailableError, ValidationError, type AppError } from '../core/errors';

/**
 * PostgreSQL errors that mean the request was bad, not the code: the backstop behind the
 * domain's own checks (which give the better message in the common case). Races on a unique
 * constraint land here, as do values PostgreSQL cannot store.
 */

/** Which request field each unique constraint guards: the one place that knows. */
const UNIQUE_FIELDS: Record<string, { field: string; what: string }> = {
  staff_email_key: { field: 'body.email', what: 'A staff member with this email already exists.' },
  programs_name_key: { field: 'body.name', what: 'A program with this name already exists.' },
  program_policies_pkey: {
    field: 'body',
    what: 'The policy was changed concurrently by another request; read the program again and retry.',
  },
};

interface PgError {
  code?: unknown;
  constraint?: unknown;
}

const isPgError = (err: unknown): err is PgError & Error =>
  err instanceof Error &&
  typeof (err as PgError).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((err as PgError).code as string);

export function problemFromDatabase(err: unknown): AppError | undefined {
  if (!isPgError(err)) return undefined;
  switch (err.code) {
    // A deadlock or serialization failure rolled the whole transaction back: nothing was changed.
    case '40P01':
    case '40001':
      return new UnavailableError(
        'The record was busy with another change; nothing was changed. Retry shortly.',
      );
    // lock_timeout: another transaction held the row past the API's bound; this one rolled back.
    case '55P03':
      return new UnavailableError(
        'The record is held by another change that has not finished; nothing was changed. Retry shortly.',
      );
    case '23505': {
      const known = UNIQUE_FIELDS[String(err.constraint)];
      if (known) return new ConflictError(known.what, [{ field: known.field, reason: 'already in use' }]);
      return new ConflictError('A record with these values already exists.', [
        { field: 'body', reason: 'already in use' },
      ]);
    }
    // invalid byte sequence (a NUL in text), NUL in jsonb text
    case '22021':
    case '22P05':
      return new ValidationError('A value contains a character that cannot be stored (such as U+0000).', [
        { field: 'body', reason: 'contains an unsupported character' },
      ]);
    // invalid text representation (not a UUID, ...), datetime or numeric out of range
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return new ValidationError('A value is not in a form or range this API accepts.', [
        { field: 'request', reason: 'invalid value' },
      ]);
    default:
      return undefined;
  }
}
