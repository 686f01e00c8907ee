import type { Router } from 'express';
import { AppError, ForbiddenError } from '../../core/errors';
import { durationInWords, fromWords, toWords, unitName } from '../../core/duration-words';
import { APPOINTMENT_POLICY_DEFAULTS, type ProgramPolicy } from '../../core/policy';
import { canManageProgram } from '../../domain/access';
import {
  changePolicy,
  getProgram,
  listPolicyVersions,
  updateProgram,
  type Program,
  type PolicyVersion,
} from '../../domain/directory';
import {
  previewPolicy,
  proposalProblems,
  type DueMove,
  type PolicyPreview,
  type PolicyUnderTest,
} from '../../domain/policy-preview';
import { TIME_ZONES } from '../schemas';
import { longForm } from './case-forms';
import {
  checkbox,
  errorSummary,
  fieldId,
  formValues,
  select,
  textArea,
  textInput,
  type FieldErrors,
  type FormValues,
} from './forms';
import { csrfField, renderPage } from './layout';
import { noticeFor } from './notices';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';

/**
 * A program's policy as a form its manager can read: every duration in words (a number and a
 * unit, ISO-8601 underneath), the ladder, the program's time zone and holidays. "Preview" shows
 * what the change would do to the running cases (nothing saved); "Save" records a new version with
 * who and why. The history lists every version and what it changed, field by field.
 */

interface DurationField {
  /** The form's name for it (`reassessmentEvery-high`); its inputs are `<name>-amount` and `<name>-unit`. */
  name: string;
  /** Where it sits in the policy (`reassessmentEvery.high`), as the domain names problems. */
  path: string;
  label: string;
  hint: string;
  /** Whole days (and weeks) count business days under this rule. */
  businessDays?: boolean;
}

const DURATIONS: readonly DurationField[] = [
  {
    name: 'initialAssessmentDue',
    path: 'initialAssessmentDue',
    label: 'Initial assessment due',
    hint: 'After intake.',
  },
  {
    name: 'servicePlanDue',
    path: 'servicePlanDue',
    label: 'Service plan due',
    hint: 'After the initial assessment, or after a plan is returned.',
  },
  {
    name: 'planApprovalDue',
    path: 'planApprovalDue',
    label: 'Plan approval due',
    hint: 'After the plan is submitted. Days count business days.',
    businessDays: true,
  },
  {
    name: 'reassessmentEvery-high',
    path: 'reassessmentEvery.high',
    label: 'Reassessment, high risk',
    hint: 'After each assessment.',
  },
  {
    name: 'reassessmentEvery-medium',
    path: 'reassessmentEvery.medium',
    label: 'Reassessment, medium risk',
    hint: 'After each assessment.',
  },
  {
    name: 'reassessmentEvery-low',
    path: 'reassessmentEvery.low',
    label: 'Reassessment, low risk',
    hint: 'After each assessment.',
  },
  {
    name: 'referralResponseDue',
    path: 'referralResponseDue',
    label: 'Provider’s answer to a referral due',
    hint: 'After the referral is sent.',
  },
  {
    name: 'referralOutcomeEscalateAfter',
    path: 'referralOutcomeEscalateAfter',
    label: 'Referral outcome due',
    hint: 'After the referral is accepted; escalated to the supervisor when it passes.',
  },
  {
    name: 'stalledPlanAfter',
    path: 'stalledPlanAfter',
    label: 'Plan activity expected within',
    hint: 'Without progress, a note or a referral update, the plan counts as stalled.',
  },
  {
    name: 'closureApprovalDue',
    path: 'closureApprovalDue',
    label: 'Closure approval due',
    hint: 'After closure is requested. Days count business days.',
    businessDays: true,
  },
  {
    name: 'ladder-headsUpBefore',
    path: 'ladder.headsUpBefore',
    label: 'Heads-up before the due time',
    hint: 'Zero sends no separate heads-up.',
  },
  {
    name: 'ladder-overdueEvery',
    path: 'ladder.overdueEvery',
    label: 'Overdue reminder every',
    hint: 'At least one minute.',
  },
  {
    name: 'ladder-escalateToSupervisorAfter',
    path: 'ladder.escalateToSupervisorAfter',
    label: 'Escalate to the supervisor once overdue by',
    hint: 'Zero escalates the moment it is due.',
  },
  {
    name: 'ladder-escalateToProgramManagerAfter',
    path: 'ladder.escalateToProgramManagerAfter',
    label: 'Escalate to the program manager if not acknowledged within',
    hint: 'After the supervisor’s escalation. Days count business days.',
    businessDays: true,
  },
  {
    name: 'appointmentReminderBefore',
    path: 'appointmentReminderBefore',
    label: 'Appointment reminder before the start',
    hint: 'To each staff member attending (and the client, where allowed and consented).',
  },
  {
    name: 'attendanceRecordDue',
    path: 'attendanceRecordDue',
    label: 'Attendance due',
    hint: 'After the appointment ends; the case manager is reminded until it is recorded.',
  },
  {
    name: 'reEngagementDue',
    path: 'reEngagementDue',
    label: 'Contact after a missed appointment due',
    hint: 'After a no-show is recorded; climbs the ladder like other work.',
  },
];

