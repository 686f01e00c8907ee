import v8 from 'node:v8';
import type { Client } from '@temporalio/client';
import { Client as PgClient, type Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { DEFAULT_POLICY } from '../../src/core/policy';
import type { Actor } from '../../src/domain/actor';
import { programReport } from '../../src/domain/program-report';
import { teamOverviewPage } from '../../src/domain/team';
import { onCleanup } from '../lib/cleanup';
import { forEachLimited, timed } from '../lib/concurrency';
import { callApi } from '../lib/http';
import { progress, say } from '../lib/progress';
import { round, summarize, type Summary } from '../lib/stats';
import type { BenchConfig } from '../config';
import {
  seedCaseRows,
  seedTeam,
  settleWindow,
  startWorkflows,
  tokenFor,
  waitForProjections,
  workflowInput,
  type BenchTeam,
  type Person,
} from '../seed';
import type { CaseWorkflowInput } from '../../src/core/case-contract';
import type { BenchPostgres } from '../stack/postgres';
import { startDeployment, type Deployment } from '../stack/services';
import { countProjected } from '../seed';

/**
 * The organisation the phase grows: programs of `casesPerProgram` cases each (a program manager, an
 * admin, supervisors of ten case managers), filled in order, so a level of N cases has N /
 * casesPerProgram programs. The first program is the one whose manager and supervisor are measured:
 * its size is the same at every level, the rest of the organisation grows around it.
 */
interface Organisation {
  programs: BenchTeam[];
  casesPerProgram: number;
  programIds: string[];
  /** Every case manager, program by program, in the order cases are given to them. */
  caseManagers: Person[];
}

async function seedOrganisation(
  pool: Pool,
  cfg: BenchConfig['scale'],
  largest: number,
): Promise<Organisation> {
  const managersPerProgram = Math.ceil(cfg.casesPerProgram / cfg.casesPerCaseManager);
  const casesPerProgram = managersPerProgram * cfg.casesPerCaseManager;
  const programs: BenchTeam[] = [];
  for (let i = 1; i <= Math.ceil(largest / casesPerProgram); i++)
    programs.push(
      await seedTeam(pool, { label: `scale-${i}`, policy: DEFAULT_POLICY, caseManagers: managersPerProgram }),
    );
  return {
    programs,
    casesPerProgram,
    programIds: programs.map((p) => p.programId),
    caseManagers: programs.flatMap((p) => p.caseManagers),
  };
}

/** Every read the scale target names, each timed at every level. */
export const SCALE_READS = [
  'caseloadList',
  'supervisorList',
  'programList',
  'adminList',
  'caseDetail',
  'supervisorTeam',
  'programManagerTeam',
  'programReport90Days',
] as const;
export type ScaleRead = (typeof SCALE_READS)[number];

export const SCALE_READ_LABELS: Record<ScaleRead, string> = {
  caseloadList: 'caseload list (API)',
  supervisorList: 'supervisor list (API)',
  programList: 'program manager list (API)',
  adminList: 'admin list (API)',
  caseDetail: 'case detail (API)',
  supervisorTeam: 'supervisor team view',
  programManagerTeam: 'program manager team view',
  programReport90Days: 'program report, 90 days',
};

export interface ScaleLevel {
  openCases: number;
  /** Programs carrying cases at this level (the measured one is the first, always full). */
  programs: number;
  seed: {
    rowsSeconds: number;
    startsSeconds: number;
    settleSeconds: number;
    startsPerSecond: number;
    /** Cases whose workflow wrote its first projection, per second from the first start to the last. */
    settledPerSecond: number;
    /** Worker processes on the task queue while seeding. */
    workers: number;
    /** Starts the dev server refused for overload and tried again. */
    startRetries: number;
  };
  /**
   * p99 and friends of each read: the lists and case detail through the API child (first page,
   * `BENCH_SCALE_REQUESTS` requests, `BENCH_SCALE_CONCURRENCY` in flight); the team views and the
   * report are the domain query their page runs, in process, one call after another.
   */
  reads: Record<ScaleRead, Summary>;
  /** Case details answered without a schedule (the workflow could not be asked and nothing recorded). */
  detailFallbacks: number;
  errors: number;
  workerRssMiB: number;
  workerPeakRssMiB: number;
  databaseMiB: number;
}

export interface ScaleResult {
  casesPerCaseManager: number;
  /** Cases per program: the organisation grows by programs of this size. */
  casesPerProgram: number;
  requestsPerMeasure: number;
  concurrency: number;
  /** The worker's cache setting: WORKER_MAX_CACHED_WORKFLOWS when given, else the SDK's default. */
  workerCacheNote: string;
  /** Short form for the table: the number of cached workflows, or 'SDK default ~N'. */
  workerCache: string;
  levels: ScaleLevel[];
  /** Last level's p99 over the first's, per read (with two or more levels). */
  p99Growth?: Record<ScaleRead, number>;
  workerRssGrowth?: number;
  /** The level whose seeding failed, and why: the levels before it are kept and compared. */
  stopped?: { openCases: number; error: string };
}

const SEED_CHUNK = 10_000;

/**
 * Scale: the API and a real worker process over 1,000 → 10,000 → 100,000 open cases. Every case
 * manager carries the same caseload at every level, as a growing organisation would.
 */
export async function runScale(
  cfg: BenchConfig['scale'],
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; smtpUrl: string },
): Promise<ScaleResult> {
  const databaseUrl = await ctx.pg.freshDatabase('bench_scale');
  const pool = createPool(databaseUrl, 10);
  onCleanup('scale pool', () => pool.end());
  const largest = cfg.levels[cfg.levels.length - 1]!;
  const org = await seedOrganisation(pool, cfg, largest);
  const team = org.programs[0]!;
  const deployment = await startDeployment({
    name: 'scale',
    databaseUrl,
    temporalAddress: ctx.temporalAddress,
    smtpUrl: ctx.smtpUrl,
    client: ctx.client,
    withApi: true,
    ...(cfg.workerMaxCachedWorkflows === undefined
      ? {}
      : { workerEnv: { WORKER_MAX_CACHED_WORKFLOWS: String(cfg.workerMaxCachedWorkflows) } }),
  });
  const adminToken = await tokenFor(pool, team.admin);
  const tokens = new Map<string, string>();

  const levels: ScaleLevel[] = [];
  let stopped: ScaleResult['stopped'];
  let open = 0;
  for (const level of cfg.levels) {
    say(`scale: growing to ${level} open cases`);
    let seed: ScaleLevel['seed'];
    try {
      seed = await grow(pool, ctx, deployment, org, cfg, open, level);
    } catch (err) {
      stopped = { openCases: level, error: err instanceof Error ? err.message : String(err) };
      say(`scale ${level}: seeding failed (${stopped.error}); keeping the levels before it`);
      break;
    }
    open = level;
    // A sample of case managers who carry cases at this level, each with a token.
    const carrying = org.caseManagers.slice(0, Math.ceil(level / cfg.casesPerCaseManager));
    const sample = Array.from({ length: 20 }, () => carrying[Math.floor(Math.random() * carrying.length)]!);
    for (const cm of sample) if (!tokens.has(cm.id)) tokens.set(cm.id, await tokenFor(pool, cm));
    const cases = (
      await pool.query<{ id: string; case_manager_id: string }>(
        'SELECT id, case_manager_id FROM cases WHERE case_manager_id = ANY($1::uuid[])',
        [sample.map((s) => s.id)],
      )
    ).rows;
    // The first program's first supervisor: their cases are the oldest at every level, the case a
    // list that walks every case newest first handles worst (a random team made the figure a lottery).
    const supervisor = team.supervisors[0]!;
    for (const p of [supervisor, team.programManager])
      if (!tokens.has(p.id)) tokens.set(p.id, await tokenFor(pool, p));
    const measured = await measure(deployment.api!.url, cfg, sample, cases, tokens, adminToken, {
      supervisor,
      programManager: team.programManager,
    });
    const views = await measureViews(pool, cfg, team, supervisor);
    const reads = { ...measured.reads, ...views };
    const memory = deployment.worker.memory();
    const size = (await pool.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes'))
      .rows[0]!;
    levels.push({
      openCases: level,
      programs: Math.ceil(level / org.casesPerProgram),
      seed,
      reads,
      detailFallbacks: measured.detailFallbacks,
      errors: measured.errors,
      workerRssMiB: round(memory?.rssMiB ?? NaN, 1),
      workerPeakRssMiB: round(memory?.peakRssMiB ?? NaN, 1),
      databaseMiB: round(Number(size.bytes) / 1024 ** 2, 1),
    });
    say(
      `scale ${level}: ${SCALE_READS.map((r) => `${r} p99 ${reads[r].p99.toFixed(1)} ms`).join(', ')}, worker RSS ${memory?.rssMiB.toFixed(0)} MiB`,
    );
  }
  await deployment.stop();

  if (!levels.length) throw new Error(`no level was seeded: ${stopped?.error ?? 'no levels asked for'}`);
  const first = levels[0]!;
  const last = levels[levels.length - 1]!;
  const growth = (a: number, b: number): number | undefined =>
    levels.length > 1 ? round(b / a, 2) : undefined;
  const heapMiB = v8.getHeapStatistics().heap_size_limit / 1024 ** 2;
  const sdkDefault = Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
  const p99Growth =
    levels.length > 1
      ? (Object.fromEntries(
          SCALE_READS.map((r) => [r, round(last.reads[r].p99 / first.reads[r].p99, 2)]),
        ) as Record<ScaleRead, number>)
      : undefined;
  const workerRssGrowth = growth(first.workerRssMiB, last.workerRssMiB);
  return {
    casesPerCaseManager: cfg.casesPerCaseManager,
    casesPerProgram: org.casesPerProgram,
    requestsPerMeasure: cfg.requests,
    concurrency: cfg.concurrency,
    workerCacheNote:
      cfg.workerMaxCachedWorkflows === undefined
        ? `no WORKER_MAX_CACHED_WORKFLOWS given, so the SDK default applies: about ${sdkDefault} ` +
          `workflows for a ${Math.round(heapMiB)} MiB heap limit on this machine`
        : `WORKER_MAX_CACHED_WORKFLOWS=${cfg.workerMaxCachedWorkflows}`,
    workerCache: String(cfg.workerMaxCachedWorkflows ?? `SDK default ~${sdkDefault}`),
    levels,
    ...(p99Growth === undefined ? {} : { p99Growth }),
    ...(workerRssGrowth === undefined ? {} : { workerRssGrowth }),
    ...(stopped ? { stopped } : {}),
  };
}

/**
 * Adds cases up to `level`: rows in SQL, then workflow starts, then waits for every workflow's first
 * task (the "find the case record" projection) to land. `BENCH_SEED_WORKERS` extra worker processes
 * (the real worker.ts, same task queue) help while seeding and stop before anything is measured.
 */
async function grow(
  pool: Pool,
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; smtpUrl: string },
  deployment: Deployment,
  org: Organisation,
  cfg: BenchConfig['scale'],
  from: number,
  level: number,
): Promise<ScaleLevel['seed']> {
  const openedAt = new Date();
  const added = level - from;
  const rowsTimed = await timed(async () => {
    const inputs: CaseWorkflowInput[] = [];
    // Case k (counting from the organisation's first) belongs to program k / casesPerProgram.
    for (let k = from; k < level;) {
      const team = org.programs[Math.floor(k / org.casesPerProgram)]!;
      const inProgram = k % org.casesPerProgram;
      const n = Math.min(SEED_CHUNK, level - k, org.casesPerProgram - inProgram);
      const managers = team.caseManagers.slice(
        Math.floor(inProgram / cfg.casesPerCaseManager),
        Math.ceil((inProgram + n) / cfg.casesPerCaseManager),
      );
      for (const row of await seedCaseRows(pool, team, n, openedAt, managers))
        inputs.push(workflowInput(team, row, openedAt));
      k += n;
    }
    return inputs;
  });
  const helpers: Deployment[] = [];
  for (let i = 1; i <= seedHelpers(cfg, added); i++)
    helpers.push(
      await startDeployment({
        name: `scale-seed-${i}`,
        databaseUrl: deployment.databaseUrl,
        temporalAddress: ctx.temporalAddress,
        smtpUrl: ctx.smtpUrl,
        client: ctx.client,
        withApi: false,
        taskQueue: deployment.taskQueue,
        ...(cfg.workerMaxCachedWorkflows === undefined
          ? {}
          : { workerEnv: { WORKER_MAX_CACHED_WORKFLOWS: String(cfg.workerMaxCachedWorkflows) } }),
      }),
    );
  const bar = progress(`  starting ${added} workflows`, added);
  // At most seedWindow cases waiting for their first task: unbounded, 90,000 starts ahead of the
  // worker jammed the dev server's SQLite ("context deadline exceeded") and starts were refused.
  const window = settleWindow(pool, org.programIds, from, cfg.seedWindow);
  const retries = { count: 0 };
  const starts = await timed(() =>
    startWorkflows(ctx.client, deployment.taskQueue, rowsTimed.result, cfg.startConcurrency, bar, {
      gate: window.gate,
      retries,
    }),
  ).finally(() => window.stop());
  bar.done();
  const settledDuringStarts = (await countProjected(pool, org.programIds)) - from;
  const settleBar = progress('  worker catching up', level);
  const settle = await timed(() => waitForProjections(pool, org.programIds, level, settleBar, 3 * 3_600_000));
  settleBar.done();
  for (const h of helpers) await h.stop();
  // As autovacuum leaves a settled database: fresh statistics for the planner (only the owner may).
  await analyze(ctx.pg);
  const seed = {
    rowsSeconds: round(rowsTimed.ms / 1000, 1),
    startsSeconds: round(starts.ms / 1000, 1),
    settleSeconds: round(settle.ms / 1000, 1),
    startsPerSecond: round(added / (starts.ms / 1000), 1),
    settledPerSecond: round(added / ((starts.ms + settle.ms) / 1000), 1),
    workers: 1 + helpers.length,
    startRetries: retries.count,
  };
  say(
    `scale ${level}: seeded ${added} rows in ${seed.rowsSeconds} s, started in ${seed.startsSeconds} s (${seed.startsPerSecond}/s, ${settledDuringStarts} settled meanwhile), all settled after ${seed.settleSeconds} s more (${seed.settledPerSecond}/s overall, ${seed.workers} worker processes)`,
  );
  return seed;
}

