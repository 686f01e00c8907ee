import type { SmtpCatcher } from './smtp';
import { when } from './clock';

/** One captured email, reduced to what a scenario asserts: who, when (relative to intake), what. */
export interface SentMail {
  to: string;
  when: string;
  subject: string;
  /** The obligation id from the notification key (case/<case>/<obligation>/...). */
  obligation: string;
}

/** A header's text; the catcher parses a few headers into objects, ours are plain strings. */
export function header(m: SmtpCatcher['messages'][number], name: string): string {
  const value = m.headers.get(name);
  return typeof value === 'string' ? value : '';
}

export function sentMail(smtp: SmtpCatcher, caseId: string, from: number, timeZone = 'UTC'): SentMail[] {
  return smtp.messages
    .map((m) => {
      const key = header(m, 'x-caseloop-notification-key');
      const [, forCase, obligation] = key.split('/');
      return {
        forCase,
        to: m.to[0] ?? '',
        when: when(Date.parse(header(m, 'x-caseloop-scheduled-for')), from, timeZone),
        subject: m.subject.replace(/ — (case C-\d+|.*ref C-\d+)$/, ''),
        obligation: obligation ?? '',
      };
    })
    .filter((m) => m.forCase === caseId)
    .map(({ forCase: _forCase, ...rest }) => rest);
}
