import type { Appointment } from '../../domain/appointments';
import type { Viewer } from './session';
import { html, type Fragment } from './template';
import { timeTag } from './time';

/** The case page's list of appointments, each linking to its page; and where to schedule one. */

const STATUS: Record<Appointment['status'], string> = {
  scheduled: 'Scheduled',
  attended: 'Attended',
  no_show: 'No-show',
  cancelled_by_client: 'Cancelled by the client',
  cancelled_by_agency: 'Cancelled by the agency',
};
const MODE: Record<Appointment['mode'], string> = { in_person: 'In person', phone: 'Phone', video: 'Video' };

export function appointmentsSection(
  caseId: string,
  appointments: Appointment[],
  viewer: Viewer,
  canSchedule: boolean,
): Fragment {
  const schedule = canSchedule
    ? html`<p>
        <a class="usa-button usa-button--outline" href="/cases/${caseId}/appointments/new"
          >Schedule an appointment</a
        >
      </p>`
    : '';
  if (appointments.length === 0)
    return html`<p>No appointments yet.</p>
      ${schedule}`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked">
      <caption class="usa-sr-only">
        Appointments, soonest first
      </caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">How</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        ${appointments.map(
          (a) =>
            html`<tr>
              <th scope="row" data-label="When">
                <a href="/cases/${caseId}/appointments/${a.id}">${timeTag(a.startsAt, viewer.timeZone)}</a>
              </th>
              <td data-label="How">${MODE[a.mode]} (${a.durationMinutes} min)</td>
              <td data-label="Status">${STATUS[a.status]}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${schedule}`;
}
