import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for the API process: request rates and latencies by route, and Caseloop's
 * own totals read from the notification log and escalations at scrape time, so they count what the
 * workers did however many there are and however often they restarted. Labels are routes, kinds
 * and statuses, never ids or client details.
 */
export function createApiMetrics(pool: Pool) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'caseloop_api_' });

  const requests = new Counter({
    name: 'caseloop_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'caseloop_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  new Gauge({
    name: 'caseloop_notifications',
    help: 'Notifications in the log by kind (obligation:step, digest...) and status (sent, failed, queued_for_digest, pending)',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await pool.query<{ kind: string; status: string; n: string }>(
        'SELECT kind, status, count(*) AS n FROM notifications GROUP BY kind, status',
      );
      for (const r of rows.rows) this.set({ kind: r.kind, status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'caseloop_escalations',
    help: 'Escalations raised, by level and whether acknowledged',
    labelNames: ['level', 'acknowledged'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await pool.query<{ level: number; acknowledged: boolean; n: string }>(
        'SELECT level, acknowledged_at IS NOT NULL AS acknowledged, count(*) AS n FROM escalations GROUP BY 1, 2',
      );
      for (const r of rows.rows)
        this.set({ level: String(r.level), acknowledged: String(r.acknowledged) }, Number(r.n));
    },
  });

  /** Times every request; the route is the matched pattern (`/api/v1/cases/:caseId`), not the URL. */
  const middleware: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
      end({ method: req.method, route });
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  const endpoint: RequestHandler = (_req, res, next) => {
    registry
      .metrics()
      .then((text) => res.type(registry.contentType).send(text))
      .catch(next);
  };

  return { registry, middleware, endpoint };
}
