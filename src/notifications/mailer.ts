import nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Derived from the notification key, so a resend after a crash can be recognised downstream. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

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
  const transport = nodemailer.createTransport(
    smtpUrl.includes('?') || smtpUrl.includes('pool=') ? smtpUrl : `${smtpUrl}?pool=true`,
  );
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          headers: mail.headers,
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
