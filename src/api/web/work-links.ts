import { isObligationKind } from '../../core/obligation-catalogue';
import { casePath, obligationPageLabel, pathForObligation } from '../../core/obligation-pages';

/**
 * A My work item's link: the same page its reminder emails link to (src/core/obligation-pages.ts,
 * from the catalogue's `doneAt`), with the action as the link's words.
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
  if (!isObligationKind(item.obligationKind))
    return { href: `${casePath(item.caseId)}#due`, action: 'Open the case' };
  return {
    href: pathForObligation({ kind: item.obligationKind, caseId: item.caseId, subjectId: item.subjectId }),
    action: obligationPageLabel(item.obligationKind),
  };
}
