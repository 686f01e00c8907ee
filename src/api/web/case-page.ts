import { baselineToTarget } from './plan-pages';
import type { Router } from 'express';
import type { CaseSchedule, CaseStatus, Recipient } from '../../core/case-contract';
import {
  isObligationKind,
  ladderShape,
  obligationLabel,
  obligationSpec,
  stepSummary,
} from '../../core/obligation-catalogue';
import { canAcknowledgeEscalation } from '../../domain/access';
import type { Actor } from '../../domain/actor';
import { allowedCaseActions, type CaseAction } from '../../domain/allowed-actions';
import {
  listAssessments,
  listClosureEvents,
  listPlans,
  listReferrals,
  type Assessment,
  type ClosureEvent,
  type Goal,
  type Plan,
  type Referral,
} from '../../domain/case-reads';
import { caseTimeline, type TimelineEntry } from '../../domain/case-queries';
import { getCase, LIFE_DOMAINS, type CaseView } from '../../domain/cases';
import { getClient, type ClientRecord } from '../../domain/clients';
import { getProgram, staffNames, type Program } from '../../domain/directory';
import { listNotes, type Note, type NotePage } from '../../domain/notes';
import { episodesSection, episodesTocEntry } from './episode-pages';
import { assignableStaff, listTasks, type Assignable, type Task } from '../../domain/tasks';
import { tasksSection } from './task-pages';
import { listAppointments, type Appointment } from '../../domain/appointments';
import { appointmentsSection } from './appointment-list';
import { humanStatus } from './html';
import { alert, csrfField, renderPage } from './layout';
import { noticeFor } from './notices';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type Fragment, type SafeHtml } from './template';
import { formatInstant, timeTag } from './time';

/**
 * The case page: everything recorded on one case and what is due on it, with the actions its
 * status and the viewer's role allow. Every read goes through the domain's read services (which
 * check the case is visible and audit what they disclose), all at once.
 */

/** Notes shown per page; older ones follow the "Older notes" link. */
const NOTES_PER_PAGE = 20;
/** The read API's cursor shape; anything else is ignored and the newest notes are shown. */
const NOTES_CURSOR = /^[A-Za-z0-9_-]{1,300}$/;

export function registerCasePages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  web.get('/cases/:caseId', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const cursor =
      typeof req.query.notes === 'string' && NOTES_CURSOR.test(req.query.notes) ? req.query.notes : undefined;
    const data = await loadCasePage(deps, actorOf(res), String(req.params.caseId), cursor);
    sendPage(
      res,
      200,
      renderPage({
        title: `Case ${data.view.reference}`,
        section: 'caseload',
        viewer,
        breadcrumbs: [{ href: '/caseload', label: 'Caseload' }],
        notice: req.query.acknowledged ? noticeFor('acknowledged') : noticeFor(req.query.notice),
        body: casePage(data, viewer, actorOf(res)),
      }),
    );
  });
}

export interface CasePageData {
  view: CaseView;
  client: ClientRecord;
  program: Program;
  assessments: Assessment[];
  plans: Plan[];
  referrals: Referral[];
  closures: ClosureEvent[];
  notes: NotePage;
  /** Set when this page of notes is not the newest. */
  notesCursor?: string | undefined;
  timeline: TimelineEntry[];
  names: Map<string, string>;
  /** The case's tasks, and who may be assigned one (absent: the page shows none). */
  tasks?: Task[];
  assignable?: Assignable[];
  /** The case's appointments, soonest first (absent: none read). */
  appointments?: Appointment[];
}

