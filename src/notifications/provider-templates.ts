import {
  agencyLine,
  escapeHtml,
  formatDay,
  formatWhen,
  htmlDocument,
  type AgencyContact,
  type ClientField,
  type RenderedCaseMail,
  type RenderedMail,
} from './templates';

/**
 * Emails about a referral's answer: the referral itself to the provider (with the signed link to
 * their answer page), and the provider's answer to the case manager. A provider learns of the
 * client only what the client consented to share with that provider by name; consent to share
 * with providers in general gives them the case reference and the service, nothing more.
 */

export interface ReferralToProviderContext {
  /** The provider's organisation. */
  recipientName: string;
  recipientTimeZone: string;
  programName: string;
  agency?: AgencyContact;
  caseReference: string;
  service: string;
  caseManagerName: string;
  /** Only when the client consented to share with this provider by name. */
  client?: { fullName: string; reason: string };
  answer: { url: string; expiresAt: Date };
}

export function renderReferralToProvider(ctx: ReferralToProviderContext): RenderedCaseMail {
  const subject = `New referral: ${ctx.service} — ${ctx.programName}, ref ${ctx.caseReference}`;
  const from = `${ctx.programName}${ctx.agency?.name ? ` (${ctx.agency.name})` : ''}`;
  const lead = `${from} refers a client to you for ${ctx.service} (reference ${ctx.caseReference}).`;
  const about = ctx.client
    ? [`Client: ${ctx.client.fullName}`, `Why: ${ctx.client.reason}`]
    : [
        'The client agreed to share only this reference with providers; the case manager can tell you more once you accept.',
      ];
  const until = formatDay(ctx.answer.expiresAt, ctx.recipientTimeZone);
  const todo = `Accept, schedule, decline or record the outcome on this page (no account needed; the link works until ${until}):`;
  const agency = agencyLine(ctx.agency);
  const reply = `Or reply to this email: it goes to ${ctx.caseManagerName}, the case manager${agency ? `, and to ${agency}` : ''}.`;
  const signature = `— ${ctx.programName}${ctx.agency?.name ? `, ${ctx.agency.name}` : ''}, via Caseloop`;
  const text = [
    `Hello ${ctx.recipientName},`,
    '',
    lead,
    ...about,
    '',
    todo,
    ctx.answer.url,
    '',
    reply,
    '',
    signature,
  ].join('\n');
  const html = htmlDocument(subject, [
    `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    `<p>${about.map(escapeHtml).join('<br>')}</p>`,
    `<p>${escapeHtml(todo)} <a href="${escapeHtml(ctx.answer.url)}">Answer the referral</a></p>`,
    `<p>${escapeHtml(reply)}</p>`,
    `<p>${escapeHtml(signature)}</p>`,
  ]);
  const fields: ClientField[] = ctx.client
    ? ['full_name', 'referral_service', 'referral_reason']
    : ['referral_service'];
  return { subject, text, html, clientFields: fields, subjectClientFields: ['referral_service'] };
}

export interface ProviderAnswerContext {
  recipientName: string;
  recipientTimeZone: string;
  organisation: string;
  service: string;
  caseReference: string;
  status: string;
  at: Date;
  /** The provider's note: why they declined, or what they add. */
  note?: string;
  /** The date the provider booked, for a scheduled referral (YYYY-MM-DD). */
  scheduledFor?: string;
  url: string;
}

const ANSWERS: Record<string, string> = {
  accepted: 'accepted',
  declined: 'declined',
  scheduled: 'scheduled',
  completed: 'completed',
  no_show: 'recorded a no-show for',
};

/** The provider answered from their link: the case manager hears it at once. */
export function renderProviderAnswer(ctx: ProviderAnswerContext): RenderedMail {
  const verb = ANSWERS[ctx.status] ?? ctx.status.replace('_', ' ');
  const subject = `${ctx.organisation} ${verb} the referral (${ctx.service}) — case ${ctx.caseReference}`;
  const when = ctx.scheduledFor ? ` for ${formatDay(new Date(`${ctx.scheduledFor}T12:00:00Z`), 'UTC')}` : '';
  const lead = `${ctx.organisation} ${verb} the referral for ${ctx.service}${when} on case ${ctx.caseReference}, on ${formatWhen(ctx.at, ctx.recipientTimeZone)}, from their answer link.`;
  const note = ctx.note ? [`Their note:`, `> ${ctx.note}`] : [];
  const text = [
    `Hello ${ctx.recipientName},`,
    '',
    lead,
    ...(note.length ? ['', ...note] : []),
    '',
    `Open the referral: ${ctx.url}`,
    '',
    '— Caseloop',
  ].join('\n');
  const html = htmlDocument(subject, [
    `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
    `<p>${escapeHtml(lead)}</p>`,
    ...(ctx.note ? [`<p>Their note:</p><blockquote>${escapeHtml(ctx.note)}</blockquote>`] : []),
    `<p><a href="${escapeHtml(ctx.url)}">Open the referral</a></p>`,
    '<p>— Caseloop</p>',
  ]);
  return { subject, text, html };
}
