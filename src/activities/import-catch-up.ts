import type { Pool } from 'pg';
import { pathForObligation } from '../core/obligation-pages';
import type { ObligationKind } from '../core/obligation-catalogue';
import type { Mailer } from '../notifications/mailer';
import { escapeHtml, htmlDocument } from '../notifications/templates';
import { recordNotification } from './deliver-once';

/** One obligation already overdue when its case was imported (computed by the case workflow). */
export interface CatchUpItem {
  obligationId: string;
  kind: ObligationKind;
  subjectId?: string;
  dueAt: string;
  label: string;
}

/**
 * An imported case's overdue work, queued for its case manager's next daily digest instead of a
 * burst of backdated reminders: every imported case of theirs lands in that one email, a line per
 * obligation ("Reassessment — C-1042 — overdue since Tue 3 Dec"). Keyed per case and obligation,
 * so a retried activity queues nothing twice. Identifiers, labels and dates only: no client data.
 */
export function createQueueImportCatchUp(deps: { pool: Pool; mailer: Mailer }) {
  return async function queueImportCatchUp(req: { caseId: string; items: CatchUpItem[] }): Promise<number> {
    const row = (
      await deps.pool.query<{ reference: string; staff_id: string; email: string }>(
        `SELECT c.reference, s.id AS staff_id, s.email
           FROM cases c JOIN staff s ON s.id = c.case_manager_id WHERE c.id = $1`,
        [req.caseId],
      )
    ).rows[0];
    if (!row) return 0;
    for (const item of req.items) {
      const subject = `Imported case ${row.reference}: ${item.label} overdue`;
      const text = `${subject} since ${item.dueAt.slice(0, 10)}.`;
      await recordNotification(deps, {
        key: `import-catch-up/${req.caseId}/${item.obligationId}`,
        caseId: req.caseId,
        recipientId: row.staff_id,
        email: row.email,
        // Folds into the digest's one line per obligation, like a waiting overdue reminder.
        kind: `${item.kind}:overdue`,
        mail: { subject, text, html: htmlDocument(subject, [`<p>${escapeHtml(text)}</p>`]) },
        dueAt: item.dueAt,
        linkPath: pathForObligation({
          kind: item.kind,
          caseId: req.caseId,
          ...(item.subjectId === undefined ? {} : { subjectId: item.subjectId }),
        }),
        obligation: { id: item.obligationId, topic: item.label },
        queueForDigest: true,
      });
    }
    return req.items.length;
  };
}
