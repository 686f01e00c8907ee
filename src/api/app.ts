import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createCaseFactsReader } from '../temporal/case-facts';
import { createCaseWorkflows } from '../temporal/case-workflows';
import type { Logger } from '../shared/logger';
import type { PayloadKey } from '../temporal/codec';
import type { SingleSignOn } from '../domain/single-sign-on';
import { createApiMetrics } from '../shared/metrics';
import { codecRoutes } from './codec-routes';
import { requireStaff } from './middleware/auth';
import { notFoundRoute, problemMiddleware } from './middleware/problem';
import { ApiRouter } from './route';
import { registerCaseRoutes } from './routes/cases';
import { registerCaseReadRoutes } from './routes/case-reads';
import { registerEpisodeRoutes } from './routes/episodes';
import { registerDirectoryRoutes } from './routes/directory';
import { registerAdminRoutes } from './routes/admin';
import { registerPeopleRoutes } from './routes/people';
import { registerWorkRoutes } from './routes/work';
import { registerTaskRoutes } from './routes/tasks';
import { registerAppointmentRoutes } from './routes/appointments';
import { registerFhirRoutes } from './routes/fhir';
import { healthRoutes, postgresProbe } from './routes/health';
import { webRoutes } from './web/routes';
import { assetRoutes } from './web/assets';
import { securityHeaders } from './web/security-headers';
import { temporalUiProxy } from './web/temporal-ui-proxy';
import type { AccountMail } from '../domain/account-links';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../domain/web-sessions';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  publicBaseUrl: string;
  /** Verifies the acknowledgement links the worker signs. */
  linkSigningKey: string;
  /** Serve the codec endpoint for the Temporal UI with these keys. */
  payloadKeys: PayloadKey[];
  /** The Temporal UI's origin (CORS for the codec endpoint). */
  temporalUiOrigin?: string | undefined;
  /** A Temporal UI (public path /temporal) to serve at /temporal to signed-in admins. */
  temporalUiUrl?: string | undefined;
  /**
   * Proxies whose X-Forwarded-* headers are believed (Express's `trust proxy`: addresses, CIDRs,
   * loopback/linklocal/uniquelocal, or a hop count). Unset: none, so a client cannot forge its address.
   */
  trustProxy?: false | number | string[] | undefined;
  /** Defaults to the system clock; tests pass the time-skipping server's. */
  clock?: () => Date;
  /** New cases spread reminders held by quiet hours over this many minutes (unset: none). */
  releaseSpreadMinutes?: number | undefined;
  /** How long signed-in browser sessions last; defaults to 30 minutes idle, 12 hours in all. */
  sessions?: SessionPolicy | undefined;
  /** Sends invitation and password-reset emails (unset: asking for one answers 503). */
  accountMail?: AccountMail | undefined;
  /** Single sign-on with the agency's OpenID provider (unset: passwords only). */
  sso?: SingleSignOn | undefined;
}

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use((req, res, next) => {
    res.locals.requestId = requestIdOf(req.header('x-request-id'));
    next();
  });

  // The Temporal UI (its own inline scripts) and Swagger UI keep their own pages' rules.
  const headers = securityHeaders({ https: deps.publicBaseUrl.startsWith('https://') });
  app.use((req, res, next) =>
    req.path.startsWith('/temporal') || req.path.startsWith('/docs') ? next() : headers(req, res, next),
  );
  app.use(assetRoutes());

  const metrics = createApiMetrics(deps.pool);
  app.use(metrics.middleware);
  // Prometheus scrape target: no client data in it; restrict it at the network edge like /healthz.
  app.get('/metrics', metrics.endpoint);

  app.use(
    healthRoutes([
      postgresProbe(deps.pool),
      {
        name: 'temporal',
        check: async () => {
          await deps.temporal.workflowService.getSystemInfo({});
        },
      },
    ]),
  );

  const api = new ApiRouter(deps.pool);
  const domainDeps = {
    pool: deps.pool,
    workflows: createCaseWorkflows(deps.temporal, deps.taskQueue, {
      ...(deps.releaseSpreadMinutes === undefined ? {} : { releaseSpreadMinutes: deps.releaseSpreadMinutes }),
    }),
    ...(deps.clock ? { clock: deps.clock } : {}),
  };
  // Who is signed in to the pages (and the codec, and the Temporal UI behind it).
  const sessionDeps = {
    pool: deps.pool,
    publicBaseUrl: deps.publicBaseUrl,
    sessions: deps.sessions ?? DEFAULT_SESSION_POLICY,
    clock: deps.clock,
  };
  registerCaseRoutes(api, domainDeps);
  registerCaseReadRoutes(api, domainDeps);
  registerPeopleRoutes(api, domainDeps);
  registerWorkRoutes(api, domainDeps);
  registerDirectoryRoutes(api, { ...domainDeps, accountMail: deps.accountMail });
  registerAdminRoutes(api, { ...domainDeps, facts: createCaseFactsReader(deps.temporal) });
  registerEpisodeRoutes(api, domainDeps);
  registerTaskRoutes(api, domainDeps);
  registerAppointmentRoutes(api, domainDeps);
  registerFhirRoutes(api, domainDeps);

  const openapi = api.document({
    title: 'Caseloop API',
    version: '1',
    serverUrl: deps.publicBaseUrl,
    tags: {
      cases: 'Intake, the case record, its schedule and lifecycle actions',
      plans: 'Service plans, their approval and progress on goals',
      referrals: 'Referrals to providers and what became of them',
      notes: 'Append-only case notes',
      clients: 'The people cases are about',
      escalations: 'Escalations sent to you and their acknowledgement',
      staff: 'Staff members, their tokens, and who is signed in',
      programs: 'Programs and their policies',
      providers: 'The provider directory',
      admin: "Operators' tools: reconciling case records with their workflows",
      tasks: 'Tasks added to a case, reminded to their assignee until done or cancelled',
      appointments: 'Appointments with the client: calendar invitations, reminders and attendance',
    },
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docsPage());
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('js').send("window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });");
  });
  app.use('/docs/assets', express.static(SWAGGER_UI_DIR, { index: false }));

  app.use(
    codecRoutes({
      ...sessionDeps,
      payloadKeys: deps.payloadKeys,
      ...(deps.temporalUiOrigin ? { temporalUiOrigin: deps.temporalUiOrigin } : {}),
    }),
  );
  if (deps.temporalUiUrl)
    app.use(
      temporalUiProxy({
        ...sessionDeps,
        upstream: deps.temporalUiUrl,
        logger: deps.logger,
      }),
    );
  // Authenticate before parsing: a stranger's body is never read.
  app.use(
    '/api/v1',
    // Answers carry client data: no browser or proxy may keep a copy.
    (_req, res, next) => {
      res.set('cache-control', 'no-store');
      next();
    },
    requireStaff(deps.pool),
    express.json({ limit: '100kb', strict: true }),
    api.router,
    api.methodNotAllowed,
  );
  // The staff pages email links land on (sign-in, my escalations, case summary, acknowledgement).
  app.use(
    webRoutes({
      ...domainDeps,
      ...sessionDeps,
      linkSigningKey: deps.linkSigningKey,
      logger: deps.logger,
      accountMail: deps.accountMail,
      sso: deps.sso,
    }),
  );
  app.use(notFoundRoute);
  app.use(problemMiddleware(deps.logger));
  // startApi's close waits on it: handlers still running when the last connection has gone.
  app.locals.drain = () => api.drain();
  return app;
}

/** A caller's request id goes into the audit log only if it is short and plain; otherwise a fresh one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
function requestIdOf(given: string | undefined): string {
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Swagger UI served from the installed package: no CDN, works offline. */
function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Caseloop API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;
}
