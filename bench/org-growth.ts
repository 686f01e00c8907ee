import pg from 'pg';
import { createPool } from '../src/db/pool';
import { listCases } from '../src/domain/case-queries';
import { programReport } from '../src/domain/program-report';
import { teamOverviewPage } from '../src/domain/team';
import { cleanupAll } from './lib/cleanup';
import { seedOversightRecords } from './oversight-seed';
import { startBenchPostgres } from './stack/postgres';

/**
 * How one program manager's reads (the team view's first page, the 90-day report and the case
 * list's first page, each the domain query its page runs) and its first supervisor's (case list
 * and team view) change as the organisation grows around
 * a program of constant size: one program of 1,000 open and 200 closed cases with a year of records
 * (bench/oversight-seed.ts), timed; then PROBE_PROGRAMS - 1 more programs like it, timed again.
 * PROBE_EXPLAIN=1 prints each query's plain time and plan (PROBE_FULL=1 the whole plan).
 *
 *   PROBE_PROGRAMS=100 npx tsx bench/org-growth.ts
 */
async function main() {
  const pgs = await startBenchPostgres();
  const url = await pgs.freshDatabase('probe');
  const pool = createPool(url, 20);
  const first = await seedOversightRecords(pool, {
    openCases: 1000,
    closedCases: 200,
    casesPerCaseManager: 50,
    label: 'p1',
  });
  const vac = async () => {
    const o = new pg.Client(pgs.ownerUrlOf('probe'));
    await o.connect();
    await o.query('VACUUM ANALYZE');
    await o.end();
  };
  const now = new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const pm = {
    id: first.programManager.id,
    email: first.programManager.email,
    role: 'program_manager' as const,
  };
  const time = async (label: string, f: () => Promise<unknown>) => {
    await f();
    const ms: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await f();
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    console.log(label, 'p50', ms[50]!.toFixed(1), 'p99', ms[98]!.toFixed(1));
  };
  const report = () =>
    programReport(
      pool,
      pm,
      first.programId,
      { from: day(new Date(now.getTime() - 90 * 86400000)), to: day(now) },
      now,
    );
  const teamPage = () => teamOverviewPage(pool, pm, now, { number: 1 });
  const caseList = () => listCases(pool, pm, { limit: 25 });
  const supervisor = { ...first.supervisors[0]!, role: 'supervisor' as const };
  const supervisorList = () => listCases(pool, supervisor, { limit: 25 });
  const supervisorTeam = () => teamOverviewPage(pool, supervisor, now, { number: 1 });
  const measure = async (tag: string) => {
    await vac();
    await time(`${tag} pm team`, teamPage);
    await time(`${tag} report`, report);
    await time(`${tag} pm case list`, caseList);
    await time(`${tag} supervisor case list`, supervisorList);
    await time(`${tag} supervisor team`, supervisorTeam);
  };
  await measure('1 program');
  const more = Number(process.env.PROBE_PROGRAMS ?? 20);
  for (let i = 2; i <= more; i++)
    await seedOversightRecords(pool, {
      openCases: 1000,
      closedCases: 200,
      casesPerCaseManager: 50,
      label: `p${i}`,
    });
  await measure(`${more} programs`);
  if (process.env.PROBE_EXPLAIN) {
    await explainAll(pool, report);
    await explainAll(pool, teamPage);
    await explainAll(pool, caseList);
    await explainAll(pool, supervisorList);
    await explainAll(pool, supervisorTeam);
  }
  if (process.env.PROBE_HOLD) await new Promise((r) => setTimeout(r, Number(process.env.PROBE_HOLD)));
  await pool.end();
}
main()
  .finally(() => cleanupAll())
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
export async function explainAll(pool: import('pg').Pool, f: () => Promise<unknown>) {
  const orig = pool.query.bind(pool) as any;
  const seen: [string, unknown[]][] = [];
  (pool as any).query = (text: any, params?: any) => {
    if (typeof text === 'string') seen.push([text, params ?? []]);
    return orig(text, params);
  };
  await f();
  (pool as any).query = orig;
  for (const [text, params] of seen) {
    if (!/^\s*(WITH|SELECT)/i.test(text)) continue;
    const ms: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await orig(text, params);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    console.log('plain p50', ms[15]!.toFixed(2), 'max', ms[29]!.toFixed(2));
    const r = await orig('EXPLAIN (ANALYZE, BUFFERS) ' + text, params);
    const lines = r.rows.map((x: any) => x['QUERY PLAN']);
    console.log('=== ' + text.replace(/\s+/g, ' ').slice(0, 100));
    console.log(
      (process.env.PROBE_FULL
        ? lines
        : lines.filter((l: string) => /Execution Time|Seq Scan|rows=\d{4,}/.test(l))
      )
        .slice(0, process.env.PROBE_FULL ? undefined : 80)
        .join('\n'),
    );
  }
}
