import { whereDone } from '../../core/obligation-catalogue';

/**
 * Where each kind of obligation is done, as a page: the one place that turns the catalogue's
 * `doneAt` into a path of the page map (My work links to it). A kind about a referral, goal or plan
 * goes to that record's own page; anything without a page of its own goes to the case's due list.
 */
export interface DoneAtLink {
  href: string;
  /** The link's text: what the person does there. */
  action: string;
}

export function doneAtLink(item: {
  caseId: string;
  obligationKind: string;
  subjectId: string | null;
}): DoneAtLink {
  const base = `/cases/${encodeURIComponent(item.caseId)}`;
  const subject = item.subjectId === null ? null : encodeURIComponent(item.subjectId);
  const where = whereDone(item.obligationKind);
  switch (where) {
    case 'assessment':
      return { href: `${base}/assessments/new`, action: 'Record the assessment' };
    case 'new_plan':
      return { href: `${base}/plans/new`, action: 'Draft the plan' };
    case 'plan_decision':
      return subject
        ? { href: `${base}/plans/${subject}`, action: 'Review the plan' }
        : { href: `${base}#plan`, action: 'Review the plan' };
    case 'referral':
      return subject
        ? { href: `${base}/referrals/${subject}`, action: 'Update the referral' }
        : { href: `${base}#referrals`, action: 'See the referrals' };
    case 'goal_progress':
      return subject
        ? { href: `${base}/goals/${subject}/progress/new`, action: 'Record goal progress' }
        : { href: `${base}#plan`, action: 'See the plan' };
    case 'note':
      return { href: `${base}/notes/new`, action: 'Add a note' };
    case 'closure_decision':
    case 'case':
      return { href: `${base}#due`, action: 'Open the case' };
  }
}
