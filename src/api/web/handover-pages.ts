import type { Response, Router } from 'express';
import { closedRefusal } from '../../core/case-status-rules';
import { ForbiddenError } from '../../core/errors';
import { reassign } from '../../domain/case-actions';
import { handOverChoices, type HandOverChoices } from '../../domain/handover';
import { reassignBody } from '../routes/cases';
import {
  caseFormPage,
  caseHead,
  casePath,
  changed,
  notNow,
  optional,
  parseWith,
  refusalOf,
  type CaseHead,
} from './case-forms';
import { formValues, select, type FieldErrors, type FormValues } from './forms';
import { csrfField } from './layout';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html } from './template';
import type { WebDeps } from './web-deps';

/**
 * Handing a case to another case manager or supervisor (the case's supervisor, its program manager
 * or an admin): balancing caseloads, covering a leave. From the change on, every reminder and
 * escalation goes to the new people, and open tasks of whoever leaves go with the case.
 */

const LABELS = { caseManagerId: 'New case manager', supervisorId: 'New supervisor' };

const caseManagerLabel = (c: HandOverChoices['caseManagers'][number]): string =>
  `${c.fullName} (${c.openCases} open ${c.openCases === 1 ? 'case' : 'cases'}${
    c.supervisorName ? `, supervised by ${c.supervisorName}` : ''
  })`;

const roleWord = { supervisor: 'supervisor', program_manager: 'program manager' } as const;

/** "1 open task, 2 upcoming appointments and 1 unacknowledged escalation of theirs go to whoever takes their place." (empty when none) */
export function movesWithThem(choices: HandOverChoices): string {
  const count = (n: number, one: string, many: string) => (n ? [`${n} ${n === 1 ? one : many}`] : []);
  const held = [
    ...count(choices.openTasksOfParties, 'open task', 'open tasks'),
    ...count(choices.upcomingAppointmentsOfParties, 'upcoming appointment', 'upcoming appointments'),
    ...count(choices.openEscalationsOfParties, 'unacknowledged escalation', 'unacknowledged escalations'),
  ];
  if (held.length === 0) return '';
  const total =
    choices.openTasksOfParties + choices.upcomingAppointmentsOfParties + choices.openEscalationsOfParties;
  const listed = held.length > 1 ? `${held.slice(0, -1).join(', ')} and ${held.at(-1)}` : held[0];
  return `${listed} of theirs ${total === 1 ? 'goes' : 'go'} to whoever takes their place.`;
}

function handOverForm(viewer: Viewer, choices: HandOverChoices, values: FormValues, errors?: FieldErrors) {
  return html`<p>
      ${choices.current.caseManagerName} carries this case and ${choices.current.supervisorName} supervises
      it. From the hand-over on, every reminder and escalation goes to the new people, in their own working
      hours. ${movesWithThem(choices)}
    </p>
    <form
      class="usa-form usa-form--large"
      method="post"
      action="/cases/${choices.caseId}/reassign"
      novalidate
    >
      ${csrfField(viewer)}
      ${select({
        name: 'caseManagerId',
        label: LABELS.caseManagerId,
        hint: 'Open cases each carries now.',
        placeholder: `No change (${choices.current.caseManagerName})`,
        choices: choices.caseManagers.map((c) => ({ value: c.id, label: caseManagerLabel(c) })),
        values,
        errors,
      })}
      ${select({
        name: 'supervisorId',
        label: LABELS.supervisorId,
        hint: 'Left as it is, the case goes to the new case manager’s own supervisor. The supervisor must supervise the case manager or manage the case’s program.',
        placeholder: 'The case manager’s own supervisor',
        choices: choices.supervisors.map((s) => ({
          value: s.id,
          label: `${s.fullName} (${roleWord[s.role]})`,
        })),
        values,
        errors,
      })}
      <div class="cl-actions">
        <button class="usa-button" type="submit">Hand over the case</button>
        <a class="usa-button usa-button--outline" href="${casePath(choices.caseId)}">Cancel</a>
      </div>
    </form>`;
}

/** Words for the reassignment's refusals of a named person, next to the field. */
function fieldMessage(field: string, reason: string): string | undefined {
  if (field === 'caseManagerId')
    return reason === 'not found' ? 'Choose an active case manager.' : `That person ${reason}.`;
  if (field === 'supervisorId')
    return reason === 'not found' ? 'Choose an active supervisor.' : `That supervisor ${reason}.`;
  return undefined;
}

export function registerHandOverPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  /** The form, or why it is not offered: 404 for a case the viewer cannot see, 403 for one not theirs to hand over. */
  const page = async (
    res: Response,
    caseId: string,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): Promise<{ status: number; html: string }> => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const title = 'Hand over the case';
    let choices: HandOverChoices;
    try {
      choices = await handOverChoices(deps.pool, actor, caseId);
    } catch (err) {
      if (!(err instanceof ForbiddenError)) throw err;
      const head = await caseHead(deps, actor, caseId);
      return { status: 403, html: caseFormPage({ viewer, head, title, body: notNow(head, err.message) }) };
    }
    const head: CaseHead = { id: choices.caseId, reference: choices.reference, status: choices.status };
    const closed = closedRefusal(choices.status, `Case ${choices.reference}`);
    const body = closed && !problem ? notNow(head, closed) : handOverForm(viewer, choices, values, errors);
    return {
      status: errors ? 400 : 200,
      html: caseFormPage({ viewer, head, title, problem, errors, labels: LABELS, body }),
    };
  };

  web.get('/cases/:caseId/reassign', mw.signedIn, async (req, res) => {
    const shown = await page(res, String(req.params.caseId), {});
    sendPage(res, shown.status, shown.html);
  });

  web.post('/cases/:caseId/reassign', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const caseId = String(req.params.caseId);
    const values = formValues(req.body);
    /** The form again, what was chosen kept; a refusal of the page itself (403) wins. */
    const again = async (status: number, errors?: FieldErrors, problem?: string) => {
      const shown = await page(res, caseId, values, errors, problem);
      sendPage(res, shown.status === 403 ? 403 : status, shown.html);
    };
    const parsed = parseWith(
      reassignBody,
      { caseManagerId: optional(values, 'caseManagerId'), supervisorId: optional(values, 'supervisorId') },
      { labels: LABELS },
    );
    if (!parsed.ok) return again(400, parsed.errors);
    if (!parsed.data.caseManagerId && !parsed.data.supervisorId)
      return again(400, { caseManagerId: 'Choose a new case manager, a new supervisor, or both.' });
    try {
      const result = await reassign(deps, actorOf(res), caseId, parsed.data);
      changed(res, casePath(caseId), result, 'case-handed-over');
    } catch (err) {
      const refusal = refusalOf(err, fieldMessage);
      if (!refusal) throw err;
      await again(refusal.status, refusal.errors, refusal.problem);
    }
  });
}
