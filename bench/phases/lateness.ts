import type { Client } from '@temporalio/client';
import { DEMO_MINUTE_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { createPool } from '../../src/db/pool';
import { caseWorkflowId } from '../../src/domain/ports';
import { onCleanup } from '../lib/cleanup';
import { stackCpuSources } from '../lib/cpu';
import { timed } from '../lib/concurrency';
import { progress, say } from '../lib/progress';
import { median, round } from '../lib/stats';
import type { BenchConfig } from '../config';
import { seedCaseRows, seedTeam, startWorkflows, waitForProjections, workflowInput } from '../seed';
import type { BenchPostgres } from '../stack/postgres';
import { startDeployment } from '../stack/services';
import type { SmtpSink } from '../stack/smtp-sink';
import { runBaselineOnce } from './lateness-baseline';
import { latenessStages } from './lateness-stages';
import { collectLateness, dueMinuteAfter, type LatenessRun } from './lateness-run';

export type { LatenessRun } from './lateness-run';

/** Caseloop against the bare baseline with one number of worker processes. */
export interface LatenessComparison {
  workers: number;
  baseline: LatenessRun[];
  caseloop: LatenessRun[];
  /** Caseloop p99 / baseline p99 of each pair (the two runs measured back to back). */
  ratios: number[];
  medianRatio: number;
  /** Every run of both sides delivered exactly N, none twice. */
  allDelivered: boolean;
}

export interface LatenessResult {
  cases: number;
  pairs: number;
  comparisons: LatenessComparison[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Reminder lateness against the limit: N reminders due on one whole minute, by bare Temporal (the
 * baseline) and by Caseloop, alternately, `pairs` times for each worker count; the verdict is the
 * median of the per-pair p99 ratios, since absolute timings on a shared machine drift.
 */
export async function runLateness(
  cfg: BenchConfig['lateness'],
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; sink: SmtpSink },
): Promise<LatenessResult> {
  const comparisons: LatenessComparison[] = cfg.workers.map((workers) => ({
    workers,
    baseline: [],
    caseloop: [],
    ratios: [],
    medianRatio: NaN,
    allDelivered: true,
  }));
  for (let pair = 1; pair <= cfg.pairs; pair++) {
    for (const c of comparisons) {
      const label = `lateness-w${c.workers}-p${pair}`;
      const baseline = await runBaselineOnce(cfg, ctx, c.workers, `${label}-baseline`);
      const caseloop = await runCaseloopOnce(cfg, ctx, c.workers, label);
      c.baseline.push(baseline);
      c.caseloop.push(caseloop);
      c.ratios.push(round(caseloop.lateness.p99 / baseline.lateness.p99, 3));
      c.medianRatio = median(c.ratios);
      c.allDelivered &&= [baseline, caseloop].every((r) => r.received === r.cases && r.duplicates === 0);
      say(`lateness pair ${pair}, ${c.workers} worker(s): Caseloop p99 / baseline p99 = ${c.ratios.at(-1)}`);
    }
  }
  return { cases: cfg.cases, pairs: cfg.pairs, comparisons };
}

/**
 * Caseloop's side: N cases with the same `openedAt` and an urgent policy whose heads-ups all fall
 * due on one whole minute, on the dev server in real time, the real worker process(es) sending.
 */
async function runCaseloopOnce(
  cfg: BenchConfig['lateness'],
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; sink: SmtpSink },
  workers: number,
  label: string,
): Promise<LatenessRun> {
  const databaseUrl = await ctx.pg.freshDatabase(label.replace(/-/g, '_'));
  const pool = createPool(databaseUrl, 10);
  const endPool = onCleanup(`${label} pool`, () => pool.end());

  const openedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const dueMinute = dueMinuteAfter(openedAt.getTime(), cfg.leadSeconds);
  // Initial assessment due an hour after intake, heads-up exactly at the chosen minute.
  const dueAt = openedAt.getTime() + HOUR;
  const policy: ProgramPolicy = {
    ...DEMO_MINUTE_POLICY,
    initialAssessmentDue: 'PT60M',
    urgent: true,
    ladder: { ...DEMO_MINUTE_POLICY.ladder, headsUpBefore: `PT${(dueAt - dueMinute) / 1000}S` },
  };
  const team = await seedTeam(pool, { label, policy, caseManagers: 20 });
  const deployment = await startDeployment({
    name: label,
    databaseUrl,
    temporalAddress: ctx.temporalAddress,
    smtpUrl: ctx.sink.url,
    client: ctx.client,
    withApi: false,
    workers,
  });

  say(`${label}: ${cfg.cases} heads-ups due at ${new Date(dueMinute).toISOString()}, ${workers} worker(s)`);
  const seeded = await timed(async () => {
    const rows = await seedCaseRows(pool, team, cfg.cases, openedAt);
    const bar = progress('  starting workflows', rows.length);
    await startWorkflows(
      ctx.client,
      deployment.taskQueue,
      rows.map((r) => workflowInput(team, r, openedAt)),
      cfg.startConcurrency,
      bar,
    );
    bar.done();
    const settle = progress('  workflows reaching their timers', rows.length);
    await waitForProjections(pool, [team.programId], rows.length, settle, 10 * MINUTE);
    settle.done();
    return rows;
  });
  const caseIds = new Set(seeded.result.map((r) => r.id));
  // Only this run's heads-ups count; keys look like case/<caseId>/<obligation>/<due>/heads_up/<staff>.
  return collectLateness({
    side: 'caseloop',
    workers,
    cases: cfg.cases,
    dueMinute,
    leadKnob: 'BENCH_LATENESS_LEAD_SECONDS',
    seedSeconds: seeded.ms / 1000,
    sink: ctx.sink,
    isOurs: (key) => key.includes('/heads_up/') && caseIds.has(key.split('/')[1] ?? ''),
    stop: async () => {
      await deployment.stop();
      await endPool();
    },
    stages: () =>
      latenessStages(ctx.client, [...caseIds].map(caseWorkflowId), 'sendCaseNotification', dueMinute),
    cpu: stackCpuSources({
      temporalAddress: ctx.temporalAddress,
      postmaster: ctx.pg.postmasterPid(),
      workers: deployment.workers,
    }),
  });
}
