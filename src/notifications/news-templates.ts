import type { CaseNewsKind } from '../core/case-contract';
import { escapeHtml, formatWhen, htmlDocument, type ClientField, type RenderedMail } from './templates';

/**
 * Emails that tell someone of another person's request or decision: a plan or a closure waiting
 * for the supervisor, and the supervisor's answer back to the case manager. They name the case by
 * reference only; the one free text they carry is the decision's note, for the case manager.
 */

/** News of a plan or closure (referral news has its own emails, provider-templates.ts; escalations theirs). */
export type DecisionNewsKind = Exclude<
  CaseNewsKind,
  'referral_sent' | 'referral_answered' | 'escalation_handed_over'
>;

export interface CaseNewsContext {
  what: DecisionNewsKind;
  recipientName: string;
  recipientTimeZone: string;
  caseReference: string;
  /** Who made the request or decision (staff name), when the record names them. */
  actorName?: string;
  /** When it happened. */
  at: Date;
  /** A request: when the decision falls due. */
  decideBy?: Date;
  /** Plan news: the plan's version, when the record has the plan. */
  planVersion?: number;
  /** A decision's note (why it was returned, or what to mind), as the decider wrote it. */
  note?: string;
  /** The page to open: the plan, or where the closure is decided or the case stands. */
  url: string;
}

export interface RenderedNewsMail extends RenderedMail {
  /** What of the record beyond the reference this email carries (for the audit entry). */
  recordFields: ClientField[];
}

interface Wording {
  subject: string;
  lead: string;
  todo: string;
  linkLabel: string;
}

function wording(ctx: CaseNewsContext): Wording {
  const caseLine = `case ${ctx.caseReference}`;
  const plan = ctx.planVersion === undefined ? 'Service plan' : `Service plan v${ctx.planVersion}`;
  const planLower = plan.charAt(0).toLowerCase() + plan.slice(1);
  const who = ctx.actorName ?? 'Someone';
  const on = formatWhen(ctx.at, ctx.recipientTimeZone);
  const by = ctx.decideBy ? ` by ${formatWhen(ctx.decideBy, ctx.recipientTimeZone)}` : '';
  switch (ctx.what) {
    case 'plan_submitted':
      return {
        subject: `${plan} submitted for your approval — ${caseLine}`,
        lead: `${who} submitted ${planLower} for ${caseLine} on ${on}.`,
        todo: `Review the plan and approve it, or return it with a note${by}.`,
        linkLabel: 'Review the plan',
      };
    case 'plan_approved':
      return {
        subject: `${plan} approved — ${caseLine}`,
        lead: `${who} approved ${planLower} for ${caseLine} on ${on}.`,
        todo: 'Work the plan with the client and record goal progress as it happens.',
        linkLabel: 'Open the plan',
      };
    case 'plan_returned':
      return {
        subject: `${plan} returned — ${caseLine}`,
        lead: `${who} returned ${planLower} for ${caseLine} on ${on}.`,
        todo: 'Revise the plan as the note asks and submit it again.',
        linkLabel: 'Open the plan',
      };
    case 'closure_requested':
      return {
        subject: `Closure requested for your approval — ${caseLine}`,
        lead: `${who} asked to close ${caseLine} on ${on}.`,
        todo: `Review the closure request and approve it, or return it with a note${by}.`,
        linkLabel: 'Review the closure request',
      };
    case 'closure_approved':
      return {
        subject: `Closure approved — ${caseLine} is closed`,
        lead: `${who} approved closing ${caseLine} on ${on}. No more reminders will be sent for it.`,
        todo: 'Nothing more; a supervisor can reopen the case if the client returns.',
        linkLabel: 'Open the case',
      };
    case 'closure_returned':
      return {
        subject: `Closure returned — ${caseLine} stays open`,
        lead: `${who} returned the request to close ${caseLine} on ${on}. The case stays open and its reminders run again.`,
        todo: 'Do what the note asks, then request closure again when the case is ready.',
        linkLabel: 'Open the case',
      };
  }
}

export function renderCaseNews(ctx: CaseNewsContext): RenderedNewsMail {
  const { subject, lead, todo, linkLabel } = wording(ctx);
  const note = ctx.note?.trim() ? ctx.note.trim() : undefined;
  const noteFrom = ctx.actorName ? `Note from ${ctx.actorName}:` : 'Note with the decision:';
  const text = [
    `Hello ${ctx.recipientName},`,
    '',
    lead,
    ...(note ? ['', noteFrom, ...note.split('\n').map((l) => `> ${l}`)] : []),
    '',
    `What to do: ${todo}`,
    '',
    `${linkLabel}: ${ctx.url}`,
    '',
    '— Caseloop',
  ].join('\n');
  const html = htmlDocument(subject, [
    `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    ...(note
      ? [
          `<p><strong>${escapeHtml(noteFrom)}</strong></p>`,
          `<blockquote>${note.split('\n').map(escapeHtml).join('<br>')}</blockquote>`,
        ]
      : []),
    `<p><strong>What to do:</strong> ${escapeHtml(todo)}</p>`,
    `<p><a href="${escapeHtml(ctx.url)}">${escapeHtml(linkLabel)}</a></p>`,
    '<p>— Caseloop</p>',
  ]);
  return { subject, text, html, recordFields: note ? ['decision_note'] : [] };
}
