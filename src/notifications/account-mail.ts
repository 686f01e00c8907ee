import type { Mailer } from './mailer';
import { escapeHtml, formatWhen, htmlDocument, type RenderedMail } from './templates';

/**
 * The emails that carry a set-password link: an invitation from an admin, or a reset the person
 * asked for. Sent by the API through the same mailer the worker uses.
 */
export interface AccountLinkMail {
  linkId: string;
  to: string;
  fullName: string;
  purpose: 'invitation' | 'password_reset';
  token: string;
  expiresAt: Date;
  timeZone: string;
}

export function renderAccountLinkMail(mail: AccountLinkMail, url: string): RenderedMail {
  const until = formatWhen(mail.expiresAt, mail.timeZone);
  const invitation = mail.purpose === 'invitation';
  const subject = invitation ? 'You are invited to Caseloop' : 'Reset your Caseloop password';
  const lines = invitation
    ? [
        `Hello ${mail.fullName},`,
        'An administrator has given you an account on Caseloop. Choose your password here:',
        url,
        `The link works once, until ${until}. Sign in afterwards with this email address.`,
      ]
    : [
        `Hello ${mail.fullName},`,
        'Someone (we hope you) asked to reset your Caseloop password. Choose a new one here:',
        url,
        `The link works once, until ${until}. If you did not ask, ignore this email: your password stays as it is.`,
      ];
  return {
    subject,
    text: `${lines.join('\n\n')}\n`,
    html: htmlDocument(subject, [
      `<p>${escapeHtml(lines[0]!)}</p>`,
      `<p>${escapeHtml(lines[1]!)}</p>`,
      `<p><a href="${escapeHtml(url)}">${invitation ? 'Choose your password' : 'Choose a new password'}</a></p>`,
      `<p>${escapeHtml(lines[3]!)}</p>`,
    ]),
  };
}

export function createAccountMail(
  mailer: Mailer,
  publicBaseUrl: string,
): { sendAccountLink(mail: AccountLinkMail): Promise<void> } {
  return {
    async sendAccountLink(mail) {
      const rendered = renderAccountLinkMail(mail, `${publicBaseUrl}/password/${mail.token}`);
      await mailer.send({
        to: mail.to,
        ...rendered,
        messageId: `<account-link-${mail.linkId}@${mailer.messageIdDomain}>`,
      });
    },
  };
}