const FLAGS = [
  {
    name: 'referralProviderFollowUp',
    label: 'Email the provider too when a referral’s answer is overdue',
  },
  { name: 'urgent', label: 'Urgent program: reminders may go out outside working hours' },
  {
    name: 'allowClientNamesInEmail',
    label: 'Client names may appear in emails (otherwise a case reference and initials)',
  },
  {
    name: 'clientAppointmentReminders',
    label: 'Remind clients of appointments by email (only those who consented to email reminders)',
  },
] as const;

const OTHER_LABELS: Record<string, string> = {
  'ladder-overdueRepeatLimit': 'Overdue reminders at most',
  timeZone: 'Time zone',
  holidays: 'Holidays',
  reason: 'Why',
};

/** Every field's label by the name its error is kept under (durations: their amount input). */
const LABELS: Record<string, string> = {
  ...Object.fromEntries(DURATIONS.map((d) => [`${d.name}-amount`, d.label])),
  ...OTHER_LABELS,
};

/** A policy stored before a field existed reads its default (the appointment fields). */
const pick = (policy: ProgramPolicy, path: string): string =>
  (path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], policy) ??
    (APPOINTMENT_POLICY_DEFAULTS as Record<string, unknown>)[path]) as string;

/** The form's values for a policy and calendar: durations in words. */
export function valuesOf(policy: ProgramPolicy, program: Pick<Program, 'timeZone' | 'holidays'>): FormValues {
  const values: FormValues = {};
  for (const d of DURATIONS) {
    const w = toWords(pick(policy, d.path));
    values[`${d.name}-amount`] = w.amount;
    values[`${d.name}-unit`] = w.unit;
  }
  values['ladder-overdueRepeatLimit'] = String(policy.ladder.overdueRepeatLimit);
  for (const f of FLAGS) if (policy[f.name]) values[f.name] = 'yes';
  values.timeZone = program.timeZone;
  values.holidays = program.holidays.join('\n');
  return values;
}

type ParsedForm =
  { ok: true; proposed: PolicyUnderTest; reason: string } | { ok: false; errors: FieldErrors };

