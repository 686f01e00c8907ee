import nodemailer from 'nodemailer';
import { senderDomain } from '../shared/email-address';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Derived from the notification key, so a resend after a crash can be recognised downstream. */
  messageId: string;
  /** Where answers go when the recipient is expected to reply (provider emails). */
  replyTo?: { name: string; address: string }[];
  headers?: Record<string, string>;
  /**
   * An iCalendar object (an appointment's invitation or cancellation): sent as the
   * `text/calendar; method=…` alternative part calendars act on, and as an .ics attachment.
   */
  calendar?: { method: 'REQUEST' | 'CANCEL'; ics: string };
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
  /** The sender's own domain (MAIL_FROM's), under which Message-IDs are minted. */
  readonly messageIdDomain: string;
}

/**
 * Every Caseloop email is machine-sent: RFC 3834's Auto-Submitted keeps autoresponders (out of
 * office, ticket systems) from answering it, and Exchange reads its own equivalent.
 */
const AUTOMATED_HEADERS: Record<string, string> = {
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
};

/** A transient SMTP failure is retried; a permanent one (5xx, e.g. address rejected) is recorded. */
export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const messageIdDomain = senderDomain(from);
  if (!messageIdDomain) throw new Error(`The sender "${from}" is not one email address with a domain.`);
  const transport = nodemailer.createTransport(
    smtpUrl.includes('?') || smtpUrl.includes('pool=') ? smtpUrl : `${smtpUrl}?pool=true`,
  );
  return {
    messageIdDomain,
    async send(mail) {
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.replyTo?.length ? { replyTo: mail.replyTo } : {}),
          headers: { ...AUTOMATED_HEADERS, ...mail.headers },
          ...(mail.calendar
            ? {
                icalEvent: { method: mail.calendar.method, content: mail.calendar.ics },
                attachments: [
                  { filename: 'invite.ics', content: mail.calendar.ics, contentType: 'application/ics' },
                ],
              }
            : {}),
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 500 && code < 600) {
          throw new PermanentDeliveryError((err as Error).message, code);
        }
        throw err;
      }
    },
    close() {
      transport.close();
    },
  };
}