/**
 * Extra seeding workers only where the level adds several cache-fuls of cases: below that the
 * measured worker must see every new case itself, or its cache is not full when its memory is read
 * (at 1,000 cases split over two workers, each holds half a cache and the growth looks like the
 * caseload's).
 */
function seedHelpers(cfg: BenchConfig['scale'], added: number): number {
  const cache = cfg.workerMaxCachedWorkflows;
  return cache !== undefined && added <= 4 * cache ? 0 : cfg.seedWorkers;
}

async function analyze(pg: BenchPostgres): Promise<void> {
  const owner = new PgClient(pg.ownerUrlOf('bench_scale'));
  await owner.connect();
  try {
    await owner.query('VACUUM ANALYZE');
  } finally {
    await owner.end();
  }
}

/** The team views and the report: the domain query each page runs, in process, one call at a time. */
async function measureViews(
  pool: Pool,
  cfg: BenchConfig['scale'],
  team: BenchTeam,
  supervisor: Person,
): Promise<Pick<ScaleLevel['reads'], 'supervisorTeam' | 'programManagerTeam' | 'programReport90Days'>> {
  const actor = (p: Person, role: Actor['role']): Actor => ({ id: p.id, email: p.email, role });
  const now = new Date();
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  // One call after another, after one warm-up: the database's answer time, as the oversight phase takes it.
  const runs = { warmUp: 1, count: cfg.viewRuns, concurrency: 1 };
  const pm = actor(team.programManager, 'program_manager');
  return interleavedSeries('team views and report', cfg.rounds, {
    supervisorTeam: {
      ...runs,
      call: () => teamOverviewPage(pool, actor(supervisor, 'supervisor'), now, { number: 1 }),
    },
    programManagerTeam: { ...runs, call: () => teamOverviewPage(pool, pm, now, { number: 1 }) },
    programReport90Days: {
      ...runs,
      call: () =>
        programReport(
          pool,
          pm,
          team.programId,
          { from: day(new Date(now.getTime() - 90 * 86_400_000)), to: day(now) },
          now,
        ),
    },
  });
}

