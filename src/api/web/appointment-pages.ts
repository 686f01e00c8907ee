import type { Router } from 'express';
import {
  cancelAppointment,
  getAppointment,
  recordAttendance,
  scheduleAppointment,
  changeAppointment,
  type Appointment,
} from '../../domain/appointments';
import { loadCase } from '../../domain/cases';
import { getStaff } from '../../domain/directory';
import { appointmentBody, attendanceBody, cancelBody } from '../routes/appointments';
import {
  caseFormPage,
  caseHead,
  casePath,
  changed,
  facts,
  given,
  longForm,
  parseWith,
  refusalOf,
  type CaseHead,
} from './case-forms';
import { checkbox, formValues, radios, textInput, type FieldErrors, type FormValues } from './forms';
import { csrfField } from './layout';
import { noticeFor } from './notices';
import { instantFromLocal, localInputValue } from './local-time';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';
import { assignableStaff } from '../../domain/tasks';

/** Appointments with the client: schedule one; on its page, record attendance or cancel it. */

const MODES = [
  { value: 'in_person', label: 'In person' },
  { value: 'phone', label: 'By phone' },
  { value: 'video', label: 'By video' },
];
const LABELS = {
  startsAt: 'When it starts',
  durationMinutes: 'How long (minutes)',
  mode: 'How',
  location: 'Where: the place, phone number or video link',
  attendeeIds: 'Who attends',
  attendance: 'Did the client attend?',
  by: 'Who cancelled',
};
const STATUS_WORDS: Record<Appointment['status'], string> = {
  scheduled: 'Scheduled',
  attended: 'Attended',
  no_show: 'The client did not come',
  cancelled_by_client: 'Cancelled by the client',
  cancelled_by_agency: 'Cancelled by the agency',
};

const appointmentPath = (caseId: string, id: string): string => `/cases/${caseId}/appointments/${id}`;

