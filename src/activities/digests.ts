import type { Pool } from 'pg';
import { fromLocal, isBusinessDay, minutesOf, toLocal, WORKING_HOURS } from '../core/business-time';
import type { Mailer } from '../notifications/mailer';
import {
  renderDigest,
  renderTeamDigest,
  type DigestItem,
  type TeamDigestRow,
} from '../notifications/digest-templates';
import type { RenderedMail } from '../notifications/templates';
import { digestLines } from '../notifications/digest-lines';
import { deliverOnce } from './deliver-once';

export interface DigestDeps {
  pool: Pool;
  mailer: Mailer;
  publicBaseUrl: string;
  /** Digests wait this many minutes past the working start, for reminders held by quiet hours. */
  releaseSpreadMinutes?: number;
}

/**
 * Digests leave a minute after the release of reminders held by quiet hours (08:01 without a
 * spread, 08:16 with the default 15 minutes) in each recipient's own time zone, on business days,
 * so every reminder that quiet hours held is already waiting in them.
 */
function digestAt(releaseSpreadMinutes: number): LocalTimeOfDay {
  const minutes = minutesOf(WORKING_HOURS.dayStart) + releaseSpreadMinutes + 1;
  return { hour: Math.floor(minutes / 60), minute: minutes % 60 };
}

interface LocalTimeOfDay {
  hour: number;
  minute: number;
}

/**
 * Is a round at `instant` someone's digest round: the working day's opening hour on a weekday in
 * their zone? Staff keep no holidays of their own; each program's holidays hold back that
 * program's lines (and a digest with no line left is not sent), as they hold its reminders.
 */
function isDigestHour(instant: number, timeZone: string, at: LocalTimeOfDay): boolean {
  return toLocal(instant, timeZone).hour === at.hour && isBusinessDay(instant, { timeZone, holidays: [] });
}