interface Series {
  call: () => Promise<unknown>;
  /** Untimed calls before the first round. */
  warmUp: number;
  /** Timed calls in all, split evenly over the rounds. */
  count: number;
  concurrency: number;
}

/**
 * Latencies of several reads, taken in rounds that visit every read in turn. A burst of background
 * work (a checkpoint, autovacuum, the worker catching up on timers) then falls on every read alike;
 * with one long series per read it fell on whichever read was running, and that read's p99 (its
 * 4th-slowest call of 400) moved by 2× from one run to the next.
 */
async function interleavedSeries<K extends string>(
  label: string,
  rounds: number,
  series: Record<K, Series>,
): Promise<Record<K, Summary>> {
  const keys = Object.keys(series) as K[];
  const latencies = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (const k of keys)
    await forEachLimited(Array.from({ length: series[k].warmUp }), series[k].concurrency, async () => {
      await series[k].call();
    });
  const total = keys.reduce((n, k) => n + series[k].count, 0);
  const bar = progress(`  ${label}`, total);
  for (let round = 0; round < rounds; round++)
    for (const k of keys) {
      const { call, count, concurrency } = series[k];
      // This round's share of the calls: the rounds add up to exactly `count`.
      const share = Math.floor(((round + 1) * count) / rounds) - Math.floor((round * count) / rounds);
      await forEachLimited(Array.from({ length: share }), concurrency, async () => {
        const started = performance.now();
        await call();
        latencies.get(k)!.push(performance.now() - started);
        bar.tick();
      });
    }
  bar.done();
  return Object.fromEntries(keys.map((k) => [k, rounded(summarize(latencies.get(k)!))])) as Record<
    K,
    Summary
  >;
}

