import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { authenticate } from '../../domain/auth';
import type { Actor } from '../../domain/actor';

/** The staff member a request acts for, with where it came from (for the audit log). */
export function actorFor(staff: Omit<Actor, 'sourceIp' | 'requestId'>, req: Request, res: Response): Actor {
  return { ...staff, sourceIp: req.ip, requestId: res.locals.requestId as string | undefined };
}

/** Resolves the bearer token to the staff member the request acts for. */
export function requireStaff(pool: Pool): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    authenticate(pool, match?.[1])
      .then((staff) => {
        res.locals.actor = actorFor(staff, req, res);
        next();
      })
      .catch(next);
  };
}
