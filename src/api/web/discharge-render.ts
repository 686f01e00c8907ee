import { GOAL_OUTCOME_LABELS, REFERRAL_OUTCOME_LABELS } from '../../core/discharge-outcomes';
import type { DischargeSummary } from '../../domain/discharge';
import { domainName } from './assessment-pages';
import { humanStatus } from './html';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';

/**
 * A discharge summary as the supervisor reviews it and the episode page prints it: the reason,
 * each goal and referral with its outcome, the narrative, recommendations and follow-up. An
 * episode closed before summaries were structured shows its free text.
 */

export interface DischargeView {
  reason: string | null;
  /** The narrative: services provided and the client's situation at discharge. */
  summary: string | null;
  discharge: DischargeSummary | null;
}

function goalsTable(d: DischargeSummary): SafeHtml {
  if (d.goals.length === 0) return html`<p>This episode had no service plan with goals.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table cl-discharge-table">
    <caption class="usa-sr-only">
      Each goal of the plan${d.plan ? ` (version ${d.plan.version})` : ''} and its outcome
    </caption>
    <thead>
      <tr>
        <th scope="col">Goal</th>
        <th scope="col">Target date</th>
        <th scope="col">Outcome</th>
        <th scope="col">Note</th>
      </tr>
    </thead>
    <tbody>
      ${d.goals.map(
        (g) =>
          html`<tr>
            <th scope="row" data-label="Goal">
              ${g.description}<br /><span class="cl-muted">${domainName(g.domain)}</span>
            </th>
            <td data-label="Target date">${dayText(g.targetDate)}</td>
            <td data-label="Outcome">
              <strong>${GOAL_OUTCOME_LABELS[g.outcome]}</strong>${
                g.outcome !== g.recordedStatus
                  ? html`<br /><span class="cl-muted"
                        >Recorded progress: ${humanStatus(g.recordedStatus)}</span
                      >`
                  : ''
              }
            </td>
            <td data-label="Note">${g.note || html`<span class="cl-muted">—</span>`}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function referralsTable(d: DischargeSummary): SafeHtml {
  if (d.referrals.length === 0) return html`<p>No referrals were made in this episode.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table cl-discharge-table">
    <caption class="usa-sr-only">
      Each referral of the episode and its outcome
    </caption>
    <thead>
      <tr>
        <th scope="col">Referral</th>
        <th scope="col">Outcome</th>
        <th scope="col">Note</th>
      </tr>
    </thead>
    <tbody>
      ${d.referrals.map(
        (r) =>
          html`<tr>
            <th scope="row" data-label="Referral">
              ${r.service}<br /><span class="cl-muted">${r.provider}</span>
            </th>
            <td data-label="Outcome"><strong>${REFERRAL_OUTCOME_LABELS[r.outcome]}</strong></td>
            <td data-label="Note">${r.note || html`<span class="cl-muted">—</span>`}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** "Mon 30 Jun 2099": a calendar date read the same wherever the reader is. */
export function dayText(day: string): SafeHtml {
  return timeTag(`${day}T12:00:00Z`, 'UTC', false);
}

/** The summary's sections, each under its own second-level heading. */
export function dischargeSections(view: DischargeView): SafeHtml {
  const reason = html`<section class="cl-discharge-part">
    <h2>Reason for closing</h2>
    <p>${view.reason || 'Not recorded'}</p>
  </section>`;
  const d = view.discharge;
  if (!d)
    return html`${reason}
      <section class="cl-discharge-part">
        <h2>Discharge summary</h2>
        <p class="cl-text">${view.summary || 'No summary was recorded.'}</p>
        <p class="cl-muted">Written before discharge summaries listed each goal and referral.</p>
      </section>`;
  return html`${reason}
    <section class="cl-discharge-part">
      <h2>Goals and outcomes</h2>
      ${goalsTable(d)}
    </section>
    <section class="cl-discharge-part">
      <h2>Referrals and outcomes</h2>
      ${referralsTable(d)}
    </section>
    <section class="cl-discharge-part">
      <h2>Services provided and the client’s situation</h2>
      <p class="cl-text">${view.summary || 'Not recorded'}</p>
    </section>
    <section class="cl-discharge-part">
      <h2>Recommendations</h2>
      <p class="cl-text">${d.recommendations || 'None'}</p>
    </section>
    <section class="cl-discharge-part">
      <h2>Follow-up</h2>
      ${
        d.followUp
          ? html`<p class="cl-text">${d.followUp.what}</p>
              ${d.followUp.by ? html`<p>By ${dayText(d.followUp.by)}</p>` : ''}`
          : html`<p>None planned.</p>`
      }
    </section>`;
}
