import { Client } from '@temporalio/client';
import { forEachLimited, sleep } from '../lib/concurrency';
import { stackCpuSources } from '../lib/cpu';
import { progress, say } from '../lib/progress';
import type { BenchConfig } from '../config';
import type { BaselineReminder } from '../baseline/activities';
import { startBaselineDeployment } from '../stack/services';
import type { BenchPostgres } from '../stack/postgres';
import type { SmtpSink } from '../stack/smtp-sink';
import { latenessStages } from './lateness-stages';
import { collectLateness, dueMinuteAfter, type LatenessRun } from './lateness-run';

/**
 * The lateness baseline: what Temporal plus SMTP can do here. The same number of bare workflows on
 * the same dev server, each sleeping to the same minute and then running one activity that sends
 * the same heads-up email through the same sink with the same mailer (bench/baseline/).
 */
export async function runBaselineOnce(
  cfg: BenchConfig['lateness'],
  ctx: { client: Client; temporalAddress: string; sink: SmtpSink; pg: BenchPostgres },
  workers: number,
  label: string,
): Promise<LatenessRun> {
  const started = Date.now();
  const dueMinute = dueMinuteAfter(started, cfg.baselineLeadSeconds);
  const deployment = await startBaselineDeployment({
    name: label,
    temporalAddress: ctx.temporalAddress,
    smtpUrl: ctx.sink.url,
    client: ctx.client,
    workers,
  });
  // Bare: the default data converter, no payload encryption.
  const client = new Client({ connection: ctx.client.connection, namespace: 'default' });
  say(
    `${label}: ${cfg.cases} bare reminders due at ${new Date(dueMinute).toISOString()}, ${workers} worker(s)`,
  );
  const keys = Array.from({ length: cfg.cases }, (_, i) => `${label}/${i}`);
  const bar = progress('  starting workflows', keys.length);
  await forEachLimited(keys, cfg.startConcurrency, async (key, i) => {
    const reminder: BaselineReminder = {
      key,
      to: `case_manager.${i % 20}@bench.caseloop.local`,
      caseReference: `B-${i}`,
      scheduledFor: new Date(dueMinute).toISOString(),
      dueAt: new Date(dueMinute + 30 * 60_000).toISOString(),
    };
    await client.workflow.start('baselineReminder', {
      taskQueue: deployment.taskQueue,
      workflowId: `baseline-${key}`,
      args: [reminder],
    });
    bar.tick();
  });
  bar.done();
  const seedSeconds = (Date.now() - started) / 1000;
  // The workflows' first tasks (setting their timers) are light; give them a moment to settle.
  await sleep(Math.min(5_000, Math.max(0, dueMinute - Date.now() - 1_000)));
  const ours = new Set(keys);
  return collectLateness({
    side: 'baseline',
    workers,
    cases: cfg.cases,
    dueMinute,
    leadKnob: 'BENCH_LATENESS_BASELINE_LEAD_SECONDS',
    seedSeconds,
    sink: ctx.sink,
    isOurs: (key) => ours.has(key),
    stop: () => deployment.stop(),
    stages: () =>
      latenessStages(
        client,
        keys.map((key) => `baseline-${key}`),
        'sendBaselineReminder',
        dueMinute,
      ),
    // The same meters as Caseloop's side: PostgreSQL idles here, and shows it.
    cpu: stackCpuSources({
      temporalAddress: ctx.temporalAddress,
      postmaster: ctx.pg.postmasterPid(),
      workers: deployment.workers,
    }),
  });
}
