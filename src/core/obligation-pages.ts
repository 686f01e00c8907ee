import { whereDone, type ObligationKind, type WhereDone } from './obligation-catalogue';

/**
 * Where each kind of obligation is met: the staff page a reminder, an escalation, a digest line or
 * "My work" links to. The catalogue says where each kind is done (`doneAt`); this table turns that
 * into a path of the page map, so emails and pages never disagree and a new kind needs no entry
 * here. Paths are relative to PUBLIC_BASE_URL; pure, so every layer may use it.
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
  assessment: { path: (c) => `${c}/assessments/new`, label: 'Record the assessment' },
  // A service plan has no subject; given one (a plan already written), its page is where it is finished.
  new_plan: { path: (c, s) => (s ? `${c}/plans/${s}` : `${c}/plans/new`), label: 'Write the service plan' },
  plan_decision: { path: (c, s) => (s ? `${c}/plans/${s}` : `${c}#plan`), label: 'Review the plan' },
  referral: { path: (c, s) => (s ? `${c}/referrals/${s}` : `${c}#referrals`), label: 'Update the referral' },
  goal_progress: {
    path: (c, s) => (s ? `${c}/goals/${s}/progress/new` : `${c}#plan`),
    label: 'Record goal progress',
  },
  // Activity on a stalled plan: a contact note is the record of it.
  note: { path: (c) => `${c}/notes/new`, label: 'Add a note' },
  closure_decision: DUE,
  task: { path: (c) => `${c}#tasks`, label: 'Mark the task done' },
  appointment: {
    path: (c, s) => (s ? `${c}/appointments/${s}` : `${c}#appointments`),
    label: 'See the appointment',
  },
  attendance: {
    path: (c, s) => (s ? `${c}/appointments/${s}/attendance` : `${c}#appointments`),
    label: 'Record attendance',
  },
} satisfies Record<WhereDone, ObligationPage>;

/** The case page's path. */
export const casePath = (caseId: string): string => `/cases/${encodeURIComponent(caseId)}`;

/** A kind the catalogue does not know (a row from a retired generation) goes to the case's due list. */
function pageOf(kind: string): ObligationPage {
  const where = whereDone(kind);
  return where === 'case' ? DUE : PAGES[where];
}

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
