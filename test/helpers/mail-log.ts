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

/** When the message was meant to leave: its x-caseloop-scheduled-for header, as an instant. */
export function scheduledFor(m: SmtpCatcher['messages'][number]): number {
  return Date.parse(header(m, 'x-caseloop-scheduled-for'));
}

/** The captured messages about one case: those whose notification key (case/<case>/...) names it. */
export function caseMessages(smtp: SmtpCatcher, caseId: string): SmtpCatcher['messages'] {
  return smtp.messages.filter((m) => header(m, 'x-caseloop-notification-key').split('/')[1] === caseId);
}

export function sentMail(smtp: SmtpCatcher, caseId: string, from: number, timeZone = 'UTC'): SentMail[] {
  return caseMessages(smtp, caseId).map((m) => ({
    to: m.to[0] ?? '',
    when: when(scheduledFor(m), from, timeZone),
    subject: m.subject.replace(/ — (case C-\d+|.*ref C-\d+)$/, ''),
    obligation: header(m, 'x-caseloop-notification-key').split('/')[2] ?? '',
  }));
}
