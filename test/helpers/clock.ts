import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { fromLocal, toLocal } from '../../src/core/business-time';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
const HALF_MINUTE = 30_000;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Moves the test server's clock forward to an absolute instant (never back). */
export async function skipTo(env: TestWorkflowEnvironment, instant: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instant > now) await env.sleep(instant - now);
}

/**
 * The test server starts at the real time, so scenarios first move to a known weekday and hour:
 * the next such moment at least a day ahead, in `timeZone`, less half a minute.
 *
 * Why the half minute: reminders leave on whole minutes, and a scenario that skips to
 * `t0 + n days` then acts at :30 seconds, so no timer is ever due within the instant of its next
 * message. The time-skipping server refuses a workflow task that cancels a timer which fired while
 * the task was with the worker (temporalio/sdk-java#3088) and strands the run; a real server
 * retries such a task, so this is a test-server limit, not a product one.
 */
export async function startOn(
  env: TestWorkflowEnvironment,
  weekday: 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun',
  hhmm: string,
  timeZone = 'UTC',
): Promise<number> {
  const [hour, minute] = hhmm.split(':').map(Number);
  const now = await env.currentTimeMs();
  for (let d = 1; d <= 8; d++) {
    const day = toLocal(now + d * DAY, timeZone);
    const at =
      fromLocal({ ...day, hour: hour!, minute: minute!, second: 0, millisecond: 0 }, timeZone) - HALF_MINUTE;
    if (WEEKDAYS[new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay()] === weekday) {
      await skipTo(env, at);
      return at;
    }
  }
  throw new Error('unreachable');
}

/** "d21 Mon 08:00": days since `from` (by calendar date in the zone), weekday and wall time. */
export function when(instant: number, from: number, timeZone = 'UTC'): string {
  const l = toLocal(instant, timeZone);
  const f = toLocal(from, timeZone);
  const days = Math.round(
    (Date.UTC(l.year, l.month - 1, l.day) - Date.UTC(f.year, f.month - 1, f.day)) / DAY,
  );
  const weekday = WEEKDAYS[new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay()];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `d${days} ${weekday} ${pad(l.hour)}:${pad(l.minute)}`;
}
