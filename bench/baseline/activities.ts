import type { Mailer } from '../../src/notifications/mailer';
import { renderCaseMail } from '../../src/notifications/templates';

export interface BaselineReminder {
  /** Marks the message in the sink, like a case notification key. */
  key: string;
  to: string;
  caseReference: string;
  scheduledFor: string;
  dueAt: string;
}

/**
 * The baseline's one activity: the same heads-up email a case gets (rendered by the same template),
 * sent by the same mailer with the same transport settings, but no database and no bookkeeping.
 */
export function createBaselineActivities(mailer: Mailer, publicBaseUrl: string) {
  return {
    async sendBaselineReminder(r: BaselineReminder): Promise<void> {
      const mail = renderCaseMail({
        obligationKind: 'initial_assessment',
        step: 'heads_up',
        n: 1,
        dueAt: new Date(r.dueAt),
        now: new Date(r.scheduledFor),
        recipient: 'case_manager',
        recipientName: 'Case Manager',
        recipientTimeZone: 'UTC',
        caseReference: r.caseReference,
        client: { givenName: 'Bench', familyName: 'Client' },
        allowClientNames: false,
        programName: 'Bench program',
        caseManagerName: 'Case Manager',
        supervisorName: 'Supervisor',
        caseUrl: `${publicBaseUrl}/cases/${r.caseReference}`,
        workUrl: `${publicBaseUrl}/cases/${r.caseReference}/assessments/new`,
      });
      await mailer.send({
        to: r.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${r.key.replace(/\W/g, '.')}@caseloop.local>`,
        headers: { 'X-Caseloop-Notification-Key': r.key, 'X-Caseloop-Scheduled-For': r.scheduledFor },
      });
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
