import type { ObligationKind } from './obligation-catalogue';

/**
 * Where each kind of obligation is met: the staff page a reminder, an escalation, a digest line or
 * "My work" links to. One table for every link, so emails and pages never disagree. Paths are
 * relative to PUBLIC_BASE_URL (the page map of the staff workspace); pure, so every layer may use it.
 */

export interface ObligationRef {
  kind: ObligationKind;
  caseId: string;
  /** The plan, referral or goal the obligation is about (its `subjectId`), when it has one. */
  subjectId?: string | null;
}

interface ObligationPage {
  /** The page, from the case's own path and the obligation's subject (absent when it has none). */
  path: (casePath: string, subject: string | undefined) => string;
  /** What the link says: the action done there. */
  label: string;
}

const DUE: ObligationPage = { path: (c) => `${c}#due`, label: 'See what is due on the case' };

const PAGES = {
  initial_assessment: { path: (c) => `${c}/assessments/new`, label: 'Record the assessment' },
  reassessment: { path: (c) => `${c}/assessments/new`, label: 'Record the reassessment' },
  // A service plan has no subject; given one (a plan already written), its page is where it is finished.
  service_plan: {
    path: (c, s) => (s ? `${c}/plans/${s}` : `${c}/plans/new`),
    label: 'Write the service plan',
  },
  plan_approval: { path: (c, s) => (s ? `${c}/plans/${s}` : `${c}#plan`), label: 'Review the plan' },
  referral_response: {
    path: (c, s) => (s ? `${c}/referrals/${s}` : `${c}#referrals`),
    label: 'Update the referral',
  },
  referral_outcome: {
    path: (c, s) => (s ? `${c}/referrals/${s}` : `${c}#referrals`),
    label: 'Update the referral',
  },
  goal_target: {
    path: (c, s) => (s ? `${c}/goals/${s}/progress/new` : `${c}#plan`),
    label: 'Record goal progress',
  },
  stalled_plan: DUE,
  closure_approval: DUE,
} satisfies Record<ObligationKind, ObligationPage>;

/** The case page's path. */
export const casePath = (caseId: string): string => `/cases/${encodeURIComponent(caseId)}`;

/** A kind this table does not know (a row from a retired generation) goes to the case's due list. */
const pageOf = (kind: string): ObligationPage =>
  Object.hasOwn(PAGES, kind) ? PAGES[kind as ObligationKind] : DUE;

/**
 * The path of the page where the obligation is met, e.g. `/cases/<id>/assessments/new` for an
 * initial assessment, `/cases/<id>/referrals/<referralId>` for a referral's response or outcome,
 * `/cases/<id>#due` for anything done on the case page itself.
 */
export function pathForObligation(o: ObligationRef): string {
  const subject = o.subjectId ? encodeURIComponent(o.subjectId) : undefined;
  return pageOf(o.kind).path(casePath(o.caseId), subject);
}

/** What a link to that page says ("Record the assessment"). */
export function obligationPageLabel(kind: ObligationKind): string {
  return pageOf(kind).label;
}
