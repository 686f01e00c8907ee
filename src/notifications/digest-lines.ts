import { formatIn } from './date-formats';
import type { DigestItem } from './digest-templates';

/** A notification waiting in a digest, as the digest round reads it (oldest due first). */
export interface WaitingNotification {
  caseId: string;
  caseReference: string;
  subject: string;
  dueAt: Date;
  path: string;
  /** `obligation_kind:step` for a case reminder; other kinds (news) keep a line each. */
  kind: string;
  /** Absent on rows recorded before digests grouped them: those keep a line each too. */
  obligationId?: string | null;
  topic?: string | null;
}

/** The reminder steps that wait for a digest and fold into one line per obligation. */
const REMINDER_STEP = /:(heads_up|due|overdue)$/;

/**
 * One line per obligation: however many of its heads-up, due and overdue reminders waited (a
 * weekend, a holiday), the digest says where it stands now, from the latest of them:
 * "Initial assessment — C-1001 — overdue since Tue 3 Dec (3 reminders)". `at` is the digest's own
 * time, so a reminder that was "due now" when it was queued reads as overdue the next morning.
 */
export function digestLines(waiting: WaitingNotification[], at: Date, timeZone: string): DigestItem[] {
  const groups = new Map<string, WaitingNotification[]>();
  const lines: (WaitingNotification | WaitingNotification[])[] = [];
  for (const n of waiting) {
    if (!n.obligationId || !n.topic || !REMINDER_STEP.test(n.kind)) {
      lines.push(n);
      continue;
    }
    const key = `${n.caseId}/${n.obligationId}`;
    const group = groups.get(key);
    if (group) group.push(n);
    else {
      const fresh = [n];
      groups.set(key, fresh);
      lines.push(fresh);
    }
  }
  const items = lines.map((line): DigestItem => {
    if (!Array.isArray(line)) return line;
    // The latest reminder's due time wins (a policy change may have moved it).
    const latest = line.reduce((a, b) => (b.dueAt.getTime() >= a.dueAt.getTime() ? b : a));
    const state =
      latest.dueAt.getTime() > at.getTime()
        ? `due ${formatWhenShort(latest.dueAt, timeZone)}`
        : `overdue since ${formatDayShort(latest.dueAt, timeZone)}`;
    const count = line.length > 1 ? ` (${line.length} reminders)` : '';
    return {
      caseId: latest.caseId,
      caseReference: latest.caseReference,
      subject: latest.subject,
      dueAt: latest.dueAt,
      path: latest.path,
      summary: `${latest.topic} — ${latest.caseReference} — ${state}${count}`,
    };
  });
  // Most urgent (longest overdue) first, as the digest always listed them.
  return items
    .map((item, order) => ({ item, order }))
    .sort((a, b) => a.item.dueAt.getTime() - b.item.dueAt.getTime() || a.order - b.order)
    .map(({ item }) => item);
}

/** "Tue 3 Dec" in the reader's zone. */
function formatDayShort(date: Date, timeZone: string): string {
  return formatIn('dayShort', timeZone, date).replace(/,/g, '');
}

/** "Fri 13 Dec, 10:00 GMT-5" in the reader's zone. */
function formatWhenShort(date: Date, timeZone: string): string {
  return `${formatDayShort(date, timeZone)}, ${formatIn('timeShort', timeZone, date)}`;
}