async function loadCasePage(
  deps: WebDeps,
  actor: Actor,
  caseId: string,
  notesCursor: string | undefined,
): Promise<CasePageData> {
  const { pool } = deps;
  // Each read checks the case is visible (404 otherwise) and audits what it shows.
  const [view, assessments, plans, referrals, closures, notes, timeline, tasks] = await Promise.all([
    getCase(deps, actor, caseId),
    listAssessments(pool, actor, caseId),
    listPlans(pool, actor, caseId),
    listReferrals(pool, actor, caseId),
    listClosureEvents(pool, actor, caseId),
    listNotes(pool, actor, caseId, {
      limit: NOTES_PER_PAGE,
      newestFirst: true,
      ...(notesCursor ? { cursor: notesCursor } : {}),
    }),
    caseTimeline(pool, actor, caseId),
    listTasks(pool, actor, caseId),
  ]);
  const appointments = await listAppointments(pool, actor, caseId);
  const people = [
    view.caseManagerId,
    view.supervisorId,
    ...view.openEscalations.map((e) => e.recipientId),
    ...assessments.map((a) => a.completedBy),
    ...plans.flatMap((p) => [p.createdBy, ...(p.decidedBy ? [p.decidedBy] : [])]),
    ...plans.flatMap((p) => p.goals.flatMap((g) => g.progress.map((r) => r.recordedBy))),
    ...referrals.flatMap((r) => r.events.map((e) => e.reportedBy)),
    ...closures.map((c) => c.actorId),
    ...notes.items.map((n) => n.authorId),
    ...timeline.flatMap((t) => (t.actorId ? [t.actorId] : [])),
    ...tasks.flatMap((t) => [t.assigneeId, t.createdBy, ...(t.closedBy ? [t.closedBy] : [])]),
  ];
  const [client, program] = await Promise.all([
    getClient(pool, actor, view.client.id),
    getProgram(pool, view.programId),
  ]);
  const assignable = await assignableStaff(pool, {
    case_manager_id: view.caseManagerId,
    supervisor_id: view.supervisorId,
    program_manager_id: program.programManagerId,
  });
  const names = await staffNames(pool, [
    ...people,
    ...(program.programManagerId ? [program.programManagerId] : []),
  ]);
  return {
    view,
    client,
    program,
    assessments,
    plans,
    referrals,
    closures,
    notes,
    notesCursor,
    timeline,
    names,
    tasks,
    assignable,
    appointments,
  };
}

// ---- the page ----

const SECTIONS = [
  ['due', 'What is due'],
  ['assessments', 'Assessments'],
  ['plan', 'Service plan'],
  ['referrals', 'Referrals'],
  ['notes', 'Notes'],
  ['escalations', 'Open escalations'],
  ['timeline', 'Timeline'],
  ['tasks', 'Tasks'],
  ['appointments', 'Appointments'],
] as const;

type SectionId = (typeof SECTIONS)[number][0];

/** The page body, from data already read: pure, so a test can render any state. */
export function casePage(d: CasePageData, viewer: Viewer, actor: Actor): SafeHtml {
  const actions = allowedCaseActions(actor, {
    status: d.view.status as CaseStatus,
    parties: {
      case_manager_id: d.view.caseManagerId,
      supervisor_id: d.view.supervisorId,
      program_manager_id: d.program.programManagerId,
    },
    forbidAssessmentOnHold: d.program.forbidAssessmentOnHold,
    planStatuses: d.plans.map((p) => p.status),
  });
  const ctx = new PageContext(d, viewer);
  const bodies: Record<SectionId, Fragment> = {
    due: dueSection(ctx),
    assessments: assessmentsSection(ctx),
    plan: planSection(ctx),
    referrals: referralsSection(ctx),
    notes: notesSection(ctx, actions.includes('note')),
    escalations: escalationsSection(ctx, actor),
    timeline: timelineSection(ctx),
    tasks: tasksSection(
      {
        caseId: d.view.id,
        caseOpen: d.view.status !== 'closed',
        tasks: d.tasks ?? [],
        assignable: d.assignable ?? [],
        parties: { case_manager_id: d.view.caseManagerId, supervisor_id: d.view.supervisorId },
        person: (id) => ctx.person(id),
        time: (iso) => ctx.time(iso),
      },
      viewer,
      actor,
    ),
    appointments: appointmentsSection(ctx.caseId, ctx.d.appointments ?? [], viewer, actions.includes('note')),
  };
  return html`${caseHeader(ctx)} ${actionsBar(d.view.id, actions)}
    <nav class="cl-toc" aria-label="On this page">
      <ul class="usa-list">
        ${SECTIONS.map(([id, label]) => html`<li><a href="#${id}">${label}</a></li>`)}
        ${episodesTocEntry(d.view.episodes)}
      </ul>
    </nav>
    ${SECTIONS.map(
      ([id, label]) =>
        html`<section class="cl-section" id="${id}" aria-labelledby="${id}-heading">
          <h2 id="${id}-heading">${label}</h2>
          ${bodies[id]}
        </section>`,
    )}
    ${episodesSection(d.view.id, d.view.episodes, viewer)}`;
}

