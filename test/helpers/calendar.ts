import ICAL from 'ical.js';
import type { CapturedMail } from './smtp';

/** What a scenario asserts of an invitation: the .ics parsed back by a real iCalendar parser. */
export interface ParsedInvite {
  /** The text/calendar part's own method parameter (what Outlook acts on). */
  partMethod: string;
  method: string;
  uid: string;
  sequence: number;
  status: string;
  start: string;
  end: string;
  organizer: string;
  attendees: string[];
  location: string;
  /** The .ics attachment says the same as the calendar part. */
  attachmentMatches: boolean;
}

export function parseInvite(m: CapturedMail): ParsedInvite {
  const part = m.attachments.find((a) => a.contentType === 'text/calendar');
  if (!part) throw new Error(`no text/calendar part in "${m.subject}"`);
  const file = m.attachments.find((a) => a.filename === 'invite.ics');
  const cal = new ICAL.Component(ICAL.parse(part.content));
  const event = cal.getFirstSubcomponent('vevent')!;
  const time = (name: string): string =>
    (event.getFirstPropertyValue(name) as ICAL.Time).toJSDate().toISOString();
  return {
    partMethod: part.method ?? '',
    method: String(cal.getFirstPropertyValue('method')),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    status: String(event.getFirstPropertyValue('status')),
    start: time('dtstart'),
    end: time('dtend'),
    organizer: String(event.getFirstPropertyValue('organizer')).toLowerCase(),
    attendees: event.getAllProperties('attendee').map((p) => String(p.getFirstValue()).toLowerCase()),
    location: String(event.getFirstPropertyValue('location')),
    attachmentMatches: file?.content === part.content,
  };
}
