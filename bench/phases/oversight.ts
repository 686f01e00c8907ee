import pg, { type Pool } from 'pg';
import type { Actor } from '../../src/domain/actor';
import { createPool } from '../../src/db/pool';
import { approvalQueue } from '../../src/domain/approvals';
import { programReport } from '../../src/domain/program-report';
import { teamOverviewPage } from '../../src/domain/team';
import { onCleanup } from '../lib/cleanup';
import { say } from '../lib/progress';
import { round, summarize, type Summary } from '../lib/stats';
import { seedOversightRecords } from '../oversight-seed';
import type { BenchPostgres } from '../stack/postgres';

export interface OversightResult {
  openCases: number;
  closedCases: number;
  seedSeconds: number;
  runs: number;
  /** A supervisor's team view (ten case managers): the aggregate behind /team. */
  supervisorTeam: Summary;
  /** The program manager's team view: every case manager of the program. */
  programManagerTeam: Summary;
  /** The supervisor's approvals queue. */
  approvals: Summary;
  /** The program report over the last 90 days and the last year. */
  report90Days: Summary;
  report365Days: Summary;
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

async function timeRuns(runs: number, work: () => Promise<unknown>): Promise<Summary> {
  await work(); // warm the plan cache and the buffers once, as a running server would be
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await work();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const s = summarize(ms);
  return { ...s, p50: round(s.p50), p99: round(s.p99), max: round(s.max), mean: round(s.mean) };
}

/**
 * Oversight at scale: the team view, the approvals queue and the program report over 100,000 open
 * cases (plus closed history), each the domain query its page runs, timed in-process one after
 * another so the figures are the database's answer time, not HTTP or rendering.
 */
export async function runOversight(
  cfg: { openCases: number; closedCases: number; casesPerCaseManager: number; runs: number },
  ctx: { pg: BenchPostgres },
): Promise<OversightResult> {
  const databaseUrl = await ctx.pg.freshDatabase('bench_oversight');
  // The API's own pool size (DATABASE_POOL_MAX's default): the report's figures run side by side.
  const pool: Pool = createPool(databaseUrl, 20);
  onCleanup('oversight pool', () => pool.end());
  const seeding = Date.now();
  say(`seeding ${cfg.openCases} open and ${cfg.closedCases} closed cases in SQL...`);
  const team = await seedOversightRecords(pool, cfg);
  // As autovacuum leaves a settled database: statistics, and the visibility map index-only scans read
  // (only the owner may vacuum).
  const owner = new pg.Client(ctx.pg.ownerUrlOf('bench_oversight'));
  await owner.connect();
  try {
    await owner.query('VACUUM ANALYZE');
  } finally {
    await owner.end();
  }
  const seedSeconds = round((Date.now() - seeding) / 1000, 1);
  say(`seeded in ${seedSeconds} s`);
  const actor = (p: { id: string; email: string }, role: Actor['role']): Actor => ({
    id: p.id,
    email: p.email,
    role,
  });
  const supervisor = actor(team.supervisors[0]!, 'supervisor');
  const programManager = actor(team.programManager, 'program_manager');
  const now = new Date();
  const ago = (days: number): string => day(new Date(now.getTime() - days * 86_400_000));
  const result: OversightResult = {
    openCases: cfg.openCases,
    closedCases: cfg.closedCases,
    seedSeconds,
    runs: cfg.runs,
    supervisorTeam: await timeRuns(cfg.runs, () => teamOverviewPage(pool, supervisor, now, { number: 1 })),
    programManagerTeam: await timeRuns(cfg.runs, () =>
      teamOverviewPage(pool, programManager, now, { number: 1 }),
    ),
    approvals: await timeRuns(cfg.runs, () => approvalQueue(pool, supervisor, now)),
    report90Days: await timeRuns(cfg.runs, () =>
      programReport(pool, programManager, team.programId, { from: ago(90), to: day(now) }, now),
    ),
    report365Days: await timeRuns(cfg.runs, () =>
      programReport(pool, programManager, team.programId, { from: ago(365), to: day(now) }, now),
    ),
  };
  return result;
}
