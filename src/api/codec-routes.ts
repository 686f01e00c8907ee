import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { authenticate } from '../domain/auth';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../core/errors';
import { EncryptionCodec, type PayloadKey } from '../temporal/codec';
import { sessionOf, type SessionDeps } from './web/session';

/**
 * The codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show payloads
 * in the clear: POST /codec/decode and /codec/encode with `{ payloads: [...] }`, proto-JSON style
 * (base64 bytes). Admins only; from a browser only from Caseloop's own origin or the configured UI origin.
 */

const payloadJson = z.strictObject({
  metadata: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
});
const body = z.strictObject({ payloads: z.array(payloadJson).max(1000) });
type PayloadJson = z.infer<typeof payloadJson>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const codecNeedsCredential = (): UnauthenticatedError =>
  new UnauthenticatedError('The codec needs an admin token (Authorization: Bearer …) or session.');

export function codecRoutes(
  deps: SessionDeps & {
    payloadKeys: PayloadKey[];
    temporalUiOrigin?: string;
  },
): Router {
  const codec = new EncryptionCodec(deps.payloadKeys);
  const router = express.Router();

  // Browsers: the UI proxied under Caseloop's own origin (same-origin, the usual path), or a UI
  // served elsewhere at the configured origin (CORS with credentials). Any other origin is refused.
  router.use('/codec', (req, res, next) => {
    const origin = req.header('origin');
    const sameOrigin = origin === `${req.protocol}://${req.get('host') ?? ''}`;
    if (origin && !sameOrigin && origin !== deps.temporalUiOrigin)
      return next(new ForbiddenError('This origin may not use the codec.'));
    if (origin && !sameOrigin) {
      res.set({
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, x-namespace',
        vary: 'origin',
      });
    }
    if (req.method === 'OPTIONS') return res.status(204).end();
    next();
  });

  // Who is asking comes first: a stranger's (or a non-admin's) body is never read, let alone parsed.
  const adminOnly = async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
    // A missing or bad credential is a 401 that says what the codec needs; a database outage stays a 503.
    const staff = bearer
      ? await authenticate(deps.pool, bearer).catch((err: unknown) => {
          if (err instanceof UnauthenticatedError) throw codecNeedsCredential();
          throw err;
        })
      : await sessionOf(req, deps).then((session) => {
          if (!session) throw codecNeedsCredential();
          return { role: session.role };
        });
    if (staff.role !== 'admin') throw new ForbiddenError('Only admins may decode or encode payloads.');
    next();
  };

  const handle = (op: 'encode' | 'decode') => async (req: Request, res: Response) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success)
      throw new ValidationError(
        'The body must be { payloads: [{ metadata, data }] } with base64 values.',
        parsed.error.issues.map((i) => ({ field: `body.${i.path.join('.')}`, reason: i.message })),
      );
    const payloads = parsed.data.payloads.map(fromJson);
    const result = op === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    // Decoded payloads are client data: no browser or proxy may keep a copy.
    res.set('cache-control', 'no-store').json({ payloads: result.map(toJson) });
  };
  const json = express.json({ limit: '4mb' });
  router.post('/codec/decode', adminOnly, json, handle('decode'));
  router.post('/codec/encode', adminOnly, json, handle('encode'));
  return router;
}
