import type { LadderStepKind } from '../domain/ladder';
import type { ObligationKind, Recipient } from '../workflows/types';

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
  clientLabel: string;
  programName: string;
  caseManagerName: string;
  supervisorName: string;
  caseUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const OBLIGATION_NAMES: Record<ObligationKind, string> = {
  initial_assessment: 'Initial assessment',
};

const WHAT_TO_DO: Record<ObligationKind, string> = {
  initial_assessment: 'Complete the needs assessment with the client and record it on the case.',
};

const DAY_MS = 86_400_000;

function formatWhen(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(date);
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderCaseMail(ctx: CaseMailContext): RenderedMail {
  const what = OBLIGATION_NAMES[ctx.obligationKind];
  const due = formatWhen(ctx.dueAt, ctx.recipientTimeZone);
  const caseLine = `case ${ctx.caseReference}`;
  let subject: string;
  let lead: string;
  let alsoTold: string;
  switch (ctx.step) {
    case 'heads_up':
      subject = `${what} due ${due} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${ctx.clientLabel}) is due ${due}.`;
      alsoTold = 'Nobody else has been told yet.';
      break;
    case 'due':
      subject = `${what} due now — ${caseLine}`;
      lead = `${what} for ${caseLine} (${ctx.clientLabel}) is due now (${due}).`;
      alsoTold = 'Nobody else has been told yet.';
      break;
    case 'overdue':
      subject = `${what} overdue ${overdueBy(ctx)} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${ctx.clientLabel}) has been overdue since ${due}. This is reminder ${ctx.n}.`;
      alsoTold = `Your supervisor, ${ctx.supervisorName}, is told if it stays overdue.`;
      break;
    case 'escalate_supervisor':
      subject = `Escalation: ${what.toLowerCase()} overdue ${overdueBy(ctx)} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${ctx.clientLabel}), carried by ${ctx.caseManagerName}, has been overdue since ${due}.`;
      alsoTold = `${ctx.caseManagerName} has had reminders. The program manager is told if this is not acknowledged.`;
      break;
    case 'escalate_program_manager':
      subject = `Escalation (unacknowledged): ${what.toLowerCase()} overdue ${overdueBy(ctx)} — ${caseLine}`;
      lead = `${what} for ${caseLine} (${ctx.clientLabel}) in ${ctx.programName} has been overdue since ${due}, and the supervisor's escalation has not been acknowledged.`;
      alsoTold = `${ctx.caseManagerName} (case manager) and ${ctx.supervisorName} (supervisor) have been told.`;
      break;
  }
  const todo =
    ctx.recipient === 'case_manager'
      ? WHAT_TO_DO[ctx.obligationKind]
      : `Check in with ${ctx.caseManagerName} and acknowledge this escalation on the case.`;
  const text = [
    `Hello ${ctx.recipientName},`,
    '',
    lead,
    '',
    `What to do: ${todo}`,
    `Who else knows: ${alsoTold}`,
    '',
    `Open the case: ${ctx.caseUrl}`,
    '',
    '— Caseloop',
  ].join('\n');
  const html = [
    '<!doctype html><html lang="en"><body>',
    `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<p><strong>What to do:</strong> ${escapeHtml(todo)}</p>`,
    `<p><strong>Who else knows:</strong> ${escapeHtml(alsoTold)}</p>`,
    `<p><a href="${escapeHtml(ctx.caseUrl)}">Open case ${escapeHtml(ctx.caseReference)}</a></p>`,
    '<p>— Caseloop</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** "J. D." style initials: enough for a case manager to recognise their client, little else. */
export function initials(givenName: string, familyName: string): string {
  return [givenName, familyName]
    .map((n) => n.trim().charAt(0).toUpperCase())
    .filter(Boolean)
    .map((c) => `${c}.`)
    .join(' ');
}