export function registerAppointmentPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  /**
   * Who may be ticked as attending: every active staff member who may see the case (its case
   * manager first, then its supervisor, its program's manager and admins), as tasks' assignees are.
   */
  const team = async (caseId: string, res: Parameters<typeof actorOf>[0]) => {
    const row = await loadCase(deps.pool, actorOf(res), caseId);
    const people = await assignableStaff(deps.pool, row);
    const rank = (id: string): number =>
      id === row.case_manager_id ? 0 : id === row.supervisor_id ? 1 : id === row.program_manager_id ? 2 : 3;
    const part = (id: string, role: string): string =>
      id === row.case_manager_id
        ? 'case manager'
        : id === row.supervisor_id
          ? 'supervisor'
          : id === row.program_manager_id
            ? 'program manager'
            : role.replace('_', ' ');
    return [...people]
      .sort((a, b) => rank(a.id) - rank(b.id))
      .map((p) => ({ name: `attend-${p.id}`, id: p.id, label: `${p.fullName} (${part(p.id, p.role)})` }));
  };

  /** The appointment form: a new one, or (`editing`) a change to one already scheduled. */
  const newPage = (
    viewer: Viewer,
    head: CaseHead,
    people: { name: string; id: string; label: string }[],
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
    editing?: string,
  ): string =>
    caseFormPage({
      viewer,
      head,
      title: editing ? 'Change the appointment' : 'Schedule an appointment',
      problem,
      errors,
      labels: LABELS,
      body: html`<p>
          ${
            editing
              ? 'Everyone attending gets the changed invitation by email; anyone no longer attending gets a cancellation.'
              : 'Everyone attending gets a calendar invitation by email, and a reminder the day before.'
          }
        </p>
        <form
          class="usa-form usa-form--large"
          method="post"
          action="${editing ? `${appointmentPath(head.id, editing)}/edit` : `/cases/${head.id}/appointments/new`}"
          novalidate
        >
          ${csrfField(viewer)}
          ${textInput({
            name: 'startsAt',
            type: 'datetime-local',
            label: LABELS.startsAt,
            hint: `Your time (${viewer.timeZone}).`,
            required: true,
            values,
            errors,
          })}
          ${textInput({
            name: 'durationMinutes',
            label: LABELS.durationMinutes,
            hint: 'From 5 to 720.',
            inputmode: 'numeric',
            required: true,
            values,
            errors,
          })}
          ${radios({ name: 'mode', label: LABELS.mode, required: true, values, errors, choices: MODES })}
          ${textInput({ name: 'location', label: LABELS.location, required: true, maxlength: 500, values, errors })}
          <div class="usa-form-group${errors?.attendeeIds ? ' usa-form-group--error' : ''}">
            <fieldset class="usa-fieldset" id="f-attendeeIds">
              <legend class="usa-legend">${LABELS.attendeeIds}</legend>
              ${
                errors?.attendeeIds
                  ? html`<span class="usa-error-message" id="f-attendeeIds-error"
                      >${errors.attendeeIds}</span
                    >`
                  : ''
              }
              ${people.map((p) => checkbox({ name: p.name, label: p.label, value: p.id, values }))}
            </fieldset>
          </div>
          <div class="cl-actions">
            <button class="usa-button" type="submit">
              ${editing ? 'Save the change' : 'Schedule appointment'}
            </button>
            <a
              class="usa-button usa-button--outline"
              href="${editing ? appointmentPath(head.id, editing) : casePath(head.id)}"
              >${editing ? 'Back to the appointment' : 'Cancel'}</a
            >
          </div>
        </form>`,
    });

  web.get('/cases/:caseId/appointments/new', mw.signedIn, async (req, res) => {
    const caseId = String(req.params.caseId);
    const head = await caseHead(deps, actorOf(res), caseId);
    const people = await team(caseId, res);
    sendPage(res, 200, newPage(viewerOf(res), head, people, { [people[0]!.name]: people[0]!.id }));
  });

  web.post('/cases/:caseId/appointments/new', longForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const caseId = String(req.params.caseId);
    const head = await caseHead(deps, actor, caseId);
    const people = await team(caseId, res);
    const values = formValues(req.body);
    const parsed = parseAppointmentForm(values, people, viewer);
    if (!parsed.ok) return sendPage(res, 400, newPage(viewer, head, people, values, parsed.errors));
    try {
      const result = await scheduleAppointment(deps, actor, head.id, parsed.data);
      changed(res, appointmentPath(head.id, result.id), result, 'appointment-scheduled');
    } catch (err) {
      const refusal = refusalOf(err, (field) =>
        field === 'startsAt' ? 'This is in the past. Enter when the appointment will start.' : undefined,
      );
      if (!refusal) throw err;
      sendPage(res, refusal.status, newPage(viewer, head, people, values, refusal.errors, refusal.problem));
    }
  });

  const editable = async (req: { params: Record<string, unknown> }, res: Parameters<typeof actorOf>[0]) => {
    const { head, a } = await loadShown(req, res);
    return { head, a, people: await team(head.id, res) };
  };

  web.get('/cases/:caseId/appointments/:appointmentId/edit', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const { head, a, people } = await editable(req, res);
    if (a.status !== 'scheduled') return res.redirect(303, appointmentPath(head.id, a.id));
    const values: FormValues = {
      startsAt: localInputValue(new Date(a.startsAt), viewer.timeZone),
      durationMinutes: String(a.durationMinutes),
      mode: a.mode,
      location: a.location,
    };
    for (const p of people) if (a.attendeeIds.includes(p.id)) values[p.name] = p.id;
    sendPage(res, 200, newPage(viewer, head, people, values, undefined, undefined, a.id));
  });

  web.post(
    '/cases/:caseId/appointments/:appointmentId/edit',
    longForm,
    mw.signedIn,
    mw.csrf,
    async (req, res) => {
      const viewer = viewerOf(res);
      const { head, a, people } = await editable(req, res);
      const values = formValues(req.body);
      const parsed = parseAppointmentForm(values, people, viewer);
      if (!parsed.ok)
        return sendPage(res, 400, newPage(viewer, head, people, values, parsed.errors, undefined, a.id));
      try {
        const result = await changeAppointment(deps, actorOf(res), head.id, a.id, parsed.data);
        changed(res, appointmentPath(head.id, a.id), result, 'appointment-changed');
      } catch (err) {
        const refusal = refusalOf(err, (field) =>
          field === 'startsAt' ? 'This is in the past. Enter when the appointment will start.' : undefined,
        );
        if (!refusal) throw err;
        sendPage(
          res,
          refusal.status,
          newPage(viewer, head, people, values, refusal.errors, refusal.problem, a.id),
        );
      }
    },
  );

  const showPage = (
    viewer: Viewer,
    head: CaseHead,
    a: Appointment,
    attendees: string[],
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
    notice?: string,
  ): string => {
    const base = appointmentPath(head.id, a.id);
    const open = a.status === 'scheduled';
    const forms: SafeHtml = open
      ? html`<p><a class="usa-button usa-button--outline" href="${base}/edit">Change the appointment</a></p>
          <h2 id="attendance">Record attendance</h2>
          <form class="usa-form usa-form--large" method="post" action="${base}/attendance" novalidate>
            ${csrfField(viewer)}
            ${radios({
              name: 'attendance',
              label: LABELS.attendance,
              required: true,
              values,
              errors,
              choices: [
                { value: 'attended', label: 'Yes, the client attended' },
                { value: 'no_show', label: 'No, the client did not come' },
              ],
            })}
            <button class="usa-button" type="submit">Record attendance</button>
          </form>
          <h2 id="cancel">Cancel the appointment</h2>
          <form class="usa-form usa-form--large" method="post" action="${base}/cancel" novalidate>
            ${csrfField(viewer)}
            ${radios({
              name: 'by',
              label: LABELS.by,
              required: true,
              values,
              errors,
              choices: [
                { value: 'client', label: 'The client' },
                { value: 'agency', label: 'We did' },
              ],
            })}
            <button class="usa-button usa-button--secondary" type="submit">Cancel appointment</button>
          </form>`
      : html``;
    return caseFormPage({
      viewer,
      head,
      title: 'Appointment',
      problem,
      notice,
      errors,
      labels: LABELS,
      body: html`${facts([
        ['When', html`${timeTag(a.startsAt, viewer.timeZone)} (${a.durationMinutes} min)`],
        ['How', MODES.find((m) => m.value === a.mode)?.label ?? a.mode],
        ['Where', a.location],
        ['Who attends', attendees.join(', ')],
        ['Status', STATUS_WORDS[a.status]],
      ])}
      ${forms}`,
    });
  };

  const loadShown = async (req: { params: Record<string, unknown> }, res: Parameters<typeof actorOf>[0]) => {
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const a = await getAppointment(deps.pool, actor, head.id, String(req.params.appointmentId));
    const attendees = await Promise.all(
      a.attendeeIds.map(async (id) => (await getStaff(deps.pool, id)).fullName),
    );
    return { head, a, attendees };
  };

  web.get('/cases/:caseId/appointments/:appointmentId', mw.signedIn, async (req, res) => {
    const { head, a, attendees } = await loadShown(req, res);
    sendPage(
      res,
      200,
      showPage(viewerOf(res), head, a, attendees, {}, undefined, undefined, noticeFor(req.query.notice)),
    );
  });
  // Where attendance reminders link: the appointment's page, at its attendance form.
  web.get('/cases/:caseId/appointments/:appointmentId/attendance', mw.signedIn, (req, res) => {
    res.redirect(
      303,
      `${appointmentPath(String(req.params.caseId), String(req.params.appointmentId))}#attendance`,
    );
  });

  const act =
    (what: 'attendance' | 'cancel') =>
    async (req: Parameters<Parameters<Router['post']>[1]>[0], res: Parameters<typeof actorOf>[0]) => {
      const viewer = viewerOf(res);
      const actor = actorOf(res);
      const { head, a, attendees } = await loadShown(req, res);
      const values = formValues(req.body);
      const parsed =
        what === 'attendance'
          ? parseWith(
              attendanceBody,
              { attendance: given(values, 'attendance') || undefined },
              {
                labels: LABELS,
                missing: { attendance: 'Choose whether the client attended.' },
              },
            )
          : parseWith(
              cancelBody,
              { by: given(values, 'by') || undefined },
              {
                labels: LABELS,
                missing: { by: 'Choose who cancelled.' },
              },
            );
      if (!parsed.ok) return sendPage(res, 400, showPage(viewer, head, a, attendees, values, parsed.errors));
      try {
        const result =
          what === 'attendance'
            ? await recordAttendance(
                deps,
                actor,
                head.id,
                a.id,
                parsed.data as { attendance: 'attended' | 'no_show' },
              )
            : await cancelAppointment(deps, actor, head.id, a.id, parsed.data as { by: 'client' | 'agency' });
        changed(
          res,
          appointmentPath(head.id, a.id),
          result,
          what === 'attendance' ? 'attendance-recorded' : 'appointment-cancelled',
        );
      } catch (err) {
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        sendPage(
          res,
          refusal.status,
          showPage(viewer, head, a, attendees, values, refusal.errors, refusal.problem),
        );
      }
    };
  web.post(
    '/cases/:caseId/appointments/:appointmentId/attendance',
    longForm,
    mw.signedIn,
    mw.csrf,
    act('attendance'),
  );
  web.post(
    '/cases/:caseId/appointments/:appointmentId/cancel',
    longForm,
    mw.signedIn,
    mw.csrf,
    act('cancel'),
  );
}

