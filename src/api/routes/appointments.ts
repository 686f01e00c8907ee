import { z } from 'zod';
import {
  cancelAppointment,
  changeAppointment,
  getAppointment,
  listAppointments,
  recordAttendance,
  scheduleAppointment,
} from '../../domain/appointments';
import type { CaseDeps } from '../../domain/cases';
import type { ApiRouter } from '../route';
import { isoDateTime, text, trimmed, uuid } from '../schemas';

const mode = z.enum(['in_person', 'phone', 'video']);
const durationMinutes = z.number().int().min(5).max(720);
const attendeeIds = z.array(uuid).min(1).max(10);

/** The request bodies, exported so the staff pages parse forms with exactly the API's rules. */
export const appointmentBody = z
  .strictObject({
    startsAt: isoDateTime,
    durationMinutes,
    mode,
    location: text(500),
    attendeeIds,
  })
  .meta({ id: 'AppointmentInput' });
export const appointmentChangeBody = z
  .strictObject({
    startsAt: isoDateTime.optional(),
    durationMinutes: durationMinutes.optional(),
    mode: mode.optional(),
    location: text(500).optional(),
    attendeeIds: attendeeIds.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'must change something' })
  .meta({ id: 'AppointmentChange', minProperties: 1 });
export const cancelBody = z
  .strictObject({ by: z.enum(['client', 'agency']), note: trimmed(2000).optional() })
  .meta({ id: 'AppointmentCancellation' });
export const attendanceBody = z
  .strictObject({ attendance: z.enum(['attended', 'no_show']), note: trimmed(2000).optional() })
  .meta({ id: 'AttendanceInput' });

const appointment = z
  .object({
    id: uuid,
    caseId: uuid,
    startsAt: z.string(),
    endsAt: z.string(),
    durationMinutes: z.number().int(),
    mode,
    location: z.string(),
    attendeeIds: z.array(uuid),
    sequence: z.number().int(),
    status: z.enum(['scheduled', 'attended', 'no_show', 'cancelled_by_client', 'cancelled_by_agency']),
  })
  .passthrough()
  .meta({ id: 'Appointment' });

const caseParams = z.strictObject({ caseId: uuid });
const appointmentParams = z.strictObject({ caseId: uuid, appointmentId: uuid });

export function registerAppointmentRoutes(api: ApiRouter, deps: CaseDeps): void {
  api.add({
    method: 'post',
    path: '/cases/:caseId/appointments',
    changesCase: true,
    operationId: 'scheduleAppointment',
    description:
      'Schedules an appointment with the client: start, duration (5–720 minutes), in person, by phone or by video with the place, number or link, and the staff attending (active staff members, each once; otherwise 422). Each attendee is emailed an iCalendar invitation (METHOD:REQUEST), reminded before it (policy appointmentReminderBefore) and the case manager owes its attendance after it. A start more than a day in the past is 422. Whoever may change the case may call it.',
    summary: 'Schedule an appointment with the client (attendees get a calendar invitation)',
    tag: 'appointments',
    params: caseParams,
    body: appointmentBody,
    responses: { 201: { description: 'Scheduled', schema: appointment } },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await scheduleAppointment(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/appointments',
    operationId: 'listAppointments',
    description: "The case's appointments, soonest first, whatever their status. Audited.",
    summary: 'The case’s appointments',
    tag: 'appointments',
    params: caseParams,
    responses: { 200: { description: 'Appointments', schema: z.object({ items: z.array(appointment) }) } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await listAppointments(deps.pool, actor, params.caseId) },
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/appointments/:appointmentId',
    operationId: 'getAppointment',
    description: 'One appointment of the case. Audited.',
    summary: 'One appointment',
    tag: 'appointments',
    params: appointmentParams,
    responses: { 200: { description: 'The appointment', schema: appointment } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: await getAppointment(deps.pool, actor, params.caseId, params.appointmentId),
    }),
  });
  api.add({
    method: 'patch',
    path: '/cases/:caseId/appointments/:appointmentId',
    changesCase: true,
    operationId: 'changeAppointment',
    description:
      'Changes the time, duration, place or attendees of a scheduled appointment: its SEQUENCE goes up by one, attendees get the updated invitation and anyone dropped a cancellation. An appointment already cancelled or recorded is 409.',
    summary: 'Change a scheduled appointment (updated invitations go out)',
    tag: 'appointments',
    params: appointmentParams,
    body: appointmentChangeBody,
    responses: { 200: { description: 'Changed', schema: appointment } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await changeAppointment(deps, actor, params.caseId, params.appointmentId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/appointments/:appointmentId/cancel',
    changesCase: true,
    operationId: 'cancelAppointment',
    description:
      'Cancels a scheduled appointment, by the client or by the agency: attendees get METHOD:CANCEL, its reminders and attendance stop. An appointment already cancelled or recorded is 409.',
    summary: 'Cancel an appointment (attendees get a calendar cancellation)',
    tag: 'appointments',
    params: appointmentParams,
    body: cancelBody,
    responses: { 200: { description: 'Cancelled', schema: appointment } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await cancelAppointment(deps, actor, params.caseId, params.appointmentId, body),
    }),
  });
  api.add({
    method: 'post',
    path: '/cases/:caseId/appointments/:appointmentId/attendance',
    changesCase: true,
    operationId: 'recordAttendance',
    description:
      'Records whether the client attended, once the appointment has started (before: 422; already recorded or cancelled: 409). A no-show opens the re-engagement of the client (policy reEngagementDue), met by a contact or progress note or an attended appointment.',
    summary: 'Record attendance: attended or no-show',
    tag: 'appointments',
    params: appointmentParams,
    body: attendanceBody,
    responses: { 200: { description: 'Recorded', schema: appointment } },
    handler: async ({ params, body, actor }) => ({
      status: 200,
      body: await recordAttendance(deps, actor, params.caseId, params.appointmentId, body),
    }),
  });
}
