import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { progress } from '../lib/progress';
import { median, round } from '../lib/stats';
import { benchDataConverter } from '../stack/temporal';
import { workflowBundle } from '../history/bundle';

type History = temporal.api.history.v1.IHistory;

export interface ReplayResult {
  runs: number;
  events: number;
  replays: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * Replay cost: how long today's code takes to replay a typical case's first year, as a worker does
 * when the case is not in its cache (a query, a restarted worker). Each replay is one
 * Worker.runReplayHistory per run of that year, timed together; one warm-up is not counted.
 */
export async function runReplay(histories: History[], replays: number): Promise<ReplayResult> {
  if (histories.length === 0) throw new Error('no history to replay (the history phase kept none)');
  const options = { workflowBundle: await workflowBundle(), dataConverter: benchDataConverter };
  const once = async (): Promise<number> => {
    const started = performance.now();
    for (const [i, history] of histories.entries())
      await Worker.runReplayHistory(options, history, `bench-replay-${i}`);
    return performance.now() - started;
  };
  await once();
  const bar = progress('  replays', replays);
  const times: number[] = [];
  for (let i = 0; i < replays; i++) {
    times.push(await once());
    bar.tick();
  }
  bar.done();
  return {
    runs: histories.length,
    events: histories.reduce((a, h) => a + (h.events?.length ?? 0), 0),
    replays,
    medianMs: round(median(times), 1),
    minMs: round(Math.min(...times), 1),
    maxMs: round(Math.max(...times), 1),
  };
}
