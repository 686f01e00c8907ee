import v8 from 'node:v8';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { onCleanup } from '../lib/cleanup';
import { forEachLimited, timed } from '../lib/concurrency';
import { callApi } from '../lib/http';
import { progress, say } from '../lib/progress';
import { round, summarize, type Summary } from '../lib/stats';
import type { BenchConfig } from '../config';
import {
  seedCaseRows,
  seedTeam,
  startWorkflows,
  tokenFor,
  waitForProjections,
  workflowInput,
  type BenchTeam,
  type Person,
} from '../seed';
import type { BenchPostgres } from '../stack/postgres';
import { startDeployment, type Deployment } from '../stack/services';

export interface ScaleLevel {
  openCases: number;
  seed: { rowsSeconds: number; startsSeconds: number; settleSeconds: number; startsPerSecond: number };
  /** A case manager's caseload, first page (GET /api/v1/cases). */
  caseloadList: Summary;
  /** Everything an admin may see, first page: not a target, but shows how the list query scales. */
  adminList: Summary;
  /** GET /api/v1/cases/:id, which queries the live workflow. */
  caseDetail: Summary;
  detailFallbacks: number;
  errors: number;
  workerRssMiB: number;
  workerPeakRssMiB: number;
  databaseMiB: number;
}

export interface ScaleResult {
  casesPerCaseManager: number;
  requestsPerMeasure: number;
  concurrency: number;
  /** The worker's cache setting: WORKER_MAX_CACHED_WORKFLOWS when given, else the SDK's default. */
  workerCacheNote: string;
  /** Short form for the table: the number of cached workflows, or 'SDK default ~N'. */
  workerCache: string;
  levels: ScaleLevel[];
  listP99Growth?: number;
  detailP99Growth?: number;
  workerRssGrowth?: number;
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
  const team = await seedTeam(pool, {
    label: 'scale',
    policy: DEFAULT_POLICY,
    caseManagers: Math.ceil(largest / cfg.casesPerCaseManager),
  });
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
  let open = 0;
  for (const level of cfg.levels) {
    say(`scale: growing to ${level} open cases`);
    const seed = await grow(pool, ctx.client, deployment, team, cfg, open, level);
    open = level;
    // A sample of case managers who carry cases at this level, each with a token.
    const carrying = team.caseManagers.slice(0, Math.ceil(level / cfg.casesPerCaseManager));
    const sample = Array.from({ length: 20 }, () => carrying[Math.floor(Math.random() * carrying.length)]!);
    for (const cm of sample) if (!tokens.has(cm.id)) tokens.set(cm.id, await tokenFor(pool, cm));
    const cases = (
      await pool.query<{ id: string; case_manager_id: string }>(
        'SELECT id, case_manager_id FROM cases WHERE case_manager_id = ANY($1::uuid[])',
        [sample.map((s) => s.id)],
      )
    ).rows;
    const measured = await measure(deployment.api!.url, cfg, sample, cases, tokens, adminToken);
    const memory = deployment.worker.memory();
    const size = (await pool.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes'))
      .rows[0]!;
    levels.push({
      openCases: level,
      seed,
      ...measured,
      workerRssMiB: round(memory?.rssMiB ?? NaN, 1),
      workerPeakRssMiB: round(memory?.peakRssMiB ?? NaN, 1),
      databaseMiB: round(Number(size.bytes) / 1024 ** 2, 1),
    });
    say(
      `scale ${level}: list p99 ${measured.caseloadList.p99.toFixed(1)} ms, detail p99 ${measured.caseDetail.p99.toFixed(1)} ms, worker RSS ${memory?.rssMiB.toFixed(0)} MiB`,
    );
  }
  await deployment.stop();

  const first = levels[0]!;
  const last = levels[levels.length - 1]!;
  const growth = (a: number, b: number): number | undefined =>
    levels.length > 1 ? round(b / a, 2) : undefined;
  const heapMiB = v8.getHeapStatistics().heap_size_limit / 1024 ** 2;
  const sdkDefault = Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
  const listP99Growth = growth(first.caseloadList.p99, last.caseloadList.p99);
  const detailP99Growth = growth(first.caseDetail.p99, last.caseDetail.p99);
  const workerRssGrowth = growth(first.workerRssMiB, last.workerRssMiB);
  return {
    casesPerCaseManager: cfg.casesPerCaseManager,
    requestsPerMeasure: cfg.requests,
    concurrency: cfg.concurrency,
    workerCacheNote:
      cfg.workerMaxCachedWorkflows === undefined
        ? `no WORKER_MAX_CACHED_WORKFLOWS given, so the SDK default applies: about ${sdkDefault} ` +
          `workflows for a ${Math.round(heapMiB)} MiB heap limit on this machine`
        : `WORKER_MAX_CACHED_WORKFLOWS=${cfg.workerMaxCachedWorkflows}`,
    workerCache: String(cfg.workerMaxCachedWorkflows ?? `SDK default ~${sdkDefault}`),
    levels,
    ...(listP99Growth === undefined ? {} : { listP99Growth }),
    ...(detailP99Growth === undefined ? {} : { detailP99Growth }),
    ...(workerRssGrowth === undefined ? {} : { workerRssGrowth }),
  };
}

/** Adds cases up to `level`: rows in SQL, then workflow starts, then waits for the worker to settle. */
async function grow(
  pool: Pool,
  client: Client,
  deployment: Deployment,
  team: BenchTeam,
  cfg: BenchConfig['scale'],
  from: number,
  level: number,
): Promise<ScaleLevel['seed']> {
  const openedAt = new Date();
  const added = level - from;
  const rowsTimed = await timed(async () => {
    const rows = [];
    for (let done = 0; done < added; done += SEED_CHUNK) {
      const n = Math.min(SEED_CHUNK, added - done);
      const first = Math.floor((from + done) / cfg.casesPerCaseManager);
      const managers = team.caseManagers.slice(first, Math.ceil((from + done + n) / cfg.casesPerCaseManager));
      rows.push(...(await seedCaseRows(pool, team, n, openedAt, managers)));
    }
    return rows;
  });
  const bar = progress(`  starting ${added} workflows`, added);
  const starts = await timed(() =>
    startWorkflows(
      client,
      deployment.taskQueue,
      rowsTimed.result.map((r) => workflowInput(team, r, openedAt)),
      cfg.startConcurrency,
      bar,
    ),
  );
  bar.done();
  const settleBar = progress('  worker catching up', level);
  const settle = await timed(() => waitForProjections(pool, team.programId, level, settleBar, 3 * 3_600_000));
  settleBar.done();
  const seed = {
    rowsSeconds: round(rowsTimed.ms / 1000, 1),
    startsSeconds: round(starts.ms / 1000, 1),
    settleSeconds: round(settle.ms / 1000, 1),
    startsPerSecond: round(added / (starts.ms / 1000), 1),
  };
  say(
    `scale ${level}: seeded ${added} rows in ${seed.rowsSeconds} s, started in ${seed.startsSeconds} s (${seed.startsPerSecond}/s), settled in ${seed.settleSeconds} s`,
  );
  return seed;
}

async function measure(
  apiUrl: string,
  cfg: BenchConfig['scale'],
  sample: Person[],
  cases: { id: string; case_manager_id: string }[],
  tokens: Map<string, string>,
  adminToken: string,
): Promise<Pick<ScaleLevel, 'caseloadList' | 'adminList' | 'caseDetail' | 'detailFallbacks' | 'errors'>> {
  let errors = 0;
  let detailFallbacks = 0;
  const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const series = async (label: string, call: () => Promise<void>): Promise<Summary> => {
    const warmUp = Math.min(20, cfg.requests);
    await forEachLimited(Array.from({ length: warmUp }), cfg.concurrency, call);
    const bar = progress(`  ${label}`, cfg.requests);
    const latencies: number[] = [];
    await forEachLimited(Array.from({ length: cfg.requests }), cfg.concurrency, async () => {
      const started = performance.now();
      await call();
      latencies.push(performance.now() - started);
      bar.tick();
    });
    bar.done();
    const s = summarize(latencies);
    return {
      count: s.count,
      p50: round(s.p50, 1),
      p99: round(s.p99, 1),
      max: round(s.max, 1),
      mean: round(s.mean, 1),
    };
  };
  const caseloadList = await series('caseload list', async () => {
    const cm = pick(sample);
    const res = await callApi(apiUrl, 'GET', '/api/v1/cases?limit=25', tokens.get(cm.id)!);
    if (res.status !== 200 || res.body.items.length === 0) errors++;
  });
  const adminList = await series('admin list', async () => {
    const res = await callApi(apiUrl, 'GET', '/api/v1/cases?limit=25', adminToken);
    if (res.status !== 200) errors++;
  });
  const caseDetail = await series('case detail', async () => {
    const c = pick(cases);
    const res = await callApi(apiUrl, 'GET', `/api/v1/cases/${c.id}`, tokens.get(c.case_manager_id)!);
    if (res.status !== 200) errors++;
    else if (!res.body.schedule) detailFallbacks++;
  });
  return { caseloadList, adminList, caseDetail, detailFallbacks, errors };
}
