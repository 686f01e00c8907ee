import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventStatus,
} from 'ical-generator';
import { escapeHtml, formatWhen, htmlDocument, type RenderedMail } from './templates';

/**
 * Appointment emails: the attending staff's calendar invitation (or cancellation) and reminder,
 * and the client's reminder. Staff emails carry the case reference only; the client's carries the
 * date, time, place and the agency's name, and nothing about the case.
 */

export interface AppointmentVersion {
  appointmentId: string;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  mode: 'in_person' | 'phone' | 'video';
  location: string;
}

export interface Person {
  name: string;
  email: string;
}

/** The UID every version of one appointment shares, so calendars update the one event. */
export const appointmentUid = (appointmentId: string, domain: string): string =>
  `appointment-${appointmentId}@${domain}`;

const MODE_WORDS: Record<AppointmentVersion['mode'], string> = {
  in_person: 'In person at',
  phone: 'By phone:',
  video: 'By video:',
};

export const whereWords = (a: Pick<AppointmentVersion, 'mode' | 'location'>): string =>
  `${MODE_WORDS[a.mode]} ${a.location}`;

const minutes = (a: AppointmentVersion): number =>
  Math.round((a.endsAt.getTime() - a.startsAt.getTime()) / 60_000);

/**
 * One VEVENT in UTC (DTSTART/DTEND with Z, which Outlook, Google and Apple all read), the
 * recipient as the one ATTENDEE, the organiser as whoever scheduled it. DTSTAMP is the moment the
 * workflow sent it, so a retried send renders the same bytes.
 */
export function appointmentIcs(input: {
  appointment: AppointmentVersion;
  method: 'REQUEST' | 'CANCEL';
  uidDomain: string;
  summary: string;
  description: string;
  organizer: Person;
  attendee: Person;
  stamp: Date;
}): string {
  const { appointment: a, method } = input;
  const cal = ical({
    prodId: { company: 'Caseloop', product: 'Caseloop', language: 'EN' },
    method: method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  cal.createEvent({
    id: appointmentUid(a.appointmentId, input.uidDomain),
    sequence: a.sequence,
    stamp: input.stamp,
    start: a.startsAt,
    end: a.endsAt,
    timezone: 'UTC',
    summary: input.summary,
    description: input.description,
    location: whereWords(a),
    status: method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: input.organizer.name, email: input.organizer.email },
    attendees: [
      {
        name: input.attendee.name,
        email: input.attendee.email,
        role: ICalAttendeeRole.REQ,
        status: ICalAttendeeStatus.NEEDSACTION,
        rsvp: method === 'REQUEST',
      },
    ],
  });
  return cal.toString();
}

/** The staff invitation, update or cancellation around the .ics. */
export function renderInvitationMail(input: {
  appointment: AppointmentVersion;
  method: 'REQUEST' | 'CANCEL';
  caseReference: string;
  recipientName: string;
  recipientTimeZone: string;
  caseUrl: string;
}): RenderedMail {
  const { appointment: a } = input;
  const when = formatWhen(a.startsAt, input.recipientTimeZone);
  const what =
    input.method === 'CANCEL' ? 'Cancelled' : a.sequence === 0 ? 'Appointment' : 'Appointment changed';
  const subject = `${what}: ${when} — case ${input.caseReference}`;
  const lines = [
    `Hello ${input.recipientName},`,
    '',
    input.method === 'CANCEL'
      ? `The appointment on case ${input.caseReference} at ${when} is cancelled, or you no longer attend it.`
      : `You attend an appointment with the client of case ${input.caseReference}.`,
    '',
    `When: ${when} (${minutes(a)} min)`,
    `Where: ${whereWords(a)}`,
    '',
    `The case: ${input.caseUrl}`,
    '',
    '— Caseloop',
  ];
  const text = lines.join('\n');
  return { subject, text, html: htmlDocument(subject, [`<pre>${escapeHtml(text)}</pre>`]) };
}

/** The attending staff member's reminder before the appointment. */
export function renderStaffReminderMail(input: {
  appointment: AppointmentVersion;
  caseReference: string;
  recipientName: string;
  recipientTimeZone: string;
  caseUrl: string;
}): RenderedMail {
  const { appointment: a } = input;
  const when = formatWhen(a.startsAt, input.recipientTimeZone);
  const subject = `Appointment reminder: ${when} — case ${input.caseReference}`;
  const text = [
    `Hello ${input.recipientName},`,
    '',
    `A reminder of your appointment with the client of case ${input.caseReference}.`,
    '',
    `When: ${when} (${minutes(a)} min)`,
    `Where: ${whereWords(a)}`,
    '',
    `Afterwards, record whether the client attended: ${input.caseUrl}`,
    '',
    '— Caseloop',
  ].join('\n');
  return { subject, text, html: htmlDocument(subject, [`<pre>${escapeHtml(text)}</pre>`]) };
}

/** The client's reminder: date, time, place and who it is with (the agency), nothing about the case. */
export function renderClientReminderMail(input: {
  appointment: AppointmentVersion;
  timeZone: string;
  agencyName: string;
}): RenderedMail {
  const { appointment: a } = input;
  const when = formatWhen(a.startsAt, input.timeZone);
  const subject = `Reminder: your appointment with ${input.agencyName}, ${when}`;
  const text = [
    'Hello,',
    '',
    `This is a reminder of your appointment with ${input.agencyName}.`,
    '',
    `When: ${when} (${minutes(a)} min)`,
    `Where: ${whereWords(a)}`,
    '',
    `If you cannot come, please contact ${input.agencyName}.`,
  ].join('\n');
  return { subject, text, html: htmlDocument(subject, [`<pre>${escapeHtml(text)}</pre>`]) };
}
