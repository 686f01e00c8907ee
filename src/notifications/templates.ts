import type { LadderStepKind } from '../core/ladder';
import { formatIn } from './date-formats';
import { isEscalationStep, obligationSpec, toldIfOverdue } from '../core/obligation-catalogue';
import { obligationPageLabel } from '../core/obligation-pages';
import type { ObligationKind, Recipient } from '../core/case-contract';

/**
 * Email texts. Minimum necessary: a case reference and the client's initials, never names,
 * birth dates, diagnoses or notes unless the program allows names.
 */

export interface CaseMailContext {
  obligationKind: ObligationKind;
  step: LadderStepKind;
  n: number;
  dueAt: Date;
  now: Date;
  recipient: Recipient;
  recipientName: string;
  recipientTimeZone: string;
  caseReference: string;
  /** The template decides how much of the name to show, so what it shows is what the audit records. */
  client: { givenName: string; familyName: string };
  /** The program's allowClientNamesInEmail: the full name instead of initials. */
  allowClientNames: boolean;
  programName: string;
  caseManagerName: string;
  supervisorName: string;
  caseUrl: string;
  /**
   * The page where the obligation is met (`pathForObligation` under the public base URL): the
   * email's first link. Without it, the case page is the only link.
   */
  workUrl?: string;
  /** Referral reminders and provider follow-ups: which referral, so several on one case can be told apart. */
  referral?: ReferralMention;
  /** Provider emails: the agency behind the program, and whom to write to besides the case manager. */
  agency?: AgencyContact;
  /** Escalations only: the signed link that opens the acknowledgement page, and until when it works. */
  acknowledge?: { url: string; expiresAt: Date };
  /** Provider follow-ups: the signed link to the provider's answer page, and until when it works. */
  answer?: { url: string; expiresAt: Date };
  /** Task reminders: what the task is (staff-written case detail) and who it is assigned to. */
  task?: TaskMention;
  /**
   * The work is the case's supervisor's own (a task assigned to them, a case they carry): its
   * escalation goes past them to the program manager, and the reminders say so.
   */
  doerIsSupervisor?: boolean;
  /**
   * The work is the program manager's own (a task assigned to them): the supervisor's escalation is
   * the last rung, so it does not promise to tell the program manager.
   */
  doerIsProgramManager?: boolean;
}

export interface TaskMention {
  what: string;
  assigneeName: string;
}

export interface ReferralMention {
  organisation: string;
  service: string;
}

