import { Router } from 'express';
import type { Pool } from 'pg';

export interface ReadinessProbe {
  name: string;
  check: () => Promise<void>;
}

/** /healthz: the process is up. /readyz: PostgreSQL and Temporal answer. */
export function healthRoutes(probes: ReadinessProbe[]): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    void Promise.all(
      probes.map(async (p) => {
        try {
          await withTimeout(p.check(), 3_000);
          return [p.name, 'ok'] as const;
        } catch (err) {
          return [p.name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    ).then((results) => {
      const checks = Object.fromEntries(results);
      const ready = results.every(([, s]) => s === 'ok');
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
    });
  });
  return router;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export const postgresProbe = (pool: Pool): ReadinessProbe => ({
  name: 'postgres',
  check: async () => {
    await pool.query('SELECT 1');
  },
});