const rounded = (s: Summary): Summary => ({
  count: s.count,
  p50: round(s.p50, 1),
  p99: round(s.p99, 1),
  max: round(s.max, 1),
  mean: round(s.mean, 1),
});

async function measure(
  apiUrl: string,
  cfg: BenchConfig['scale'],
  sample: Person[],
  cases: { id: string; case_manager_id: string }[],
  tokens: Map<string, string>,
  adminToken: string,
  overseers: { supervisor: Person; programManager: Person },
): Promise<{
  reads: Pick<
    ScaleLevel['reads'],
    'caseloadList' | 'supervisorList' | 'programList' | 'adminList' | 'caseDetail'
  >;
  detailFallbacks: number;
  errors: number;
}> {
  let errors = 0;
  let detailFallbacks = 0;
  const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const series = (call: () => Promise<void>): Series => ({
    call,
    warmUp: Math.min(20, cfg.requests),
    count: cfg.requests,
    concurrency: cfg.concurrency,
  });
  const list = (token: () => string): Series =>
    series(async () => {
      const res = await callApi(apiUrl, 'GET', '/api/v1/cases?limit=25', token());
      if (res.status !== 200 || res.body.items.length === 0) errors++;
    });
  const reads = await interleavedSeries('lists and case detail', cfg.rounds, {
    caseloadList: list(() => tokens.get(pick(sample).id)!),
    supervisorList: list(() => tokens.get(overseers.supervisor.id)!),
    programList: list(() => tokens.get(overseers.programManager.id)!),
    adminList: list(() => adminToken),
    caseDetail: series(async () => {
      const c = pick(cases);
      const res = await callApi(apiUrl, 'GET', `/api/v1/cases/${c.id}`, tokens.get(c.case_manager_id)!);
      if (res.status !== 200) errors++;
      else if (!res.body.schedule) detailFallbacks++;
    }),
  });
  return {
    reads,
    detailFallbacks,
    errors,
  };
}
