import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  // Transient failures (SMTP or database down) retry until they succeed: a reminder is never lost.
  // At most a minute apart, so what fell due during an outage leaves within a minute of its end.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** The activities a case workflow calls: write its projection, send one ladder step, tell one piece of news. */
/** `queueImportCatchUp` (imported cases only) queues what was overdue at the import for the catch-up digest. */
export const {
  sendCaseNotification,
  projectCaseSchedule,
  sendCaseNews,
  sendAppointmentInvite,
  queueImportCatchUp,
} = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** An activity call with a summary, so the UI's timeline reads as the case's story. */
export const titled = (summary: string): ActivityOptions => ({ ...ACTIVITY_OPTIONS, summary });

const LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: ACTIVITY_OPTIONS.retry,
  // Retries past the first few seconds (PostgreSQL down) wait on a durable timer, not inside a
  // workflow task kept open by heartbeats.
  localRetryThreshold: '10 seconds',
};

/**
 * The projection as a local activity (patch 'local-projection'): the worker runs it inside the
 * workflow task, so the history holds one marker, not three events and another workflow task.
 */
export const { projectCaseSchedule: projectCaseScheduleLocally } =
  proxyLocalActivities<Activities>(LOCAL_OPTIONS);

/** A local activity call with a summary, as `titled`. */
export const titledLocal = (summary: string): LocalActivityOptions => ({ ...LOCAL_OPTIONS, summary });

/**
 * A reminder's send goes ahead of everything else waiting on the task queue (projections, news):
 * when many fall due at once, the emails leave first and the bookkeeping after them. Priority 1 of
 * the server's default 1–5 (unset is 3).
 */
export const reminderSend = (summary: string): ActivityOptions => ({
  ...titled(summary),
  priority: { priorityKey: 1 },
});
