import type { Client } from '@temporalio/client';
import { DEMO_MINUTE_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { createPool } from '../../src/db/pool';
import { onCleanup } from '../lib/cleanup';
import { sleep, timed } from '../lib/concurrency';
import { progress, say } from '../lib/progress';
import { round, summarize, type Summary } from '../lib/stats';
import type { BenchConfig } from '../config';
import { seedCaseRows, seedTeam, startWorkflows, waitForProjections, workflowInput } from '../seed';
import type { BenchPostgres } from '../stack/postgres';
import { startDeployment } from '../stack/services';
import type { SmtpSink } from '../stack/smtp-sink';

export interface LatenessResult {
  cases: number;
  dueAt: string;
  /** Seconds between the last workflow reaching its timer and the due minute. */
  marginSeconds: number;
  received: number;
  duplicates: number;
  /** Milliseconds from the due minute to SMTP acceptance. */
  lateness: Summary;
  seedSeconds: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Reminder lateness: many cases whose heads-ups all fall due on the same whole minute, on the dev
 * server in real time; how late each reaches the SMTP server. The policy is urgent (no quiet hours)
 * and every case has the same openedAt, so every heads-up is due at exactly that minute.
 */
export async function runLateness(
  cfg: BenchConfig['lateness'],
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; sink: SmtpSink },
): Promise<LatenessResult> {
  const databaseUrl = await ctx.pg.freshDatabase('bench_lateness');
  const pool = createPool(databaseUrl, 10);
  onCleanup('lateness pool', () => pool.end());

  const openedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const dueMinute = Math.ceil((openedAt.getTime() + cfg.leadSeconds * 1000) / MINUTE) * MINUTE;
  // Initial assessment due an hour after intake, heads-up exactly at the chosen minute.
  const dueAt = openedAt.getTime() + HOUR;
  const policy: ProgramPolicy = {
    ...DEMO_MINUTE_POLICY,
    initialAssessmentDue: 'PT60M',
    urgent: true,
    ladder: { ...DEMO_MINUTE_POLICY.ladder, headsUpBefore: `PT${(dueAt - dueMinute) / 1000}S` },
  };
  const team = await seedTeam(pool, { label: 'lateness', policy, caseManagers: 20 });
  const deployment = await startDeployment({
    name: 'lateness',
    databaseUrl,
    temporalAddress: ctx.temporalAddress,
    smtpUrl: ctx.sink.url,
    client: ctx.client,
    withApi: false,
  });

  say(`lateness: ${cfg.cases} heads-ups due at ${new Date(dueMinute).toISOString()}`);
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
    await waitForProjections(pool, team.programId, rows.length, settle, 10 * MINUTE);
    settle.done();
    return rows;
  });
  const caseIds = new Set(seeded.result.map((r) => r.id));
  const marginSeconds = (dueMinute - Date.now()) / 1000;
  if (marginSeconds < 5)
    say(
      `lateness: WARNING seeding ended ${(-marginSeconds).toFixed(0)} s after the due minute; raise BENCH_LATENESS_LEAD_SECONDS`,
    );

  // Only this phase's heads-ups count; keys look like case/<caseId>/<obligation>/<due>/heads_up/<staff>.
  const ours = () =>
    ctx.sink.messages.filter((m) => {
      const key = m.headers.get('x-caseloop-notification-key') ?? '';
      return key.includes('/heads_up/') && caseIds.has(key.split('/')[1] ?? '');
    });
  const bar = progress('  heads-ups accepted by SMTP', cfg.cases);
  const giveUpAt = dueMinute + 5 * MINUTE;
  while (ours().length < cfg.cases && Date.now() < giveUpAt) {
    bar.set(ours().length);
    await sleep(200);
  }
  // A little longer, so a duplicate sent late would be seen and counted.
  await sleep(5_000);
  const got = ours();
  bar.set(got.length);
  bar.done();
  await deployment.stop();

  const keys = got.map((m) => m.headers.get('x-caseloop-notification-key'));
  const late = got.map((m) => m.acceptedAt - Date.parse(m.headers.get('x-caseloop-scheduled-for') ?? ''));
  const wrongMinute = got.filter(
    (m) => Date.parse(m.headers.get('x-caseloop-scheduled-for') ?? '') !== dueMinute,
  ).length;
  if (wrongMinute) say(`lateness: WARNING ${wrongMinute} heads-ups were scheduled for another minute`);
  const s = summarize(late);
  return {
    cases: cfg.cases,
    dueAt: new Date(dueMinute).toISOString(),
    marginSeconds: round(marginSeconds, 1),
    received: got.length,
    duplicates: keys.length - new Set(keys).size,
    lateness: { ...s, mean: round(s.mean, 1) },
    seedSeconds: round(seeded.ms / 1000, 1),
  };
}