interface StaffRow {
  id: string;
  email: string;
  full_name: string;
  time_zone: string;
  role: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The next instant after `after` at which it is 08:01 somewhere a staff member works. Every day has
 * a round (one on a weekend sends nothing), as the digests workflow has always run them.
 */
async function nextRoundAfter(pool: Pool, after: number, digest: LocalTimeOfDay): Promise<number> {
  const zones = (
    await pool.query<{ time_zone: string }>('SELECT DISTINCT time_zone FROM staff WHERE active')
  ).rows.map((r) => r.time_zone);
  let next = after + 86_400_000; // at least daily, even with no staff yet
  for (const zone of zones.length ? zones : ['UTC']) {
    for (let d = 0; d <= 2; d++) {
      const day = toLocal(after + d * 86_400_000, zone);
      const at = fromLocal(
        { ...day, hour: digest.hour, minute: digest.minute, second: 0, millisecond: 0 },
        zone,
      );
      if (at > after) {
        next = Math.min(next, at);
        break;
      }
    }
  }
  return next;
}

/**
 * Before a digest claims what waits for it, reminders that no longer apply are withdrawn, with why:
 * the case closed, the work done or no longer owed (its obligation gone from the projection), or the
 * reader no longer on the case (handed over: neither its case manager, supervisor or program's
 * manager, nor the obligation's assignee). A digest lists only work that is still the reader's.
 * Cases whose obligations were never projected (the oldest generation) are checked for closure only.
 */
const WITHDRAW_STALE_SQL = `
  UPDATE notifications n SET status = 'withdrawn', withdrawn_at = $2, withdrawn_because = w.because
    FROM (SELECT q.notification_key,
                 CASE WHEN c.status = 'closed' THEN 'the case was closed'
                      WHEN c.obligations_projected_at IS NULL THEN NULL
                      WHEN q.obligation_id IS NOT NULL AND o.obligation_id IS NULL
                        THEN 'the work was done or is no longer owed'
                      WHEN q.recipient_id NOT IN (c.case_manager_id, c.supervisor_id)
                           AND q.recipient_id IS DISTINCT FROM p.program_manager_id
                           AND q.recipient_id IS DISTINCT FROM o.assignee_id
                        THEN 'the case was handed to someone else'
                 END AS because
            FROM notifications q
            JOIN cases c ON c.id = q.case_id
            JOIN programs p ON p.id = c.program_id
            LEFT JOIN case_obligations o ON o.case_id = q.case_id AND o.obligation_id = q.obligation_id
           WHERE q.recipient_id = $1 AND q.status = 'queued_for_digest' AND q.digest_key IS NULL) w
   WHERE n.notification_key = w.notification_key AND w.because IS NOT NULL`;

/**
 * The digest round: at `at`, everyone for whom it is the 08:00 hour of a business day gets their
 * daily digest (reminders queued for them) and, for supervisors, the team digest (overdue work by
 * case manager). Keyed by recipient and local date, so a retried round sends nothing twice.
 */
export function createDigestActivities(deps: DigestDeps) {
  const digest = digestAt(deps.releaseSpreadMinutes ?? 0);
  /** True when this call sent it (a retry of a sent digest sends nothing). */
  async function sendOnce(key: string, to: StaffRow, kind: string, mail: RenderedMail): Promise<boolean> {
    return (
      (await deliverOnce(deps, { key, recipientId: to.id, email: to.email, kind, mail })).status === 'sent'
    );
  }

  async function personalDigest(staff: StaffRow, at: number, localDate: string): Promise<boolean> {
    const key = `digest/${staff.id}/${localDate}`;
    await deps.pool.query(WITHDRAW_STALE_SQL, [staff.id, new Date(at)]);
    // Claim what is waiting for this digest; a retry finds the same claim and adds nothing. A
    // reminder never reaches anyone on its program's holiday (the reader's local date, as reminders
    // read it): on such a day it keeps waiting, for the next digest on a working day of its program.
    await deps.pool.query(
      `UPDATE notifications n SET digest_key = $2
        WHERE n.recipient_id = $1 AND n.status = 'queued_for_digest' AND n.digest_key IS NULL
          AND NOT EXISTS (SELECT 1 FROM notifications WHERE digest_key = $2)
          AND NOT EXISTS (SELECT 1 FROM cases c JOIN programs p ON p.id = c.program_id
                           WHERE c.id = n.case_id AND $3::date = ANY (p.holidays))`,
      [staff.id, key, localDate],
    );
    const items = (
      await deps.pool.query<{
        case_id: string;
        reference: string;
        subject: string;
        due_at: Date;
        link_path: string;
        kind: string;
        obligation_id: string | null;
        topic: string | null;
      }>(
        // Rows queued before links were recorded link the case page.
        `SELECT n.case_id, c.reference, n.subject, n.due_at, coalesce(n.link_path, '/cases/' || n.case_id) AS link_path,
                n.kind, n.obligation_id, n.topic
           FROM notifications n JOIN cases c ON c.id = n.case_id
          WHERE n.digest_key = $1 ORDER BY n.due_at ASC, n.created_at ASC`,
        [key],
      )
    ).rows;
    if (items.length === 0) return false;
    const list: DigestItem[] = digestLines(
      items.map((i) => ({
        caseId: i.case_id,
        caseReference: i.reference,
        subject: i.subject,
        dueAt: i.due_at,
        path: i.link_path,
        kind: i.kind,
        obligationId: i.obligation_id,
        topic: i.topic,
      })),
      new Date(at),
      staff.time_zone,
    );
    const ctx = {
      recipientName: staff.full_name,
      recipientTimeZone: staff.time_zone,
      localDate,
      publicBaseUrl: deps.publicBaseUrl,
    };
    const sent = await sendOnce(key, staff, 'digest', renderDigest(ctx, list));
    await deps.pool.query(
      `UPDATE notifications SET status = 'sent', sent_at = coalesce(sent_at, now()) WHERE digest_key = $1`,
      [key],
    );
    return sent;
  }

  async function teamDigest(staff: StaffRow, localDate: string): Promise<boolean> {
    const rows = (
      await deps.pool.query<{
        id: string;
        reference: string;
        full_name: string;
        overdue_count: number;
        next_due_kind: string | null;
      }>(
        `SELECT c.id, c.reference, cm.full_name, c.overdue_count, c.next_due_kind
           FROM cases c JOIN staff cm ON cm.id = c.case_manager_id JOIN programs p ON p.id = c.program_id
          WHERE c.supervisor_id = $1 AND c.status <> 'closed' AND c.overdue_count > 0
            -- On its program's holiday a case is not chased, so not listed either.
            AND NOT ($2::date = ANY (p.holidays))
          ORDER BY cm.full_name, c.overdue_count DESC, c.reference`,
        [staff.id, localDate],
      )
    ).rows;
    if (rows.length === 0) return false;
    const list: TeamDigestRow[] = rows.map((r) => ({
      caseId: r.id,
      caseReference: r.reference,
      caseManagerName: r.full_name,
      overdueCount: r.overdue_count,
      nextDueKind: r.next_due_kind,
    }));
    const ctx = {
      recipientName: staff.full_name,
      recipientTimeZone: staff.time_zone,
      localDate,
      publicBaseUrl: deps.publicBaseUrl,
    };
    return sendOnce(
      `team-digest/${staff.id}/${localDate}`,
      staff,
      'team_digest',
      renderTeamDigest(ctx, list),
    );
  }

  return {
    /** When the first digest round is due, from `after` (an ISO instant). */
    async nextDigestRound(after: string): Promise<string> {
      return new Date(await nextRoundAfter(deps.pool, Date.parse(after), digest)).toISOString();
    },

    /** `anyHour`: everyone now, not only those at 08:01 on a business day (still once per local date). */
    async sendDueDigests(
      at: string,
      opts: { anyHour?: boolean } = {},
    ): Promise<{ sent: number; nextRoundAt: string }> {
      const instant = Date.parse(at);
      const staff = (
        await deps.pool.query<StaffRow>(
          'SELECT id, email, full_name, time_zone, role FROM staff WHERE active ORDER BY id',
        )
      ).rows;
      let sent = 0;
      for (const s of staff) {
        if (!opts.anyHour && !isDigestHour(instant, s.time_zone, digest)) continue;
        const local = toLocal(instant, s.time_zone);
        const localDate = `${local.year}-${pad(local.month)}-${pad(local.day)}`;
        if (await personalDigest(s, instant, localDate)) sent++;
        if (s.role === 'supervisor' && (await teamDigest(s, localDate))) sent++;
      }
      return { sent, nextRoundAt: new Date(await nextRoundAfter(deps.pool, instant, digest)).toISOString() };
    },
  };
}
