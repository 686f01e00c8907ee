import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import type { Actor } from '../domain/actor';
import { MethodNotAllowedError } from '../core/errors';
import { KEY_PATTERN, withIdempotency } from './idempotency';
import type { RouteResult } from './route-result';
import { parseInput } from './validate';

/**
 * One definition per endpoint: its zod schemas validate the request and also generate the
 * OpenAPI document, so the two can never disagree.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  req: Pick<Request, 'headers'>;
}

export type { RouteResult } from './route-result';

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  path: string;
  /** Stable name for generated clients, e.g. `listCases`. */
  operationId: string;
  summary: string;
  /** Who may call it, what it changes, and the rules JSON Schema cannot express. */
  description: string;
  tag: string;
  /** Standard problem statuses this operation can never answer (e.g. 403 for `GET /me`). */
  neverAnswers?: number[];
  /** Problems beyond the standard ones this operation answers, e.g. 422 for a read's cursor. */
  alsoAnswers?: Record<number, string>;
  /**
   * The operation changes a case through its change log: when the case's workflow cannot confirm
   * the change within a few seconds it is still recorded, and the answer is 202 with `pending: true`.
   */
  changesCase?: true;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType; mediaType?: string }>;
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<RouteResult>;
}

const pendingSchema = z
  .object({ pending: z.literal(true) })
  .passthrough()
  .meta({
    id: 'PendingChange',
    description:
      "The change is recorded and on its way to the case's workflow (Temporal or the worker is unavailable); " +
      'it is retried until it arrives. The rest of the body is what the 200/201 answer would carry, without `schedule`.',
  });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Problems any operation can answer. */
const standardProblems: Record<number, string> = {
  400: 'Malformed or invalid input (the `errors` list names each field); nothing changed',
  401: 'Missing, invalid, expired or revoked bearer token, or its staff member deactivated',
  403: 'Your role does not allow this',
  404: 'No such record (or not visible to you)',
  503: 'A dependency (PostgreSQL or Temporal) is unavailable; nothing changed. Retry after `Retry-After` seconds',
};

