import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import type { Actor } from '../domain/actor';
import { withIdempotency } from './idempotency';
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

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<RouteResult>;
}

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

const standardProblems = {
  400: 'Malformed or invalid input; nothing changed',
  401: 'Missing, invalid or deactivated bearer token',
  403: 'Your role does not allow this',
  404: 'No such record (or not visible to you)',
  503: 'A dependency is unavailable; nothing changed',
};

export class ApiRouter {
  readonly router = Router();
  readonly registry = new OpenAPIRegistry();

  /** With a pool, creating POSTs honour the Idempotency-Key header. */
  constructor(private readonly pool?: Pool) {
    this.registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  }

  add<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): void {
    const openApiPath = spec.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<
      string,
      { description: string; content?: Record<string, { schema: z.ZodType }> }
    > = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { 'application/json': { schema: r.schema } } } : {}),
      };
    }
    for (const [status, description] of Object.entries(standardProblems)) {
      responses[status] ??= {
        description,
        content: { 'application/problem+json': { schema: problemSchema } },
      };
    }
    const idempotencyHeader =
      spec.method === 'post'
        ? {
            headers: z.object({
              'idempotency-key': z
                .string()
                .max(200)
                .optional()
                .meta({ description: 'Retry-safe key: a repeat returns the first result' }),
            }),
          }
        : {};
    this.registry.registerPath({
      method: spec.method,
      path: `/api/v1${openApiPath}`,
      summary: spec.summary,
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
        for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
        if (result.body === undefined) res.status(result.status).end();
        else res.status(result.status).json(result.body);
      };
      run().catch(next);
    };
    this.router[spec.method](spec.path, handler);
  }

  document(info: { title: string; version: string; serverUrl: string }): unknown {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: { title: info.title, version: info.version, description: 'Caseloop case-management API' },
      servers: [{ url: info.serverUrl }],
    });
  }
}
