import type { Router } from 'express';
import type { Actor } from '../../domain/actor';
import { loadCase } from '../../domain/cases';
import {
  addTask,
  assignableStaff,
  canAddTask,
  canCloseTask,
  closeTask,
  type Assignable,
  type Task,
} from '../../domain/tasks';
import { taskBody } from '../routes/tasks';
import {
  caseFormPage,
  caseHead,
  casePath,
  changed,
  given,
  parseWith,
  refusalOf,
  type CaseHead,
} from './case-forms';
import { formValues, select, textArea, textInput, type FieldErrors, type FormValues } from './forms';
import { csrfField } from './layout';
import { instantFromLocal } from './local-time';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type Fragment, type SafeHtml } from './template';
import type { WebDeps } from './web-deps';

/**
 * Tasks on the case page: the list (open ones with Done and Cancel), the "Add a task" form, and
 * the routes those post to. The due time is typed in the viewer's own zone, like every form.
 */

const TASK_LABELS = { what: 'What is to be done', assigneeId: 'Who does it', dueAt: 'Due' };
const WHAT_MAX = 300;

const roleWords: Record<string, string> = {
  case_manager: 'case manager',
  supervisor: 'supervisor',
  program_manager: 'program manager',
  admin: 'admin',
};

/** Who may do it: the staff with access to the case, each with their role. */
const assigneeChoices = (staff: Assignable[]) =>
  staff.map((s) => ({ value: s.id, label: `${s.fullName} (${roleWords[s.role] ?? s.role})` }));

/** The "Add a task" form, on the case page or back with its errors. */
export function taskForm(
  caseId: string,
  viewer: Viewer,
  assignable: Assignable[],
  values: FormValues,
  errors?: FieldErrors,
): SafeHtml {
  return html`<form class="usa-form usa-form--large" method="post" action="/cases/${caseId}/tasks" novalidate>
    ${csrfField(viewer)}
    ${textArea({
      name: 'what',
      label: TASK_LABELS.what,
      hint: 'Shown in its reminders: keep it short and leave out what the client would not want emailed.',
      required: true,
      maxlength: WHAT_MAX,
      rows: 2,
      values,
      errors,
    })}
    ${select({
      name: 'assigneeId',
      label: TASK_LABELS.assigneeId,
      hint: 'Anyone who may see this case.',
      required: true,
      choices: assigneeChoices(assignable),
      values,
      errors,
    })}
    ${textInput({
      name: 'dueAt',
      type: 'datetime-local',
      label: TASK_LABELS.dueAt,
      hint: `Your time (${viewer.timeZone}).`,
      required: true,
      values,
      errors,
    })}
    <button class="usa-button" type="submit">Add task</button>
  </form>`;
}

export interface TaskSectionInput {
  caseId: string;
  caseOpen: boolean;
  tasks: Task[];
  assignable: Assignable[];
  parties: { case_manager_id: string; supervisor_id: string };
  person: (id: string | null) => string;
  time: (iso: string | null) => SafeHtml;
}

function statusOf(t: Task, s: TaskSectionInput): Fragment {
  if (t.status === 'open') return 'Open';
  return html`${t.status === 'done' ? 'Done' : 'Cancelled'} ${s.time(t.closedAt)} by
  ${s.person(t.closedBy)}${t.closeNote ? html`: ${t.closeNote}` : ''}`;
}

function closeButtons(t: Task, viewer: Viewer, s: TaskSectionInput, actor: Actor): Fragment {
  if (t.status !== 'open' || !s.caseOpen || !canCloseTask(actor, s.parties, t)) return '';
  const button = (verb: 'done' | 'cancel', label: string, outline: boolean) =>
    html`<form class="cl-inline-form" method="post" action="/cases/${s.caseId}/tasks/${t.id}/${verb}">
      ${csrfField(viewer)}
      <button class="usa-button${outline ? ' usa-button--outline' : ''}" type="submit">
        ${label}<span class="usa-sr-only">: ${t.what}</span>
      </button>
    </form>`;
  return html`${button('done', 'Done', false)} ${button('cancel', 'Cancel task', true)}`;
}

