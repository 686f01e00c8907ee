import pg from 'pg';
import { createPool } from '../src/db/pool';
import { programReport } from '../src/domain/program-report';
import { cleanupAll } from './lib/cleanup';
import { seedOversightRecords } from './oversight-seed';
import { startBenchPostgres } from './stack/postgres';

/**
 * Where the program report's time goes: over the oversight phase's data (one program of PROBE_OPEN
 * open cases, a fifth as many closed, a year of records), the whole report for 90 and 365 days
 * (median of 11, its statements side by side as the page runs them), then each statement alone
 * (median of 5). PROBE_EXPLAIN=1 prints the plans of the goal and referral figures.
 *
 *   npx tsx bench/report-statements.ts
 */
async function main() {
  const pgs = await startBenchPostgres();
  const url = await pgs.freshDatabase('report_statements');
  const pool = createPool(url, 20);
  const open = Number(process.env.PROBE_OPEN ?? 100000);
  const team = await seedOversightRecords(pool, {
    openCases: open,
    closedCases: open / 5,
    casesPerCaseManager: 50,
  });
  const o = new pg.Client(pgs.ownerUrlOf('report_statements'));
  await o.connect();
  await o.query('VACUUM ANALYZE');
  await o.end();
  const pm = {
    id: team.programManager.id,
    email: team.programManager.email,
    role: 'program_manager' as const,
  };
  const now = new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const range = (days: number) => ({ from: day(new Date(now.getTime() - days * 86400000)), to: day(now) });
  const whole = async (days: number) => {
    const ms: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      await programReport(pool, pm, team.programId, range(days), now);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    console.log(`whole ${days}d median`, ms[5]!.toFixed(0), 'max', ms[10]!.toFixed(0));
  };
  await whole(90);
  await whole(365);
  const orig = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  // The plans first, while the pool is still itself; then the timing wrapper.
  if (process.env.PROBE_EXPLAIN) {
    const seen = new Set<string>();
    (pool as unknown as { query: unknown }).query = async (...args: unknown[]) => {
      const q = args[0] as string | { text: string; values?: unknown[] };
      const text = typeof q === 'string' ? q : q.text;
      const values = (typeof q === 'string' ? args[1] : q.values) as unknown[] | undefined;
      if (/goal_outcome_facts|referral_facts/.test(text) && !seen.has(text)) {
        seen.add(text);
        const plan = (await orig(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values)) as {
          rows: { 'QUERY PLAN': string }[];
        };
        console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
      return orig(...args);
    };
    await programReport(pool, pm, team.programId, range(365), now);
    (pool as unknown as { query: unknown }).query = orig;
  }
  // One statement at a time, each timed alone.
  const times = new Map<string, number[]>();
  let chain: Promise<unknown> = Promise.resolve();
  (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
    const label = text.replace(/\s+/g, ' ').slice(0, 90);
    const run = chain.then(async () => {
      const t = performance.now();
      const r = await orig(...args);
      const list = times.get(label) ?? [];
      list.push(performance.now() - t);
      times.set(label, list);
      return r;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  for (const days of [90, 365]) {
    times.clear();
    for (let i = 0; i < 5; i++) await programReport(pool, pm, team.programId, range(days), now);
    console.log(`--- ${days} days, statements alone (median of 5)`);
    for (const [label, list] of times) {
      list.sort((a, b) => a - b);
      console.log(list[Math.floor(list.length / 2)]!.toFixed(0).padStart(6), label);
    }
  }
  await pool.end();
  await cleanupAll();
}
main().catch(async (e) => {
  console.error(e);
  await cleanupAll();
  process.exit(1);
});