export interface AgencyContact {
  name?: string;
  contactEmail?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Client details an email can carry, named as the audit log records them. `decision_note` is the
 * free text a supervisor wrote when deciding a plan or closure, told to the case manager.
 */
export type ClientField =
  | 'initials'
  | 'full_name'
  | 'referral_service'
  | 'decision_note'
  | 'task_text'
  /** Why the client was referred: told to a provider the client named in their consent. */
  | 'referral_reason';

export interface RenderedCaseMail extends RenderedMail {
  /** Exactly the client details this email carries. */
  clientFields: ClientField[];
  /** Those its subject alone carries: all a daily digest shows of it. */
  subjectClientFields: ClientField[];
}

const DAY_MS = 86_400_000;

export function formatWhen(date: Date, timeZone: string): string {
  return formatIn('when', timeZone, date);
}

function overdueBy(ctx: CaseMailContext): string {
  const ms = Math.max(0, ctx.now.getTime() - ctx.dueAt.getTime());
  if (ms >= DAY_MS) {
    const days = Math.floor(ms / DAY_MS);
    return `${days} day${days === 1 ? '' : 's'}`;
  }
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h` : `${minutes} min`;
}

export function formatDay(date: Date, timeZone: string): string {
  return formatIn('day', timeZone, date);
}

/** " (Acme Housing, housing search)": which referral, for subjects and leads. */
function referralSuffix(referral: ReferralMention | undefined): string {
  return referral ? ` (${referral.organisation}, ${referral.service})` : '';
}

/** Subjects stay short: a task's words beyond this are cut (the body carries them whole). */
const TASK_IN_SUBJECT = 60;

/** ' "Call the landlord"': which task, for subjects and leads, like a referral's service. */
function taskSuffix(task: TaskMention | undefined): string {
  if (!task) return '';
  const words = task.what.replace(/\s+/g, ' ').trim();
  const short = words.length > TASK_IN_SUBJECT ? `${words.slice(0, TASK_IN_SUBJECT - 1).trimEnd()}…` : words;
  return ` "${short}"`;
}

/** "Acme Housing (intake@acme.example)", or whichever half is known. */
export function agencyLine(agency: AgencyContact | undefined): string | undefined {
  if (!agency?.name && !agency?.contactEmail) return undefined;
  if (!agency.contactEmail) return agency.name;
  return agency.name ? `${agency.name} (${agency.contactEmail})` : agency.contactEmail;
}

/**
 * To a provider outside the agency: the case reference and the service asked for, never the
 * client's initials or details. Replies reach the case manager and the agency's contact.
 */
function renderProviderFollowUp(ctx: CaseMailContext): RenderedCaseMail {
  const service = ctx.referral?.service;
  const subject = `Referral awaiting your response${service ? `: ${service}` : ''} — ${ctx.programName}, ref ${ctx.caseReference}`;
  const lead = `${ctx.programName} sent you a referral${service ? ` for ${service}` : ''} (reference ${ctx.caseReference}) and has not yet had your answer, which was expected by ${formatDay(ctx.dueAt, ctx.recipientTimeZone)}.`;
  const agency = agencyLine(ctx.agency);
  const todo = ctx.answer
    ? `Please accept, schedule or decline it on this page (no account needed), until ${formatDay(ctx.answer.expiresAt, ctx.recipientTimeZone)}: ${ctx.answer.url}\nOr reply to this email: your answer goes to ${ctx.caseManagerName}, the case manager${agency ? `, and to ${agency}` : ''}.`
    : `Please reply to this email to accept, schedule or decline it: your answer goes to ${ctx.caseManagerName}, the case manager${agency ? `, and to ${agency}` : ''}.`;
  const signature = `— ${ctx.programName}${ctx.agency?.name ? `, ${ctx.agency.name}` : ''}, via Caseloop`;
  const text = [`Hello ${ctx.recipientName},`, '', lead, '', todo, '', signature].join('\n');
  const html = htmlDocument(subject, [
    `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    ctx.answer
      ? `<p><a href="${escapeHtml(ctx.answer.url)}">Answer the referral</a> (no account needed; the link works until ${escapeHtml(formatDay(ctx.answer.expiresAt, ctx.recipientTimeZone))}). Or reply to this email: your answer goes to ${escapeHtml(ctx.caseManagerName)}, the case manager${agency ? `, and to ${escapeHtml(agency)}` : ''}.</p>`
      : `<p>${escapeHtml(todo)}</p>`,
    `<p>${escapeHtml(signature)}</p>`,
  ]);
  const fields: ClientField[] = ctx.referral ? ['referral_service'] : [];
  return { subject, text, html, clientFields: fields, subjectClientFields: fields };
}

/**
 * A whole HTML document rather than a bare <body>: the charset is declared, and screen readers and
 * some mail clients announce or show the <title>.
 */
export function htmlDocument(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
  ].join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Initials by default; the full name only where the program allows it. */
function clientLabel(ctx: CaseMailContext): { label: string; field: ClientField } {
  const { givenName, familyName } = ctx.client;
  return ctx.allowClientNames
    ? { label: `${givenName.trim()} ${familyName.trim()}`.trim(), field: 'full_name' }
    : { label: initials(givenName, familyName), field: 'initials' };
}