/** What the form says, as a policy and calendar; every field that makes no sense named. */
export function parsePolicyForm(values: FormValues): ParsedForm {
  const errors: FieldErrors = {};
  const durations: Record<string, string> = {};
  for (const d of DURATIONS) {
    const got = fromWords(values[`${d.name}-amount`] ?? '', values[`${d.name}-unit`] ?? '');
    if (got.ok) durations[d.path] = got.iso;
    else errors[`${d.name}-amount`] = `${d.label} ${got.reason}.`;
  }
  const repeats = (values['ladder-overdueRepeatLimit'] ?? '').trim();
  if (!/^\d{1,2}$/.test(repeats) || Number(repeats) > 50)
    errors['ladder-overdueRepeatLimit'] = 'Overdue reminders at most must be a whole number from 0 to 50.';
  const timeZone = values.timeZone ?? '';
  if (!TIME_ZONES.includes(timeZone)) errors.timeZone = 'Choose the program’s time zone from the list.';
  const holidays = [
    ...new Set(
      (values.holidays ?? '')
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const wrong = holidays.find((h) => !realDate(h));
  if (wrong !== undefined)
    errors.holidays = `${wrong.slice(0, 40)} is not a date: write one date per line, like 2027-01-01.`;
  else if (holidays.length > 400) errors.holidays = 'At most 400 holidays.';
  if (Object.keys(errors).length) return { ok: false, errors };
  const d = (path: string): string => durations[path]!;
  const policy: ProgramPolicy = {
    initialAssessmentDue: d('initialAssessmentDue'),
    servicePlanDue: d('servicePlanDue'),
    planApprovalDue: d('planApprovalDue'),
    reassessmentEvery: {
      high: d('reassessmentEvery.high'),
      medium: d('reassessmentEvery.medium'),
      low: d('reassessmentEvery.low'),
    },
    referralResponseDue: d('referralResponseDue'),
    referralOutcomeEscalateAfter: d('referralOutcomeEscalateAfter'),
    referralProviderFollowUp: Boolean(values.referralProviderFollowUp),
    stalledPlanAfter: d('stalledPlanAfter'),
    closureApprovalDue: d('closureApprovalDue'),
    ladder: {
      headsUpBefore: d('ladder.headsUpBefore'),
      overdueEvery: d('ladder.overdueEvery'),
      overdueRepeatLimit: Number(repeats),
      escalateToSupervisorAfter: d('ladder.escalateToSupervisorAfter'),
      escalateToProgramManagerAfter: d('ladder.escalateToProgramManagerAfter'),
    },
    urgent: Boolean(values.urgent),
    allowClientNamesInEmail: Boolean(values.allowClientNamesInEmail),
    appointmentReminderBefore: d('appointmentReminderBefore'),
    attendanceRecordDue: d('attendanceRecordDue'),
    reEngagementDue: d('reEngagementDue'),
    clientAppointmentReminders: Boolean(values.clientAppointmentReminders),
  };
  const proposed = { policy, calendar: { timeZone, holidays: holidays.sort() } };
  // The domain's own checks (zero intervals, beyond ten years...), each put next to its field.
  const problems = proposalProblems(proposed);
  if (problems.length) return { ok: false, errors: fieldErrorsOf(problems) };
  return { ok: true, proposed, reason: (values.reason ?? '').trim() };
}

const realDate = (text: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
};

/** Domain problems (`body.ladder.overdueEvery`) as errors next to the form's fields, in words. */
function fieldErrorsOf(problems: readonly { field: string; reason: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const p of problems) {
    const path = p.field.replace(/^body\./, '');
    const duration = DURATIONS.find((d) => d.path === path);
    const name = duration ? `${duration.name}-amount` : path.split('.').join('-');
    const label = LABELS[name] ?? 'This value';
    const reason = /ten years/.test(p.reason)
      ? 'must be ten years or less'
      : /one minute/.test(p.reason)
        ? 'must be at least one minute'
        : p.reason;
    errors[name] ??= `${label} ${reason}.`;
  }
  return errors;
}

const UNIT_CHOICES = (businessDays: boolean): { value: string; label: string }[] => [
  ...(['minutes', 'hours', 'days', 'weeks', 'months', 'years'] as const).map((u) => ({
    value: u,
    label: unitName(u, 2, businessDays),
  })),
  { value: 'iso', label: 'other (ISO-8601, like P1DT12H)' },
];

/** One duration: a number and a unit side by side, in a fieldset named by the rule. */
function durationControl(
  d: DurationField,
  values: FormValues,
  errors: FieldErrors,
  current: string,
): SafeHtml {
  const id = fieldId(`${d.name}-amount`);
  const error = errors[`${d.name}-amount`];
  const unitId = fieldId(`${d.name}-unit`);
  const unit = values[`${d.name}-unit`] ?? '';
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="usa-form-group${error ? ' usa-form-group--error' : ''}">
    <fieldset class="usa-fieldset" aria-describedby="${describedBy}">
      <legend class="usa-legend${error ? ' usa-label--error' : ''}">${d.label}</legend>
      <div class="usa-hint" id="${id}-hint">
        ${d.hint} Now: ${durationInWords(current, { businessDays: d.businessDays ?? false })}.
      </div>
      ${error ? html`<span class="usa-error-message" id="${id}-error">${error}</span>` : ''}
      <div class="cl-duration">
        <div>
          <label class="usa-label" for="${id}">Number</label>
          <input
            class="usa-input${error ? ' usa-input--error' : ''}"
            id="${id}"
            name="${d.name}-amount"
            type="text"
            ${unit === 'iso' ? '' : html` inputmode="numeric"`}
            value="${values[`${d.name}-amount`] ?? ''}"
            ${error ? html` aria-invalid="true"` : ''}
          />
        </div>
        <div>
          <label class="usa-label" for="${unitId}">Unit</label>
          <select class="usa-select" id="${unitId}" name="${d.name}-unit">
            ${UNIT_CHOICES(d.businessDays ?? false).map(
              (c) =>
                html`<option value="${c.value}" ${c.value === unit ? html` selected` : ''}>
                  ${c.label}
                </option>`,
            )}
          </select>
        </div>
      </div>
    </fieldset>
  </div>`;
}

const DAY = 86_400_000;

/** "3 days earlier", "2 days 4 hours later". */
export function moveInWords(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  const days = Math.floor(abs / DAY);
  const hours = Math.floor((abs % DAY) / 3_600_000);
  const minutes = Math.round((abs % 3_600_000) / 60_000);
  const parts = [
    days ? `${days} ${days === 1 ? 'day' : 'days'}` : '',
    hours ? `${hours} ${hours === 1 ? 'hour' : 'hours'}` : '',
    minutes && !days ? `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}` : '',
  ].filter(Boolean);
  return `${parts.join(' ') || 'under a minute'} ${deltaMs < 0 ? 'earlier' : 'later'}`;
}

const MOVES_SHOWN = 50;

function previewSection(preview: PolicyPreview, viewer: Viewer): SafeHtml {
  const { totals, nextDays } = preview;
  const moved = totals.earlier + totals.later;
  return html`<section class="cl-section" aria-labelledby="preview-heading" id="preview">
    <h2 id="preview-heading">What this change would do</h2>
    <p>
      Compared on ${preview.casesCompared} running ${preview.casesCompared === 1 ? 'case' : 'cases'}
      (${preview.obligations} open ${preview.obligations === 1 ? 'obligation' : 'obligations'}), as of
      ${timeTag(preview.at, viewer.timeZone)}. Nothing has been saved yet.
    </p>
    ${
      preview.casesNotYetKnown
        ? html`<p class="cl-muted" id="preview-unknown">
            ${preview.casesNotYetKnown} ${preview.casesNotYetKnown === 1 ? 'case is' : 'cases are'} not yet
            known; ${preview.casesNotYetKnown === 1 ? 'it shows' : 'they show'} after
            ${preview.casesNotYetKnown === 1 ? 'its' : 'their'} next change.
          </p>`
        : ''
    }
    <dl class="cl-facts" id="preview-totals">
      <div>
        <dt>Due earlier</dt>
        <dd>${totals.earlier}</dd>
      </div>
      <div>
        <dt>Due later</dt>
        <dd>${totals.later}</dd>
      </div>
      <div>
        <dt>Unchanged</dt>
        <dd>${totals.unchanged}</dd>
      </div>
      <div>
        <dt>Overdue at once</dt>
        <dd>${totals.newlyOverdue}</dd>
      </div>
    </dl>
    <table class="usa-table usa-table--borderless usa-table--stacked" id="preview-next-days">
      <caption>
        Emails in the next ${preview.horizonDays} days
      </caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Current policy</th>
          <th scope="col">Proposed policy</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row" data-label="Kind">Reminders</th>
          <td data-label="Current policy">${nextDays.current.reminders}</td>
          <td data-label="Proposed policy">${nextDays.proposed.reminders}</td>
        </tr>
        <tr>
          <th scope="row" data-label="Kind">Escalations</th>
          <td data-label="Current policy">${nextDays.current.escalations}</td>
          <td data-label="Proposed policy">${nextDays.proposed.escalations}</td>
        </tr>
      </tbody>
    </table>
    ${
      moved === 0
        ? html`<p id="preview-moves">No due date moves.</p>`
        : html`<table class="usa-table usa-table--borderless usa-table--stacked" id="preview-moves">
            <caption>
              Due dates that move${moved > MOVES_SHOWN ? ` (the ${MOVES_SHOWN} largest of ${moved})` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Case</th>
                <th scope="col">What is due</th>
                <th scope="col">Due now</th>
                <th scope="col">Would be due</th>
                <th scope="col">Moves</th>
              </tr>
            </thead>
            <tbody>
              ${preview.moves.slice(0, MOVES_SHOWN).map((m) => moveRow(m, viewer))}
            </tbody>
          </table>`
    }
  </section>`;
}

function moveRow(m: DueMove, viewer: Viewer): SafeHtml {
  return html`<tr>
    <th scope="row" data-label="Case"><a href="/cases/${m.caseId}#due">${m.caseReference}</a></th>
    <td data-label="What is due">${m.kindLabel}</td>
    <td data-label="Due now">${timeTag(m.oldDueAt, viewer.timeZone)}</td>
    <td data-label="Would be due">
      ${timeTag(m.newDueAt, viewer.timeZone)}${
        m.newlyOverdue ? html` <span class="cl-badge cl-badge--overdue">overdue at once</span>` : ''
      }
    </td>
    <td data-label="Moves">${moveInWords(m.deltaMs)}</td>
  </tr>`;
}

interface FormPage {
  viewer: Viewer;
  program: Program;
  values: FormValues;
  errors?: FieldErrors | undefined;
  problem?: string | undefined;
  notice?: string | undefined;
  preview?: PolicyPreview | undefined;
}

function policyPage(p: FormPage): string {
  const errors = p.errors ?? {};
  const { viewer, program, values } = p;
  const base = `/programs/${program.id}/policy`;
  const durations = (names: readonly string[]): SafeHtml[] =>
    DURATIONS.filter((d) => names.includes(d.name)).map((d) =>
      durationControl(d, values, errors, pick(program.policy, d.path)),
    );
  return renderPage({
    title: `Policy: ${program.name}`,
    section: 'programs',
    viewer,
    notice: p.notice,
    problem: p.problem,
    breadcrumbs: [{ href: '/programs', label: 'Programs' }],
    body: html`${errorSummary(errors, {})}
      <p>
        Version ${program.policyVersion} is in force.
        <a href="${base}/history">History of versions</a>. Preview a change to see what it does to the running
        cases before you save it.
      </p>
      <form class="usa-form usa-form--large cl-wide-form" method="post" action="${base}/preview" novalidate>
        ${csrfField(viewer)}
        <h2>Due times</h2>
        ${durations([
          'initialAssessmentDue',
          'servicePlanDue',
          'planApprovalDue',
          'referralResponseDue',
          'referralOutcomeEscalateAfter',
          'stalledPlanAfter',
          'closureApprovalDue',
        ])}
        <h2>Reassessment by risk level</h2>
        ${durations(['reassessmentEvery-high', 'reassessmentEvery-medium', 'reassessmentEvery-low'])}
        <h2>Reminders and escalations</h2>
        ${durations(['ladder-headsUpBefore', 'ladder-overdueEvery'])}
        ${textInput({
          name: 'ladder-overdueRepeatLimit',
          label: OTHER_LABELS['ladder-overdueRepeatLimit']!,
          hint: `Overdue reminders after the due one, 0 to 50. Now: ${program.policy.ladder.overdueRepeatLimit}.`,
          inputmode: 'numeric',
          required: true,
          values,
          errors,
        })}
        ${durations(['ladder-escalateToSupervisorAfter', 'ladder-escalateToProgramManagerAfter'])}
        <h2>Appointments</h2>
        ${durations(['appointmentReminderBefore', 'attendanceRecordDue', 'reEngagementDue'])}
        <fieldset class="usa-fieldset margin-top-3">
          <legend class="usa-legend">Options</legend>
          ${FLAGS.map((f) => checkbox({ name: f.name, label: f.label, values }))}
        </fieldset>
        <h2>Calendar</h2>
        ${select({
          name: 'timeZone',
          label: OTHER_LABELS.timeZone!,
          hint: `Day-scale due dates fall in this zone. Now: ${program.timeZone}.`,
          required: true,
          choices: TIME_ZONES.map((z) => ({ value: z, label: z })),
          values,
          errors,
        })}
        ${textArea({
          name: 'holidays',
          label: OTHER_LABELS.holidays!,
          hint: 'One date per line, like 2027-01-01. Due dates roll past them.',
          rows: 5,
          values,
          errors,
        })}
        ${p.preview ? previewSection(p.preview, viewer) : ''}
        <h2>Save</h2>
        ${textArea({
          name: 'reason',
          label: OTHER_LABELS.reason!,
          hint: 'Needed to save: kept with the new version and shown in its history.',
          required: true,
          rows: 3,
          maxlength: 1000,
          values,
          errors,
        })}
        <div class="cl-actions">
          <button class="usa-button usa-button--outline" type="submit" name="action" value="preview">
            Preview
          </button>
          <button class="usa-button" type="submit" formaction="${base}" name="action" value="save">
            Save
          </button>
        </div>
      </form>`,
  });
}

/** A change between two versions, field by field, in words ("Initial assessment due: 14 days → 10 days"). */
export function policyChanges(before: ProgramPolicy, after: ProgramPolicy): string[] {
  const lines: string[] = [];
  for (const d of DURATIONS) {
    const [a, b] = [pick(before, d.path), pick(after, d.path)];
    const words = (x: string) => durationInWords(x, { businessDays: d.businessDays ?? false });
    if (a !== b) lines.push(`${d.label}: ${words(a)} → ${words(b)}`);
  }
  if (before.ladder.overdueRepeatLimit !== after.ladder.overdueRepeatLimit)
    lines.push(
      `Overdue reminders at most: ${before.ladder.overdueRepeatLimit} → ${after.ladder.overdueRepeatLimit}`,
    );
  for (const f of FLAGS)
    if (Boolean(before[f.name]) !== Boolean(after[f.name]))
      lines.push(`${f.label}: ${before[f.name] ? 'yes' : 'no'} → ${after[f.name] ? 'yes' : 'no'}`);
  return lines;
}

function historyBody(program: Program, versions: PolicyVersion[], viewer: Viewer): SafeHtml {
  return html`<p><a href="/programs/${program.id}/policy">Change the policy</a></p>
    <table class="usa-table usa-table--borderless usa-table--stacked" id="policy-history">
      <caption>
        Policy versions, newest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">When</th>
          <th scope="col">By</th>
          <th scope="col">Why</th>
          <th scope="col">What changed</th>
        </tr>
      </thead>
      <tbody>
        ${versions.map((v, i) => {
          const previous = versions[i + 1];
          const changes = previous ? policyChanges(previous.policy, v.policy) : [];
          return html`<tr>
            <th scope="row" data-label="Version">${v.version}</th>
            <td data-label="When">${timeTag(v.createdAt, viewer.timeZone)}</td>
            <td data-label="By">${v.createdBy?.fullName ?? '—'}</td>
            <td data-label="Why">${v.reason ?? html`<span class="cl-muted">not given</span>`}</td>
            <td data-label="What changed">
              ${
                !previous
                  ? 'The first policy'
                  : changes.length === 0
                    ? html`<span class="cl-muted"
                        >No policy field (the program’s calendar may have changed)</span
                      >`
                    : html`<ul class="usa-list usa-list--unstyled">
                        ${changes.map((c) => html`<li>${c}</li>`)}
                      </ul>`
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
}

const sameCalendar = (program: Program, proposed: PolicyUnderTest): boolean =>
  program.timeZone === proposed.calendar.timeZone &&
  program.holidays.join() === [...proposed.calendar.holidays].join();

export function registerPolicyPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();
  /** The program, if this person may change its policy (its manager, an admin). */
  const managedProgram = async (
    actor: Parameters<typeof canManageProgram>[0],
    id: string,
  ): Promise<Program> => {
    const program = await getProgram(deps.pool, id);
    if (!canManageProgram(actor, program.programManagerId))
      throw new ForbiddenError('Only an admin or the program’s manager may change its policy.');
    return program;
  };

  web.get('/programs/:programId/policy', mw.signedIn, async (req, res) => {
    const program = await managedProgram(actorOf(res), String(req.params.programId));
    sendPage(
      res,
      200,
      policyPage({
        viewer: viewerOf(res),
        program,
        values: valuesOf(program.policy, program),
        notice: noticeFor(req.query.notice),
      }),
    );
  });

  web.post('/programs/:programId/policy/preview', longForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const program = await managedProgram(actor, String(req.params.programId));
    const values = formValues(req.body);
    const parsed = parsePolicyForm(values);
    if (!parsed.ok) return sendPage(res, 400, policyPage({ viewer, program, values, errors: parsed.errors }));
    const preview = await previewPolicy(deps.pool, actor, program.id, parsed.proposed, now());
    sendPage(res, 200, policyPage({ viewer, program, values, preview }));
  });

  web.post('/programs/:programId/policy', longForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const program = await managedProgram(actor, String(req.params.programId));
    const values = formValues(req.body);
    const parsed = parsePolicyForm(values);
    const errors = parsed.ok ? {} : parsed.errors;
    if (parsed.ok && parsed.reason === '')
      errors.reason = 'Enter why the policy changes: it is kept with the version.';
    if (!parsed.ok || Object.keys(errors).length)
      return sendPage(res, 400, policyPage({ viewer, program, values, errors }));
    const { proposed, reason } = parsed;
    const calendarChanged = !sameCalendar(program, proposed);
    if (!calendarChanged && JSON.stringify(program.policy) === JSON.stringify(proposed.policy))
      return sendPage(
        res,
        409,
        policyPage({
          viewer,
          program,
          values,
          problem: 'Nothing changed: the policy and calendar are as they are now.',
        }),
      );
    try {
      // The calendar first, so the new version reaches every case with the calendar it runs on.
      if (calendarChanged)
        await updateProgram(deps, actor, program.id, {
          timeZone: proposed.calendar.timeZone,
          holidays: [...proposed.calendar.holidays],
        });
      await changePolicy(deps, actor, program.id, proposed.policy, reason);
    } catch (err) {
      if (!(err instanceof AppError) || (err.status !== 409 && err.status !== 422)) throw err;
      const fields = fieldErrorsOf(err.fields);
      return sendPage(
        res,
        400,
        policyPage({
          viewer,
          program: await getProgram(deps.pool, program.id),
          values,
          errors: fields,
          problem: Object.keys(fields).length ? undefined : err.message,
        }),
      );
    }
    redirectWithNotice(res, `/programs/${program.id}/policy/history`, 'policy-saved');
  });

  web.get('/programs/:programId/policy/history', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const program = await managedProgram(actor, String(req.params.programId));
    const versions = await listPolicyVersions(deps.pool, actor, program.id);
    sendPage(
      res,
      200,
      renderPage({
        title: `Policy history: ${program.name}`,
        section: 'programs',
        viewer,
        notice: noticeFor(req.query.notice),
        breadcrumbs: [
          { href: '/programs', label: 'Programs' },
          { href: `/programs/${program.id}/policy`, label: 'Policy' },
        ],
        body: historyBody(program, versions, viewer),
      }),
    );
  });
}
