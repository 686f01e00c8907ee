import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { forEachLimited } from '../lib/concurrency';
import { summarize, type Summary } from '../lib/stats';

/**
 * Where a reminder's lateness goes, read from each workflow's history: the timer firing after the
 * due minute, the workflow task that schedules the send, the send waiting for an activity slot
 * (schedule-to-start), and the send itself (start-to-close, SMTP included). Per-stage p50/p99.
 */
export interface LatenessStages {
  /** Due minute -> TimerFired. */
  timerFired: Summary;
  /** TimerFired -> the send activity scheduled (workflow task round trip). */
  sendScheduled: Summary;
  /** Scheduled -> started (queued on the task queue, waiting for a worker slot). */
  sendQueued: Summary;
  /** Started -> completed (the activity's own work, SMTP acceptance inside it). */
  sendRan: Summary;
}

export async function latenessStages(
  client: Client,
  workflowIds: string[],
  activityType: string,
  dueMinute: number,
): Promise<LatenessStages> {
  const stages = { timerFired: [], sendScheduled: [], sendQueued: [], sendRan: [] } as Record<
    keyof LatenessStages,
    number[]
  >;
  await forEachLimited(workflowIds, 16, async (workflowId) => {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const at = (i: number): number => tsToMs(events[i]!.eventTime);
    const scheduled = events.findIndex(
      (e) =>
        e.activityTaskScheduledEventAttributes?.activityType?.name === activityType &&
        tsToMs(e.eventTime) >= dueMinute - 1_000,
    );
    if (scheduled < 0) return;
    let fired = scheduled;
    while (--fired >= 0 && !events[fired]!.timerFiredEventAttributes);
    const id = String(events[scheduled]!.eventId);
    const started = events.findIndex(
      (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === id,
    );
    const completed = events.findIndex(
      (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === id,
    );
    if (fired >= 0) {
      stages.timerFired.push(at(fired) - dueMinute);
      stages.sendScheduled.push(at(scheduled) - at(fired));
    }
    if (started >= 0) stages.sendQueued.push(at(started) - at(scheduled));
    if (started >= 0 && completed >= 0) stages.sendRan.push(at(completed) - at(started));
  });
  return {
    timerFired: summarize(stages.timerFired),
    sendScheduled: summarize(stages.sendScheduled),
    sendQueued: summarize(stages.sendQueued),
    sendRan: summarize(stages.sendRan),
  };
}