/** How reminders name an obligation: "Initial assessment", "Referral response (Acme Housing, Housing search)". */
export function obligationTopic(
  kind: ObligationKind,
  referral?: ReferralMention,
  task?: TaskMention,
): string {
  return `${obligationSpec(kind).label}${referralSuffix(referral)}${taskSuffix(task)}`;
}

export function renderCaseMail(ctx: CaseMailContext): RenderedCaseMail {
  if (ctx.step === 'provider_follow_up') return renderProviderFollowUp(ctx);
  const spec = obligationSpec(ctx.obligationKind);
  const which = referralSuffix(ctx.referral) + taskSuffix(ctx.task);
  const what = obligationTopic(ctx.obligationKind, ctx.referral, ctx.task);
  const whatLower = `${spec.label.toLowerCase()}${which}`;
  const client = clientLabel(ctx);
  // Approvals are the supervisor's own work, so their escalation skips straight to the program
  // manager; so does any other work that is theirs (their own task, a case they carry).
  const ownerIsSupervisor = spec.owner === 'supervisor';
  const supervisorsOwn = ownerIsSupervisor || ctx.doerIsSupervisor === true;
  // Whose work it is, by name: a task's assignee, or the case manager who carries the case.
  const doer = spec.owner === 'assignee' && ctx.task ? ctx.task.assigneeName : ctx.caseManagerName;
  const due = formatWhen(ctx.dueAt, ctx.recipientTimeZone);
  const caseLine = `case ${ctx.caseReference}`;
  let subject: string;
  let lead: string;
  let alsoTold: string;
  switch (ctx.step) {
    case 'heads_up':
      subject = `${what} due ${due} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${client.label}) is due ${due}.`;
      alsoTold = 'Nobody else has been told yet.';
      break;
    case 'due':
      subject = `${what} due now — ${caseLine}`;
      lead = `${what} for ${caseLine} (${client.label}) is due now (${due}).`;
      alsoTold = 'Nobody else has been told yet.';
      break;
    case 'overdue':
      subject = `${what} overdue ${overdueBy(ctx)} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${client.label}) has been overdue since ${due}. This is reminder ${ctx.n}.`;
      alsoTold = {
        program_manager: 'The program manager is told if it stays overdue.',
        // The supervisor's own work: its escalation passes them by, to the program manager.
        supervisor: ctx.doerIsSupervisor
          ? 'The program manager is told if it stays overdue.'
          : spec.owner === 'assignee'
            ? `The case's supervisor, ${ctx.supervisorName}, is told if it stays overdue.`
            : `Your supervisor, ${ctx.supervisorName}, is told if it stays overdue.`,
        nobody: 'Nobody else has been told.',
      }[toldIfOverdue(ctx.obligationKind)];
      break;
    case 'escalate_supervisor':
      if (spec.supervisorEscalation) {
        ({ subject, lead, alsoTold } = spec.supervisorEscalation({
          which,
          caseLine,
          client: client.label,
          caseManagerName: ctx.caseManagerName,
          due,
          dueDay: formatDay(ctx.dueAt, ctx.recipientTimeZone),
          ...(ctx.task ? { assigneeName: ctx.task.assigneeName } : {}),
        }));
      } else {
        subject = `Escalation: ${whatLower} overdue ${overdueBy(ctx)} — ${caseLine}`;
        lead = `${what} for ${caseLine} (${client.label}), carried by ${ctx.caseManagerName}, has been overdue since ${due}.`;
        alsoTold = `${ctx.caseManagerName} has had reminders. The program manager is told if this is not acknowledged.`;
      }
      // The program manager's own work: the supervisor is the last to hear of it, so nobody more is promised.
      if (ctx.doerIsProgramManager) alsoTold = `${doer} (the program manager) has had reminders.`;
      break;
    case 'escalate_program_manager':
      if (supervisorsOwn) {
        subject = `Escalation: ${whatLower} overdue ${overdueBy(ctx)} — ${caseLine}`;
        lead = `${what} for ${caseLine} (${client.label}) in ${ctx.programName} has been waiting for ${ctx.supervisorName} since ${due}.`;
        alsoTold = `${ctx.supervisorName} (supervisor) has had reminders.`;
        break;
      }
      subject = `Escalation (unacknowledged): ${whatLower} overdue ${overdueBy(ctx)} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${client.label}) in ${ctx.programName} has been overdue since ${due}, and the supervisor's escalation has not been acknowledged.`;
      alsoTold =
        spec.owner === 'assignee'
          ? `${doer} (assigned to it) and ${ctx.supervisorName} (supervisor) have been told.`
          : `${ctx.caseManagerName} (case manager) and ${ctx.supervisorName} (supervisor) have been told.`;
      break;
  }
  const todo = isEscalationStep(ctx.step)
    ? `Check in with ${ownerIsSupervisor ? ctx.supervisorName : doer} and acknowledge this escalation on the case.`
    : spec.whatToDo;
  // Straight to the page where it is done; the case page stays as the second link. An escalation's
  // reader checks on someone else's work there, so its link says where rather than what to do.
  const work =
    ctx.workUrl && ctx.workUrl !== ctx.caseUrl
      ? {
          url: ctx.workUrl,
          label: isEscalationStep(ctx.step) ? 'Where it is done' : obligationPageLabel(ctx.obligationKind),
        }
      : undefined;
  const text = [
    `Hello ${ctx.recipientName},`,
    '',
    lead,
    '',
    ...(ctx.task ? [`The task: ${ctx.task.what}`, ''] : []),
    `What to do: ${todo}`,
    `Who else knows: ${alsoTold}`,
    '',
    ...(work ? [`${work.label}: ${work.url}`] : []),
    `Open the case: ${ctx.caseUrl}`,
    ...(ctx.acknowledge
      ? [
          `Acknowledge this escalation: ${ctx.acknowledge.url}`,
          `(The link opens a page where you confirm; it works until ${formatWhen(ctx.acknowledge.expiresAt, ctx.recipientTimeZone)}.)`,
        ]
      : []),
    '',
    '— Caseloop',
  ].join('\n');
  const html = htmlDocument(subject, [
    `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    ...(ctx.task ? [`<p><strong>The task:</strong> ${escapeHtml(ctx.task.what)}</p>`] : []),
    `<p><strong>What to do:</strong> ${escapeHtml(todo)}</p>`,
    `<p><strong>Who else knows:</strong> ${escapeHtml(alsoTold)}</p>`,
    ...(work ? [`<p><a href="${escapeHtml(work.url)}">${escapeHtml(work.label)}</a></p>`] : []),
    `<p><a href="${escapeHtml(ctx.caseUrl)}">Open case ${escapeHtml(ctx.caseReference)}</a></p>`,
    ...(ctx.acknowledge
      ? [
          `<p><a href="${escapeHtml(ctx.acknowledge.url)}">Acknowledge this escalation</a> (opens a page where you confirm; works until ${escapeHtml(formatWhen(ctx.acknowledge.expiresAt, ctx.recipientTimeZone))})</p>`,
        ]
      : []),
    '<p>— Caseloop</p>',
  ]);
  // Subjects name the case by reference, never the client; a referral's service shows in both.
  const referralFields: ClientField[] = [
    ...(ctx.referral ? (['referral_service'] as const) : []),
    ...(ctx.task ? (['task_text'] as const) : []),
  ];
  return {
    subject,
    text,
    html,
    clientFields: [client.field, ...referralFields],
    subjectClientFields: referralFields,
  };
}

/** "J. D." style initials: enough for a case manager to recognise their client, little else. */
export function initials(givenName: string, familyName: string): string {
  return [givenName, familyName]
    .map((n) => n.trim().charAt(0).toUpperCase())
    .filter(Boolean)
    .map((c) => `${c}.`)
    .join(' ');
}
