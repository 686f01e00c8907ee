import { temporal } from '@temporalio/proto';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createPool } from '../../src/db/pool';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { createMailer } from '../../src/notifications/mailer';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { createCaseloopWorker } from '../../src/worker/create-worker';
import { onCleanup } from '../lib/cleanup';
import { timed } from '../lib/concurrency';
import { progress, say } from '../lib/progress';
import { round } from '../lib/stats';
import { seedTeam } from '../seed';
import type { BenchPostgres } from '../stack/postgres';
import type { SmtpSink } from '../stack/smtp-sink';
import { benchDataConverter, startTimeSkippingServer } from '../stack/temporal';
import { workflowBundle } from '../history/bundle';
import { driveScenario, eventCount, historiesOf, serverClock } from '../history/case-driver';
import { busyCase, typicalCase, type Scenario } from '../history/scenarios';

type History = temporal.api.history.v1.IHistory;

export interface CaseHistoryResult {
  scenario: Scenario['name'];
  years: number;
  actions: number;
  actionsFailed: number;
  failures: string[];
  runs: number;
  totalEvents: number;
  eventsPerCaseYear: number;
  largestRun: number;
  runEvents: number[];
  /** Which kinds of event make up the history, most frequent first: where to look to shrink it. */
  eventTypes: Record<string, number>;
  wallSeconds: number;
}

export interface HistoryResult {
  typical: CaseHistoryResult;
  busy?: CaseHistoryResult;
  largestRun: number;
  /** The typical case's runs as they stood one year after intake: the replay phase's input. */
  typicalFirstYear: History[];
}

/**
 * History growth: a typical and a busy case driven through the real domain code for years on the
 * time-skipping server, counting events over every continue-as-new run.
 */
export async function runHistory(
  years: number,
  ctx: { pg: BenchPostgres; sink: SmtpSink; onlyTypical?: boolean },
): Promise<HistoryResult> {
  const databaseUrl = await ctx.pg.freshDatabase(`bench_history_${years}y`);
  const pool = createPool(databaseUrl, 10);
  onCleanup('history pool', () => pool.end());
  const team = await seedTeam(pool, { label: `history${years}`, policy: DEFAULT_POLICY, caseManagers: 1 });
  const providerId = (
    await pool.query<{ id: string }>(
      `INSERT INTO providers (organisation, services, contact_email) VALUES ('Bench provider', '{housing}', 'provider@bench.caseloop.local') RETURNING id`,
    )
  ).rows[0]!.id;

  const env = await startTimeSkippingServer();
  const mailer = createMailer(ctx.sink.url, 'Caseloop <no-reply@bench.local>');
  onCleanup('history mailer', () => Promise.resolve(mailer.close()));
  const taskQueue = 'bench-history';
  const worker = await createCaseloopWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    pool,
    mailer,
    publicBaseUrl: 'http://caseloop.bench',
    linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    dataConverter: benchDataConverter,
  });
  const running = worker.run();
  const stopWorker = onCleanup('history worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });

  const clock = serverClock(env);
  const deps = { pool, workflows: createCaseWorkflows(env.client, taskQueue), clock: clock.now };
  let typicalFirstYear: History[] = [];

  const play = async (scenario: Scenario): Promise<CaseHistoryResult> => {
    const days = years * 365;
    const bar = progress(`  ${scenario.name} case, simulated days`, days);
    const { ms, result } = await timed(() =>
      driveScenario({
        env,
        clock,
        deps,
        pool,
        team,
        providerId,
        scenario,
        days,
        bar,
        ...(scenario.name === 'typical'
          ? {
              onDay: {
                day: 365,
                run: async (caseId: string) => {
                  typicalFirstYear = await historiesOf(env, caseId);
                },
              },
            }
          : {}),
      }),
    );
    bar.done();
    if (result.actionsFailed)
      say(`history: ${scenario.name}: ${result.actionsFailed} actions refused, e.g. ${result.failures[0]}`);
    const histories = await historiesOf(env, result.caseId);
    const runs = histories.map(eventCount);
    const total = runs.reduce((a, b) => a + b, 0);
    return {
      scenario: scenario.name,
      years,
      actions: result.actionsDone,
      actionsFailed: result.actionsFailed,
      failures: result.failures,
      runs: runs.length,
      totalEvents: total,
      eventsPerCaseYear: round(total / years, 1),
      largestRun: Math.max(...runs),
      runEvents: runs,
      eventTypes: countEventTypes(histories),
      wallSeconds: round(ms / 1000, 1),
    };
  };

  try {
    const typical = await play(typicalCase(years));
    const busy = ctx.onlyTypical ? undefined : await play(busyCase(years));
    return {
      typical,
      ...(busy ? { busy } : {}),
      largestRun: Math.max(typical.largestRun, busy?.largestRun ?? 0),
      typicalFirstYear,
    };
  } finally {
    await stopWorker();
  }
}

function countEventTypes(histories: History[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const h of histories)
    for (const e of h.events ?? []) {
      const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
      const short = name.replace(/^EVENT_TYPE_/, '');
      counts.set(short, (counts.get(short) ?? 0) + 1);
    }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}