/** What every section needs: the data, the viewer's zone, and people's names. */
class PageContext {
  constructor(
    readonly d: CasePageData,
    readonly viewer: Viewer,
  ) {}

  get caseId(): string {
    return this.d.view.id;
  }

  time(iso: string | null | undefined): SafeHtml {
    return timeTag(iso, this.viewer.timeZone);
  }

  day(iso: string): SafeHtml {
    return timeTag(iso, this.viewer.timeZone, false);
  }

  person(id: string | null | undefined): string {
    if (!id) return 'Caseloop';
    const name = this.d.names.get(id) ?? 'a former staff member';
    return id === this.viewer.id ? `${name} (you)` : name;
  }

  /** Who a ladder step goes to, by name (an assignee by the obligation's named staff member). */
  recipient(to: Recipient, assigneeId?: string | null): string {
    switch (to) {
      case 'case_manager':
        return this.person(this.d.view.caseManagerId);
      case 'supervisor':
        return this.person(this.d.view.supervisorId);
      case 'program_manager':
        return this.d.program.programManagerId
          ? this.person(this.d.program.programManagerId)
          : 'the program manager (none is named)';
      case 'provider':
        return 'the provider';
      case 'assignee':
        return assigneeId ? this.person(assigneeId) : 'the person it is assigned to';
      case 'client':
        return 'the client';
    }
  }
}

const human = (text: string): string => humanStatus(text);

/** A calendar date (YYYY-MM-DD) as people read it; it is the same day in every zone. */
function calendarDate(date: string): SafeHtml {
  return html`<time datetime="${date}">${formatInstant(`${date}T12:00:00Z`, 'UTC', false)}</time>`;
}

function riskBadge(level: string): SafeHtml {
  const modifier = level === 'high' || level === 'medium' ? ` cl-badge--${level}` : '';
  return html`<span class="cl-badge${modifier}">${human(level)} risk</span>`;
}

const overdueBadge = html`<span class="cl-badge cl-badge--overdue">Overdue</span>`;

type OpenObligation = CaseSchedule['obligations'][number];

