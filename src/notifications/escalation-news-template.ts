import { obligationLabel } from '../core/obligation-catalogue';
import { escapeHtml, formatWhen, htmlDocument, type RenderedMail } from './templates';

/** An unacknowledged escalation handed to someone with its case: what it is and where to acknowledge it. */
export interface EscalationHandOverContext {
  recipientName: string;
  recipientTimeZone: string;
  caseReference: string;
  obligationKind: string;
  level: 1 | 2;
  dueAt: Date;
  raisedAt: Date;
  /** Their signed acknowledgement link, and until when it works. */
  acknowledge: { url: string; expiresAt: Date };
  caseUrl: string;
}

export function renderEscalationHandOver(ctx: EscalationHandOverContext): RenderedMail {
  const what = obligationLabel(ctx.obligationKind);
  const at = (d: Date) => formatWhen(d, ctx.recipientTimeZone);
  const subject = `Escalation handed to you: ${what.toLowerCase()} overdue — case ${ctx.caseReference}`;
  const lines = [
    `Hello ${ctx.recipientName},`,
    `Case ${ctx.caseReference} was handed to you with an escalation nobody has acknowledged yet: ${what.toLowerCase()}, due ${at(ctx.dueAt)}, escalated ${at(ctx.raisedAt)}${ctx.level === 2 ? ' to the program manager' : ''}.`,
    `Acknowledge it to tell Caseloop you are dealing with it (the link works until ${at(ctx.acknowledge.expiresAt)}):`,
    ctx.acknowledge.url,
    `The case: ${ctx.caseUrl}`,
  ];
  return {
    subject,
    text: `${lines.join('\n\n')}\n\n— Caseloop\n`,
    html: htmlDocument(subject, [
      `<p>${escapeHtml(lines[0]!)}</p>`,
      `<p>${escapeHtml(lines[1]!)}</p>`,
      `<p><a href="${escapeHtml(ctx.acknowledge.url)}">Acknowledge the escalation</a> (the link works until ${escapeHtml(at(ctx.acknowledge.expiresAt))}).</p>`,
      `<p><a href="${escapeHtml(ctx.caseUrl)}">Open case ${escapeHtml(ctx.caseReference)}</a></p>`,
      '<p>— Caseloop</p>',
    ]),
  };
}
