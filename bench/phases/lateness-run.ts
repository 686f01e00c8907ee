import { sleep } from '../lib/concurrency';
import { cpuSince, perRole, readCpu, type CpuReading, type CpuSources } from '../lib/cpu';
import { progress, say } from '../lib/progress';
import { round, summarize, type Summary } from '../lib/stats';
import type { SmtpSink } from '../stack/smtp-sink';
import type { LatenessStages } from './lateness-stages';

const MINUTE = 60_000;

/** One run of N reminders due on one minute, by Caseloop or by the bare baseline. */
export interface LatenessRun {
  side: 'baseline' | 'caseloop';
  workers: number;
  cases: number;
  dueAt: string;
  /** Seconds between the end of seeding and the due minute. */
  marginSeconds: number;
  received: number;
  duplicates: number;
  /** Milliseconds from the due minute to SMTP acceptance. */
  lateness: Summary;
  seedSeconds: number;
  /** Where the time went, from the workflows' histories. */
  stages?: LatenessStages;
  /**
   * CPU ms per reminder by process, from the due minute until the last one was accepted: with every
   * core busy through a burst, lateness is this cost over the cores.
   */
  cpuMsPerReminder?: CpuReading;
}

/**
 * The first whole minute at least `leadSeconds` after `from`: a whole minute because Caseloop's
 * clocks send on whole minutes (a due time between two is sent at the next).
 */
export const dueMinuteAfter = (from: number, leadSeconds: number): number =>
  Math.ceil((from + leadSeconds * 1000) / MINUTE) * MINUTE;

/**
 * Waits for a run's N messages (keys `isOurs` accepts), then a little longer so a late duplicate
 * shows, stops the run's workers and measures each message from its scheduled minute.
 */
export async function collectLateness(o: {
  side: LatenessRun['side'];
  workers: number;
  cases: number;
  dueMinute: number;
  /** The setting that moves the due minute further ahead, named when seeding overran it. */
  leadKnob: string;
  seedSeconds: number;
  sink: SmtpSink;
  isOurs: (notificationKey: string) => boolean;
  stop: () => Promise<void>;
  /** Read after the workers stopped, while the server still holds the histories. */
  stages: () => Promise<LatenessStages>;
  /** The processes whose CPU the burst is metered on. */
  cpu: CpuSources;
}): Promise<LatenessRun> {
  const marginSeconds = (o.dueMinute - Date.now()) / 1000;
  if (marginSeconds < 5)
    say(
      `lateness: WARNING seeding ended ${(-marginSeconds).toFixed(0)} s after the due minute; raise ${o.leadKnob}`,
    );
  // Keys are unique per run, so earlier runs' messages never count.
  const ours = () =>
    o.sink.messages.filter((m) => o.isOurs(m.headers.get('x-caseloop-notification-key') ?? ''));
  const bar = progress(`  ${o.side} reminders accepted by SMTP`, o.cases);
  const giveUpAt = o.dueMinute + 5 * MINUTE;
  let before: CpuReading | undefined;
  while (ours().length < o.cases && Date.now() < giveUpAt) {
    bar.set(ours().length);
    if (!before && Date.now() >= o.dueMinute) before = readCpu(o.cpu);
    await sleep(before ? 100 : Math.max(1, Math.min(200, o.dueMinute - Date.now())));
  }
  const burst = before ? cpuSince(before, readCpu(o.cpu)) : undefined;
  await sleep(5_000);
  const got = ours();
  bar.set(got.length);
  bar.done();
  await o.stop();
  const stages = await o.stages();

  const keys = got.map((m) => m.headers.get('x-caseloop-notification-key'));
  const scheduled = (m: (typeof got)[number]): number =>
    Date.parse(m.headers.get('x-caseloop-scheduled-for') ?? '');
  const wrongMinute = got.filter((m) => scheduled(m) !== o.dueMinute).length;
  if (wrongMinute) say(`lateness: WARNING ${wrongMinute} reminders were scheduled for another minute`);
  const s = summarize(got.map((m) => m.acceptedAt - scheduled(m)));
  const stage = (x: Summary): string => `${x.p50}/${x.p99}`;
  const cpuMsPerReminder = burst && perRole((role) => round(burst[role] / o.cases, 2));
  say(
    `  ${o.side}, ${o.workers} worker(s): ${got.length}/${o.cases} received, p50 ${s.p50} ms, p99 ${s.p99} ms; ` +
      `stages p50/p99 ms: timer ${stage(stages.timerFired)}, schedule ${stage(stages.sendScheduled)}, ` +
      `queue ${stage(stages.sendQueued)}, run ${stage(stages.sendRan)}` +
      (cpuMsPerReminder
        ? `; CPU ms per reminder: ${Object.entries(cpuMsPerReminder)
            .filter(([, ms]) => ms > 0)
            .map(([role, ms]) => `${role} ${ms}`)
            .join(', ')}`
        : ''),
  );
  return {
    side: o.side,
    workers: o.workers,
    cases: o.cases,
    dueAt: new Date(o.dueMinute).toISOString(),
    marginSeconds: round(marginSeconds, 1),
    received: got.length,
    duplicates: keys.length - new Set(keys).size,
    lateness: { ...s, mean: round(s.mean, 1) },
    seedSeconds: round(o.seedSeconds, 1),
    stages,
    ...(cpuMsPerReminder ? { cpuMsPerReminder } : {}),
  };
}