/** Problems only writes can answer; creating POSTs add the Idempotency-Key cases. */
const writeProblems: Record<number, string> = {
  409: "The record's current state does not allow this (e.g. deciding a plan twice); nothing changed",
  413: 'The body exceeds 100 kB; nothing changed',
  422: 'Well formed, but it cannot apply (e.g. a referral to an inactive provider); nothing changed',
};
const postProblems: Record<number, string> = {
  409: `${writeProblems[409]}. Also: a request with this Idempotency-Key is still in progress; retry shortly`,
  422: `${writeProblems[422]}. Also: this Idempotency-Key was already used for a different request (another method, path or body)`,
};

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } },
};
const replayed = {
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string' as const, enum: ['true'] },
  },
};

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export class ApiRouter {
  readonly router = Router();
  readonly registry = new OpenAPIRegistry();
  /** Every registered path (as a matcher) with its methods, to answer 405 rather than 404. */
  private readonly known: Array<{ path: string; matcher: RegExp; methods: Set<string> }> = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Resolves when every handler running now has finished (each is bounded; see case-changes). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** With a pool, creating POSTs honour the Idempotency-Key header. */
  constructor(private readonly pool?: Pool) {
    this.registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  }

  add<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): void {
    const openApiPath = spec.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<
      string,
      {
        description: string;
        headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;
        content?: Record<string, { schema: z.ZodType }>;
      }
    > = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { [r.mediaType ?? 'application/json']: { schema: r.schema } } } : {}),
      };
    }
    if (spec.changesCase) {
      responses['202'] = {
        description:
          "Recorded, and on its way to the case's workflow: `GET /cases/{caseId}` shows `pendingChanges` until it arrives",
        content: { 'application/json': { schema: pendingSchema } },
      };
    }
    const isWrite = spec.method !== 'get';
    const problems: Record<number, string> = {
      ...standardProblems,
      ...(isWrite ? writeProblems : {}),
      ...(spec.method === 'post' ? postProblems : {}),
      ...spec.alsoAnswers,
    };
    for (const [status, description] of Object.entries(problems)) {
      if (spec.neverAnswers?.includes(Number(status))) continue;
      responses[status] ??= {
        description,
        ...(status === '503' ? { headers: retryAfter } : {}),
        content: { 'application/problem+json': { schema: problemSchema } },
      };
    }
    const idempotencyHeader =
      spec.method === 'post'
        ? {
            headers: z.object({
              'idempotency-key': z
                .string()
                .regex(KEY_PATTERN)
                .optional()
                .meta({
                  description:
                    'Retry-safe key (1-200 visible ASCII characters): a repeat with the same method, path and body ' +
                    'returns the first answer with `Idempotent-Replayed: true` and creates nothing; reuse with a ' +
                    'different request is 422, reuse while the first is still running is 409.',
                }),
            }),
          }
        : {};
    if (spec.method === 'post') {
      for (const [status, r] of Object.entries(responses)) {
        if (status.startsWith('2')) responses[status] = { ...r, headers: { ...r.headers, ...replayed } };
      }
    }
    this.registry.registerPath({
      method: spec.method,
      path: `/api/v1${openApiPath}`,
      operationId: spec.operationId,
      summary: spec.summary,
      description: spec.description,
      tags: [spec.tag],
      security: [{ bearer: [] }],
      request: {
        ...idempotencyHeader,
        ...(spec.params ? { params: spec.params as unknown as z.ZodObject } : {}),
        ...(spec.query ? { query: spec.query as unknown as z.ZodObject } : {}),
        ...(spec.body
          ? { body: { content: { 'application/json': { schema: spec.body } }, required: true } }
          : {}),
      },
      responses,
    });

    const handler: RequestHandler = (req, res, next) => {
      const run = async (): Promise<void> => {
        const params = spec.params ? parseInput('params', spec.params, req.params) : {};
        const query = spec.query ? parseInput('query', spec.query, req.query) : {};
        const body = spec.body ? parseInput('body', spec.body, req.body) : undefined;
        const actor = res.locals.actor as Actor;
        const execute = () =>
          spec.handler({ params, query, body, actor, req } as RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>);
        const key = req.header('idempotency-key');
        const result =
          spec.method === 'post' && key !== undefined && this.pool
            ? await withIdempotency(
                this.pool,
                actor,
                key,
                { method: 'POST', path: req.originalUrl, body },
                execute,
              )
            : await execute();
        if (
          spec.changesCase &&
          result.status < 300 &&
          (result.body as { pending?: unknown })?.pending === true
        )
          result.status = 202;
        for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
        if (result.body === undefined) res.status(result.status).end();
        else res.status(result.status).json(result.body);
      };
      const running = run().catch(next);
      // Tracked until settled, so shutdown can wait for handlers whose client has gone.
      this.inFlight.add(running);
      void running.finally(() => this.inFlight.delete(running));
    };
    this.router[spec.method](spec.path, handler);
    this.remember(spec.method, spec.path);
  }

  private remember(method: Method, path: string): void {
    // Route paths are literal segments and `:param`s; a param matches any one segment, as in Express.
    const source = `^${path.replace(/:\w+/g, '[^/]+')}/?$`;
    let entry = this.known.find((k) => k.path === path);
    if (!entry) {
      entry = { path, matcher: new RegExp(source, 'i'), methods: new Set() };
      this.known.push(entry);
    }
    entry.methods.add(method.toUpperCase());
  }

  /**
   * After the routes: a known path called with a method it lacks answers 405 with `Allow`
   * (HEAD is served wherever GET is); anything else falls through to the 404.
   */
  readonly methodNotAllowed: RequestHandler = (req, res, next) => {
    const entry = this.known.find((k) => k.matcher.test(req.path));
    if (!entry) {
      next();
      return;
    }
    const allowed = METHOD_ORDER.filter((m) => entry.methods.has(m));
    res.setHeader('Allow', allowed.join(', '));
    next(
      new MethodNotAllowedError(
        `${req.method} is not supported on ${req.path}; use ${allowed.join(' or ')}.`,
      ),
    );
  };

  document(info: {
    title: string;
    version: string;
    serverUrl: string;
    tags: Record<string, string>;
  }): unknown {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: info.title,
        version: info.version,
        description:
          'Caseloop case-management API. Every error is `application/problem+json` (RFC 9457). ' +
          'A method a known path does not support answers 405 with `Allow`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: info.serverUrl }],
      tags: Object.entries(info.tags).map(([name, description]) => ({ name, description })),
      security: [{ bearer: [] }],
    });
  }
}