function openObligations(schedule: CaseSchedule | null): OpenObligation[] {
  return (schedule?.obligations ?? []).filter((o) => !o.metAt).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

/** Who hears of an obligation of this kind: its reminders' recipient, the provider, and who it escalates to. */
function whoIsTold(ctx: PageContext, kind: string, assigneeId?: string): Fragment {
  if (!isObligationKind(kind)) return '';
  const shape = ladderShape(kind, ctx.d.program.policy);
  const parts: string[] = [];
  if (shape.remindTo) parts.push(`Reminders go to ${ctx.recipient(shape.remindTo, assigneeId)}.`);
  if (shape.providerFollowUp) parts.push('The provider is emailed when it falls due.');
  if (shape.escalate)
    parts.push(
      shape.escalate.when === 'at_due'
        ? `${ctx.recipient(shape.escalate.to)} is told when it falls due.`
        : `If it stays overdue, ${ctx.recipient(shape.escalate.to)} is told.`,
    );
  return parts.join(' ');
}

function caseHeader(ctx: PageContext): SafeHtml {
  const { view, client, program, closures } = ctx.d;
  const next = openObligations(view.schedule)[0];
  const nextDue = view.schedule
    ? next
      ? html`${obligationLabel(next.kind)}, due ${ctx.time(next.dueAt)} ${next.overdue ? overdueBadge : ''}
          <br /><span class="cl-muted">${whoIsTold(ctx, next.kind, next.assigneeId)}</span>`
      : 'Nothing is due.'
    : view.nextDueKind && view.nextDueAt
      ? html`${obligationLabel(view.nextDueKind)}, due ${ctx.time(view.nextDueAt)} <br /><span
            class="cl-muted"
            >${whoIsTold(ctx, view.nextDueKind)}</span
          >`
      : 'Nothing is due.';
  const step = view.schedule?.next;
  const lastClosure = closures.at(-1);
  return html`${
      view.pendingChanges > 0
        ? alert(
            'info',
            `Updating… ${view.pendingChanges === 1 ? 'A change is' : `${view.pendingChanges} changes are`} on the way to this case's schedule; what is due may change in a moment.`,
          )
        : ''
    }
    <dl class="cl-facts">
      <div>
        <dt>Client</dt>
        <dd>
          ${client.givenName} ${client.familyName} <span class="cl-muted">(${view.client.initials})</span>
          <br /><a href="/cases/${view.id}/consent">Consent</a>
        </dd>
      </div>
      <div>
        <dt>Program</dt>
        <dd>${program.name}</dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>
          ${human(view.status)}${
            view.status === 'on_hold'
              ? html` <span class="cl-badge">On hold</span>
                  <span class="cl-muted">Its clocks are paused.</span>`
              : ''
          }
        </dd>
      </div>
      <div>
        <dt>Risk</dt>
        <dd>${riskBadge(view.riskLevel)}</dd>
      </div>
      <div>
        <dt>Case manager</dt>
        <dd>${ctx.person(view.caseManagerId)}</dd>
      </div>
      <div>
        <dt>Supervisor</dt>
        <dd>${ctx.person(view.supervisorId)}</dd>
      </div>
      <div>
        <dt>Opened</dt>
        <dd>${ctx.time(view.openedAt)}</dd>
      </div>
      <div>
        <dt>Next due</dt>
        <dd>${nextDue}</dd>
      </div>
      ${
        step
          ? html`<div>
              <dt>Next message</dt>
              <dd>
                ${stepSummary(step.obligationKind, step.step, Number(/_(\d+)$/.exec(step.stepId)?.[1] ?? 0))}
                (${ctx.recipient(
                  step.to,
                  view.schedule?.obligations.find((o) => o.id === step.obligationId)?.assigneeId,
                )}),
                ${ctx.time(step.at)}
              </dd>
            </div>`
          : ''
      }
      ${
        lastClosure && (view.status === 'closing' || lastClosure.what === 'returned')
          ? html`<div>
              <dt>Closure</dt>
              <dd>${closureLine(ctx, lastClosure)}</dd>
            </div>`
          : ''
      }
    </dl>
    ${
      view.schedule
        ? ''
        : html`<p class="cl-muted">
            The live schedule is not available right now; what is due is shown as last recorded.
          </p>`
    }`;
}

function closureLine(ctx: PageContext, c: ClosureEvent): SafeHtml {
  if (c.what === 'requested')
    return html`Requested ${ctx.time(c.at)} by
    ${ctx.person(c.actorId)}${c.reason ? html`: ${human(c.reason)}` : ''}`;
  return html`${human(c.what)} ${ctx.time(c.at)} by ${ctx.person(c.actorId)}${c.note ? html`: ${c.note}` : ''}`;
}

const ACTION_LINKS: Record<CaseAction, { path: string; label: string }> = {
  assess: { path: 'assessments/new', label: 'Record assessment' },
  plan: { path: 'plans/new', label: 'New plan' },
  refer: { path: 'referrals/new', label: 'Make referral' },
  note: { path: 'notes/new', label: 'Add note' },
  hold: { path: 'hold', label: 'Put on hold' },
  resume: { path: 'resume', label: 'Resume' },
  requestClosure: { path: 'closure/new', label: 'Request closure' },
  reopen: { path: 'reopen', label: 'Reopen' },
  reassign: { path: 'reassign', label: 'Hand over' },
};

function actionsBar(caseId: string, actions: CaseAction[]): Fragment {
  if (actions.length === 0) return '';
  return html`<nav aria-label="Case actions">
    <ul class="cl-actions usa-list usa-list--unstyled">
      ${actions.map(
        (a, i) =>
          html`<li>
            <a
              class="usa-button${i === 0 ? '' : ' usa-button--outline'}"
              href="/cases/${caseId}/${ACTION_LINKS[a].path}"
              >${ACTION_LINKS[a].label}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
}

// ---- #due ----

function escalationText(o: OpenObligation): string {
  if (!o.escalationLevel) return 'Not escalated';
  const who = o.escalationLevel === 1 ? 'supervisor' : 'program manager';
  return `Level ${o.escalationLevel}: ${who} told${o.acknowledged ? ', acknowledged' : ''}`;
}

function obligationSubject(ctx: PageContext, o: OpenObligation): Fragment {
  if (!o.subjectId || !isObligationKind(o.kind)) return '';
  const about = obligationSpec(o.kind).about;
  if (about === 'referral') {
    const r = ctx.d.referrals.find((x) => x.id === o.subjectId);
    return r ? html`<br /><span class="cl-muted">${r.provider.organisation}, ${r.service}</span>` : '';
  }
  if (about === 'goal') {
    const g = ctx.d.plans.flatMap((p) => p.goals).find((x) => x.id === o.subjectId);
    return g ? html`<br /><span class="cl-muted">${g.description}</span>` : '';
  }
  if (about === 'plan') {
    const p = ctx.d.plans.find((x) => x.id === o.subjectId);
    return p ? html`<br /><span class="cl-muted">Plan version ${p.version}</span>` : '';
  }
  if (about === 'task') {
    const t = ctx.d.tasks?.find((x) => x.id === o.subjectId);
    return t
      ? html`<br /><span class="cl-muted">${t.what} (${ctx.recipient('assignee', t.assigneeId)})</span>`
      : '';
  }
  return '';
}

function dueSection(ctx: PageContext): Fragment {
  const { view } = ctx.d;
  if (!view.schedule) {
    return html`<p class="cl-muted">The live schedule is not available right now. As last recorded:</p>
      <ul class="usa-list">
        <li>
          Next due:
          ${
            view.nextDueKind && view.nextDueAt
              ? html`${obligationLabel(view.nextDueKind)}, ${ctx.time(view.nextDueAt)}`
              : 'nothing'
          }
        </li>
        <li>Overdue: ${view.overdueCount}</li>
        <li>Escalation level: ${view.escalationLevel}</li>
      </ul>`;
  }
  const open = openObligations(view.schedule);
  if (open.length === 0) return html`<p>Nothing is due.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table">
    <caption class="usa-sr-only">
      Open obligations, soonest first, in your time zone
    </caption>
    <thead>
      <tr>
        <th scope="col">Obligation</th>
        <th scope="col">Due</th>
        <th scope="col">Escalation</th>
      </tr>
    </thead>
    <tbody>
      ${open.map(
        (o) =>
          html`<tr>
            <th scope="row" data-label="Obligation">
              ${obligationLabel(o.kind)}${obligationSubject(ctx, o)}
            </th>
            <td data-label="Due">${ctx.time(o.dueAt)} ${o.overdue ? overdueBadge : ''}</td>
            <td data-label="Escalation">${escalationText(o)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

// ---- #assessments ----

/** Domains in the standard order, then the program's own in the order they first appear. */
function domainsOf(assessments: Assessment[]): string[] {
  const seen = new Set(assessments.flatMap((a) => Object.keys(a.scores)));
  const standard: string[] = LIFE_DOMAINS.filter((d) => seen.has(d));
  return [...standard, ...[...seen].filter((d) => !standard.includes(d))];
}

const assessmentName = (a: Assessment): string =>
  a.kind === 'initial' ? 'Initial assessment' : 'Reassessment';

function assessmentsSection(ctx: PageContext): Fragment {
  const { assessments } = ctx.d;
  if (assessments.length === 0) return html`<p>No assessment is recorded yet.</p>`;
  const domains = domainsOf(assessments);
  const newestFirst = [...assessments].reverse();
  return html`${newestFirst.map(
      (a) =>
        html`<h3>${assessmentName(a)}, ${ctx.day(a.completedAt)}</h3>
          <p class="cl-muted">Completed ${ctx.time(a.completedAt)} by ${ctx.person(a.completedBy)}</p>
          <ul class="usa-list cl-scores" aria-label="Domain scores">
            ${domainsOf([a]).map((d) => html`<li>${human(d)}: <strong>${a.scores[d]}</strong> of 5</li>`)}
          </ul>
          ${a.needs.length ? html`<p>Needs: ${a.needs.join('; ')}</p>` : ''}
          ${a.summary ? html`<p class="cl-text">${a.summary}</p>` : ''}`,
    )}
    <h3>Domain scores over time</h3>
    <table class="usa-table usa-table--borderless usa-table--stacked cl-table">
      <caption class="usa-sr-only">
        Score of each life domain (1 to 5) at each assessment, oldest first
      </caption>
      <thead>
        <tr>
          <th scope="col">Domain</th>
          ${assessments.map(
            (a) =>
              html`<th scope="col">
                ${ctx.day(a.completedAt)}<br /><span class="cl-muted">${assessmentName(a)}</span>
              </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${domains.map(
          (d) =>
            html`<tr>
              <th scope="row" data-label="Domain">${human(d)}</th>
              ${assessments.map((a) => {
                const label = `${formatInstant(a.completedAt, ctx.viewer.timeZone, false)} (${assessmentName(a)})`;
                const score = a.scores[d];
                return html`<td data-label="${label}">
                  ${
                    score === undefined
                      ? html`<span aria-hidden="true">—</span><span class="usa-sr-only">not scored</span>`
                      : score
                  }
                </td>`;
              })}
            </tr>`,
        )}
      </tbody>
    </table>`;
}

// ---- #plan ----

/**
 * The goal's domain score when the plan was put forward (the latest assessment before it went for
 * approval, or before it was written while it is a draft) and the latest score.
 */
function scoreChange(ctx: PageContext, plan: Plan, g: Goal): Fragment {
  const scored = ctx.d.assessments.filter((a) => a.scores[g.domain] !== undefined);
  const planned = plan.submittedAt ?? plan.createdAt;
  const before = scored.filter((a) => a.completedAt <= planned).at(-1);
  const latest = scored.at(-1);
  if (!before && !latest) return html`${human(g.domain)}: not scored`;
  const from = before?.scores[g.domain];
  const to = latest?.scores[g.domain];
  if (from === undefined || from === to) return html`${human(g.domain)}: ${to}`;
  return html`${human(g.domain)}: ${from} → ${to}`;
}

function planDecision(ctx: PageContext, p: Plan): Fragment {
  if (!p.decidedAt) return '';
  const what = p.status === 'returned' ? 'Returned' : 'Approved';
  return html`<div>
    <dt>${what}</dt>
    <dd>
      ${ctx.time(p.decidedAt)} by ${ctx.person(p.decidedBy)}${p.decisionNote ? html`: ${p.decisionNote}` : ''}
    </dd>
  </div>`;
}

function planSection(ctx: PageContext): Fragment {
  const [current, ...earlier] = ctx.d.plans;
  if (!current) return html`<p>No service plan yet.</p>`;
  const planPath = (p: Plan): string => `/cases/${ctx.caseId}/plans/${p.id}`;
  return html`<h3>Plan version ${current.version}: ${human(current.status)}</h3>
    <dl class="cl-facts">
      <div>
        <dt>Written</dt>
        <dd>${ctx.time(current.createdAt)} by ${ctx.person(current.createdBy)}</dd>
      </div>
      <div>
        <dt>Submitted</dt>
        <dd>${current.submittedAt ? ctx.time(current.submittedAt) : 'Not yet'}</dd>
      </div>
      ${planDecision(ctx, current)}
    </dl>
    ${current.summary ? html`<p class="cl-text">${current.summary}</p>` : ''}
    <table class="usa-table usa-table--borderless usa-table--stacked cl-table">
      <caption class="usa-sr-only">
        Goals of plan version ${current.version}, soonest target first
      </caption>
      <thead>
        <tr>
          <th scope="col">Goal</th>
          <th scope="col">Measure</th>
          <th scope="col">Baseline → target</th>
          <th scope="col">Domain score (at plan → latest)</th>
          <th scope="col">Target date</th>
          <th scope="col">Latest progress</th>
        </tr>
      </thead>
      <tbody>
        ${current.goals.map(
          (g) =>
            html`<tr>
              <th scope="row" data-label="Goal">${g.description}</th>
              <td data-label="Measure">${g.measure}</td>
              <td data-label="Baseline → target">${baselineToTarget(g)}</td>
              <td data-label="Domain score">${scoreChange(ctx, current, g)}</td>
              <td data-label="Target date">${calendarDate(g.targetDate)}</td>
              <td data-label="Latest progress">
                ${
                  g.latestProgress
                    ? html`<strong>${human(g.latestProgress.status)}</strong>${
                          g.latestProgress.note ? html`: ${g.latestProgress.note}` : ''
                        } <br /><span class="cl-muted">${ctx.time(g.latestProgress.at)}</span>`
                    : html`${human(g.status)}`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p><a href="${planPath(current)}">Open plan version ${current.version}</a></p>
    ${
      earlier.length
        ? html`<h3>Earlier plans</h3>
            <ul class="usa-list">
              ${earlier.map(
                (p) =>
                  html`<li>
                    <a href="${planPath(p)}">Plan version ${p.version}</a>: ${human(p.status)}, written
                    ${ctx.day(p.createdAt)}, ${p.goals.length} ${p.goals.length === 1 ? 'goal' : 'goals'}
                  </li>`,
              )}
            </ul>`
        : ''
    }`;
}

// ---- #referrals ----

function referralsSection(ctx: PageContext): Fragment {
  const { referrals } = ctx.d;
  if (referrals.length === 0) return html`<p>No referrals yet.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table">
    <caption class="usa-sr-only">
      Referrals, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">Referral</th>
        <th scope="col">Status</th>
        <th scope="col">Sent</th>
        <th scope="col">Last update</th>
      </tr>
    </thead>
    <tbody>
      ${referrals.map((r) => {
        const last = r.events.at(-1);
        return html`<tr>
          <th scope="row" data-label="Referral">
            <a href="/cases/${ctx.caseId}/referrals/${r.id}">${r.provider.organisation}: ${r.service}</a>
          </th>
          <td data-label="Status">${human(r.status)}</td>
          <td data-label="Sent">${ctx.time(r.sentAt)}</td>
          <td data-label="Last update">
            ${
              last
                ? html`${human(last.status)}${last.note ? html`: ${last.note}` : ''}<br /><span
                      class="cl-muted"
                      >${ctx.time(last.at)} by ${ctx.person(last.reportedBy)}</span
                    >`
                : ctx.time(r.updatedAt)
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

// ---- #notes ----

/** The notes of this page as threads: each amendment under the note it corrects when that is on the page. */
function threads(notes: Note[]): { note: Note; amendments: Note[]; orphan: boolean }[] {
  const byId = new Map(notes.map((n) => [n.id, n]));
  const rootOf = (n: Note): Note => {
    let at = n;
    const seen = new Set<string>();
    while (at.amendsNoteId && byId.has(at.amendsNoteId) && !seen.has(at.id)) {
      seen.add(at.id);
      at = byId.get(at.amendsNoteId)!;
    }
    return at;
  };
  const out = new Map<string, { note: Note; amendments: Note[]; orphan: boolean }>();
  for (const n of notes) {
    const root = rootOf(n);
    if (root === n) out.set(n.id, { note: n, amendments: [], orphan: Boolean(n.amendsNoteId) });
  }
  // Amendments oldest first under their note, as corrections were made.
  for (const n of [...notes].reverse()) {
    const root = rootOf(n);
    if (root !== n) out.get(root.id)!.amendments.push(n);
  }
  return [...out.values()];
}

function noteBody(ctx: PageContext, n: Note, what: string, canAmend: boolean): SafeHtml {
  return html`<p class="cl-note__meta">
      <strong>${what}</strong>, ${ctx.time(n.at)}, by ${ctx.person(n.authorId)}
    </p>
    <p class="cl-text">${n.body}</p>
    ${
      canAmend
        ? html`<p>
            <a href="/cases/${ctx.caseId}/notes/${n.id}/amend"
              >Amend<span class="usa-sr-only">
                the ${n.type} note of ${formatInstant(n.at, ctx.viewer.timeZone)}</span
              ></a
            >
          </p>`
        : ''
    }`;
}

function notesSection(ctx: PageContext, canAmend: boolean): Fragment {
  const { notes, notesCursor } = ctx.d;
  const older = notes.nextCursor
    ? html`<a href="/cases/${ctx.caseId}?notes=${notes.nextCursor}#notes">Older notes</a>`
    : '';
  const newest = notesCursor ? html`<a href="/cases/${ctx.caseId}#notes">Newest notes</a>` : '';
  const paging = older || newest ? html`<p class="cl-paging">${newest} ${older}</p>` : '';
  if (notes.items.length === 0)
    return html`<p>${notesCursor ? 'No older notes.' : 'No notes yet.'}</p>
      ${paging}`;
  return html`<p class="cl-muted">
      Newest first. Notes are never changed; a correction is added as an amendment.
    </p>
    <ul class="usa-list usa-list--unstyled cl-notes">
      ${threads(notes.items).map(
        (t) =>
          html`<li class="cl-note">
            ${noteBody(
              ctx,
              t.note,
              `${human(t.note.type)} note${t.orphan ? ' (amendment of an older note)' : ''}`,
              canAmend,
            )}
            ${
              t.amendments.length
                ? html`<ul class="usa-list usa-list--unstyled cl-amendments" aria-label="Amendments">
                    ${t.amendments.map(
                      (a) =>
                        html`<li class="cl-note cl-note--amendment">
                          ${noteBody(ctx, a, 'Amendment', false)}
                        </li>`,
                    )}
                  </ul>`
                : ''
            }
          </li>`,
      )}
    </ul>
    ${paging}`;
}

// ---- #escalations ----

function escalationsSection(ctx: PageContext, actor: Actor): Fragment {
  const { view, program } = ctx.d;
  if (view.openEscalations.length === 0) return html`<p>No open escalations.</p>`;
  const parties = {
    case_manager_id: view.caseManagerId,
    supervisor_id: view.supervisorId,
    program_manager_id: program.programManagerId,
  };
  return html`<ul class="usa-list usa-list--unstyled cl-escalations">
    ${view.openEscalations.map(
      (e) =>
        html`<li class="cl-escalation">
          <p>
            <strong>${obligationLabel(e.obligationKind)}</strong>: level ${e.level}, sent to
            ${ctx.person(e.recipientId)}, raised ${ctx.time(e.raisedAt)}
          </p>
          ${
            canAcknowledgeEscalation(actor, parties, e.recipientId)
              ? html`<form class="cl-inline-form" method="post" action="/escalations/${e.id}/acknowledge">
                  ${csrfField(ctx.viewer)}<input type="hidden" name="return" value="case" />
                  <button class="usa-button usa-button--outline" type="submit">
                    Acknowledge<span class="usa-sr-only">
                      the ${obligationLabel(e.obligationKind).toLowerCase()} escalation</span
                    >
                  </button>
                </form>`
              : ''
          }
        </li>`,
    )}
  </ul>`;
}

// ---- #timeline ----

const TIMELINE_KINDS: Record<string, string> = {
  'notification.sent': 'Email sent',
  'notification.pending': 'Email waiting',
  'notification.failed': 'Email failed',
  'notification.withdrawn': 'Email withdrawn',
  'schedule.opened': 'Now due',
  'schedule.met': 'Done',
  'schedule.rescheduled': 'Rescheduled',
  'schedule.skipped': 'Reminder skipped',
  'schedule.acknowledged': 'Acknowledged',
  'escalation.raised': 'Escalation',
  'escalation.acknowledged': 'Escalation',
  'escalation.resolved': 'Escalation',
  assessment: 'Assessment',
  'goal.progress': 'Goal progress',
};

function timelineKind(kind: string): string {
  const known = TIMELINE_KINDS[kind];
  if (known) return known;
  const area = kind.split('.')[0]!;
  return human(area);
}

/** Instants the workflow writes into its decisions ("due 2027-01-06T15:59:30.499Z"), in the viewer's zone. */
const INSTANT_IN_TEXT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

function timelineSummary(ctx: PageContext, summary: string): Fragment {
  const parts: Fragment[] = [];
  let from = 0;
  for (const m of summary.matchAll(INSTANT_IN_TEXT)) {
    parts.push(summary.slice(from, m.index), ctx.time(m[0]));
    from = m.index + m[0].length;
  }
  parts.push(summary.slice(from));
  return parts;
}

function timelineSection(ctx: PageContext): Fragment {
  const { timeline } = ctx.d;
  if (timeline.length === 0) return html`<p>Nothing has happened on this case yet.</p>`;
  return html`<p class="cl-muted">
      Everything that happened on the case, oldest first: every reminder sent or skipped, with its reason.
    </p>
    <table class="usa-table usa-table--borderless usa-table--stacked cl-table">
      <caption class="usa-sr-only">
        Case timeline, oldest first, in your time zone
      </caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          <th scope="col">Details</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        ${timeline.map(
          (t) =>
            html`<tr>
              <td data-label="When">${ctx.time(t.at)}</td>
              <td data-label="What">${timelineKind(t.kind)}</td>
              <td data-label="Details">${timelineSummary(ctx, t.summary)}</td>
              <td data-label="By">${ctx.person(t.actorId)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