/** The case page's Tasks section: open tasks soonest first, then closed ones, and the form. */
export function tasksSection(s: TaskSectionInput, viewer: Viewer, actor: Actor): SafeHtml {
  const list =
    s.tasks.length === 0
      ? html`<p>No tasks yet.</p>`
      : html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table">
          <caption class="usa-sr-only">
            Tasks, open ones first, in your time zone
          </caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Assigned to</th>
              <th scope="col">Due</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            ${s.tasks.map(
              (t) =>
                html`<tr>
                  <th scope="row" data-label="Task" class="cl-text">
                    ${t.what}<br /><span class="cl-muted"
                      >Added ${s.time(t.createdAt)} by ${s.person(t.createdBy)}</span
                    >
                  </th>
                  <td data-label="Assigned to">${s.person(t.assigneeId)}</td>
                  <td data-label="Due">${s.time(t.dueAt)}</td>
                  <td data-label="Status">${statusOf(t, s)}</td>
                  <td data-label="Actions">${closeButtons(t, viewer, s, actor)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
  const form =
    s.caseOpen && canAddTask(actor, s.parties)
      ? html`<h3>Add a task</h3>
          <p class="cl-muted">
            Its reminders go to the person who does it; if it stays overdue, the case's supervisor is told.
          </p>
          ${taskForm(s.caseId, viewer, s.assignable, {})}`
      : '';
  return html`${list} ${form}`;
}

export function registerTaskPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const formPage = async (
    viewer: Viewer,
    actor: Actor,
    head: CaseHead,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): Promise<string> => {
    const assignable = await assignableStaff(deps.pool, await loadCase(deps.pool, actor, head.id));
    return caseFormPage({
      viewer,
      head,
      title: 'Add a task',
      problem,
      errors,
      labels: TASK_LABELS,
      body: html`${taskForm(head.id, viewer, assignable, values, errors)}
        <p><a href="${casePath(head.id, 'tasks')}">Back to the case</a></p>`,
    });
  };

  web.get('/cases/:caseId/tasks/new', mw.signedIn, async (req, res) => {
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    sendPage(res, 200, await formPage(viewerOf(res), actor, head, {}));
  });

  web.post('/cases/:caseId/tasks', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const due = given(values, 'dueAt');
    const parsed = parseWith(
      taskBody,
      {
        what: given(values, 'what'),
        assigneeId: given(values, 'assigneeId') || undefined,
        dueAt: due ? (instantFromLocal(due, viewer.timeZone) ?? due) : '',
      },
      {
        labels: TASK_LABELS,
        missing: {
          what: 'Enter what is to be done.',
          assigneeId: 'Choose who does it.',
          dueAt: 'Enter when it is due.',
        },
      },
    );
    if (!parsed.ok) {
      if (parsed.errors.dueAt && due) parsed.errors.dueAt = 'Enter a real date and time.';
      if (parsed.errors.assigneeId && values.assigneeId)
        parsed.errors.assigneeId = 'Choose who does it from the list.';
      return sendPage(res, 400, await formPage(viewer, actor, head, values, parsed.errors));
    }
    try {
      const result = await addTask(deps, actor, head.id, parsed.data);
      changed(res, casePath(head.id, 'tasks'), result, 'task-added');
    } catch (err) {
      const refusal = refusalOf(err, (field) =>
        field === 'dueAt'
          ? 'This is not in the future. Enter when it is due.'
          : field === 'assigneeId'
            ? 'They cannot see this case. Choose someone from the list.'
            : undefined,
      );
      if (!refusal) throw err;
      sendPage(
        res,
        refusal.status,
        await formPage(viewer, actor, head, values, refusal.errors, refusal.problem),
      );
    }
  });

  for (const [verb, outcome] of [
    ['done', 'done'],
    ['cancel', 'cancelled'],
  ] as const) {
    web.post(`/cases/:caseId/tasks/:taskId/${verb}`, mw.form, mw.signedIn, mw.csrf, async (req, res) => {
      const actor = actorOf(res);
      const head = await caseHead(deps, actor, String(req.params.caseId));
      try {
        const result = await closeTask(deps, actor, head.id, String(req.params.taskId), { outcome });
        changed(res, casePath(head.id, 'tasks'), result, outcome === 'done' ? 'task-done' : 'task-cancelled');
      } catch (err) {
        const refusal = refusalOf(err);
        if (!refusal) throw err;
        sendPage(
          res,
          refusal.status,
          await formPage(viewerOf(res), actor, head, {}, undefined, refusal.problem),
        );
      }
    });
  }
}
