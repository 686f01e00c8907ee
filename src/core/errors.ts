/**
 * The one error hierarchy. Domain code throws these; the API's error middleware turns them
 * into RFC 9457 problem details. Anything else is a bug (500) or an outage (503).
 */

export interface FieldProblem {
  /** JSON-pointer-ish path such as `body.client.birthDate`. */
  field: string;
  reason: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  abstract readonly title: string;
  constructor(
    readonly detail: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly type = 'validation-error';
  readonly title = 'The request is not valid';
}

export class UnauthenticatedError extends AppError {
  readonly status = 401;
  readonly type = 'unauthenticated';
  readonly title = 'Authentication required';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly type = 'forbidden';
  readonly title = 'Not allowed';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly type = 'not-found';
  readonly title = 'Not found';
}

/** The path exists but not with this method; the API sets `Allow`. */
export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly type = 'method-not-allowed';
  readonly title = 'Method not allowed';
}

/** The request is well formed but the record's current state forbids it. */
export class ConflictError extends AppError {
  readonly status = 409;
  readonly type = 'state-conflict';
  readonly title = 'The record does not allow this now';
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly type = 'unprocessable';
  readonly title = 'The request cannot be applied';
}

/** A dependency (PostgreSQL, Temporal) is down; nothing was written. */
export class UnavailableError extends AppError {
  readonly status = 503;
  readonly type = 'service-unavailable';
  readonly title = 'A dependency is unavailable';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly type = 'payload-too-large';
  readonly title = 'The body is too large';
}