/** The appointment form's fields as the API's body, with errors worded for the form. */
function parseAppointmentForm(
  values: FormValues,
  people: { name: string; id: string }[],
  viewer: Viewer,
): ReturnType<typeof parseWith<typeof appointmentBody>> {
  const startsAt = given(values, 'startsAt');
  const minutes = given(values, 'durationMinutes');
  const parsed = parseWith(
    appointmentBody,
    {
      startsAt: startsAt ? (instantFromLocal(startsAt, viewer.timeZone) ?? startsAt) : undefined,
      durationMinutes: /^\d{1,4}$/.test(minutes.trim()) ? Number(minutes) : minutes || undefined,
      mode: given(values, 'mode') || undefined,
      location: given(values, 'location'),
      attendeeIds: people.filter((p) => values[p.name] === p.id).map((p) => p.id),
    },
    {
      labels: LABELS,
      missing: {
        startsAt: 'Enter when it starts.',
        durationMinutes: 'Enter how long it lasts, in minutes.',
        mode: 'Choose how it takes place.',
        location: 'Enter the place, phone number or video link.',
      },
    },
  );
  if (!parsed.ok) {
    if (parsed.errors.startsAt) parsed.errors.startsAt = 'Enter a real date and time.';
    if (parsed.errors.durationMinutes)
      parsed.errors.durationMinutes = 'Enter a whole number of minutes from 5 to 720.';
    if (parsed.errors.attendeeIds) parsed.errors.attendeeIds = 'Choose at least one person who attends.';
  }
  return parsed;
}
