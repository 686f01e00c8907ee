import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { authenticate } from '../../domain/auth';
import type { Actor } from '../../domain/actor';

/** Resolves the bearer token to the staff member the request acts for. */
export function requireStaff(pool: Pool): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    authenticate(pool, match?.[1])
      .then((staff) => {
        const actor: Actor = {
          ...staff,
          sourceIp: req.ip,
          requestId: res.locals.requestId as string | undefined,
        };
        res.locals.actor = actor;
        next();
      })
      .catch(next);
  };
}
