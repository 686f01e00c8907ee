import { CommitOutcomeUnknown } from '../../db/tx';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  ValidationError,
} from '../../core/errors';
import { problemFromDatabase } from '../pg-errors';
import type { Logger } from '../../shared/logger';

const PROBLEM_BASE = 'https://caseloop.dev/problems/';

/** Errors that mean a dependency is down rather than that the code is wrong. */
export function isOutage(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string };
  if (!e) return false;
  if (
    e.code &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P03', '53300'].includes(e.code)
  )
    return true;
  if (e.name === 'ServiceError' || e.name === 'ConnectionError') return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|UNAVAILABLE|DEADLINE_EXCEEDED/i.test(
    e.message ?? '',
  );
}

/** Body-parser failures are client errors: say what was wrong with the body. */
function fromParserError(err: { type?: string; status?: number; message?: string }): AppError | undefined {
  if (err.type === 'entity.parse.failed')
    return new ValidationError('The body is not valid JSON.', [{ field: 'body', reason: 'malformed JSON' }]);
  if (err.type === 'entity.too.large') {
    return new PayloadTooLargeError('The body exceeds the size limit.', [
      { field: 'body', reason: 'too large' },
    ]);
  }
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new ValidationError('The body encoding is not supported.', [
      { field: 'body', reason: err.message ?? 'unsupported encoding' },
    ]);
  }
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    return new ValidationError(err.message ?? 'Bad request.', [
      { field: 'body', reason: err.message ?? 'bad request' },
    ]);
  }
  return undefined;
}

export function problemMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let problem: AppError | undefined =
      err instanceof AppError
        ? err
        : (fromParserError(err as { type?: string; status?: number }) ?? problemFromDatabase(err));
    if (!problem && err instanceof CommitOutcomeUnknown) {
      logger.warn({ err: err.message, path: req.path }, 'commit outcome unknown');
      problem = new UnavailableError(
        'The database connection was lost while saving, and whether the change was saved could not be checked. Retry with the same Idempotency-Key (safe), or look the record up before repeating it.',
      );
    }
    if (!problem && isOutage(err)) {
      // The gRPC status behind a Temporal ServiceError says whether it really was an outage.
      const cause = (err as { cause?: { code?: unknown; details?: unknown } }).cause;
      logger.warn(
        {
          err: (err as Error).message,
          cause: cause && { code: cause.code, details: cause.details },
          path: req.path,
        },
        'dependency unavailable',
      );
      problem = new UnavailableError('A dependency is unavailable; nothing was changed. Try again shortly.');
      res.setHeader('Retry-After', '5');
    }
    if (!problem) {
      logger.error({ err, path: req.path, method: req.method }, 'unhandled error');
      res
        .status(500)
        .type('application/problem+json')
        .json({
          type: `${PROBLEM_BASE}internal`,
          title: 'Internal error',
          status: 500,
          detail: 'Something went wrong on our side; nothing was changed.',
          instance: req.originalUrl,
        });
      return;
    }
    if (problem.status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: `${PROBLEM_BASE}${problem.type}`,
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        instance: req.originalUrl,
        ...(problem.fields.length ? { errors: problem.fields } : {}),
      });
  };
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}.`));
};
