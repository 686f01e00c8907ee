import type { Router } from 'express';
import { getStaff } from '../../domain/directory';
import { addNote, getNote, type Note } from '../../domain/notes';
import { noteBody } from '../routes/cases';
import {
  caseFormPage,
  caseHead,
  casePath,
  changed,
  given,
  longForm,
  multiline,
  optional,
  parseWith,
  refusalOf,
  type CaseHead,
} from './case-forms';
import { formValues, radios, textArea, textInput, type FieldErrors, type FormValues } from './forms';
import { csrfField } from './layout';
import { instantFromLocal, localInputValue } from './local-time';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';

/** Case notes: append-only. A correction is a new note that points at the one it amends. */

const NOTE_TYPES = [
  { value: 'contact', label: 'Contact with the client or about them' },
  { value: 'progress', label: 'Progress on the plan' },
  { value: 'supervision', label: 'Supervision' },
  { value: 'closing', label: 'Closing' },
];
const typeLabel = (type: string): string => NOTE_TYPES.find((t) => t.value === type)?.label ?? type;

const NOTE_LABELS = { type: 'Kind of note', body: 'Note', at: 'When it happened' };
const AMEND_LABELS = { body: 'Amendment' };
const NOTE_MAX = 20_000;

export function registerNotePages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const atField = (viewer: Viewer, values: FormValues, errors?: FieldErrors): SafeHtml =>
    textInput({
      name: 'at',
      type: 'datetime-local',
      label: NOTE_LABELS.at,
      hint: `Your time (${viewer.timeZone}). Leave empty if it is happening now.`,
      max: localInputValue(deps.clock?.() ?? new Date(), viewer.timeZone),
      values,
      errors,
    });

  const newPage = (
    viewer: Viewer,
    head: CaseHead,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): string =>
    caseFormPage({
      viewer,
      head,
      title: 'Add a case note',
      problem,
      errors,
      labels: NOTE_LABELS,
      body: html`<p>
          Notes are kept as written: to correct one later, add an amendment to it. Keep them objective,
          concise and dated.
        </p>
        <form class="usa-form usa-form--large" method="post" action="/cases/${head.id}/notes/new" novalidate>
          ${csrfField(viewer)}
          ${radios({ name: 'type', label: NOTE_LABELS.type, required: true, values, errors, choices: NOTE_TYPES })}
          ${atField(viewer, values, errors)}
          ${textArea({
            name: 'body',
            label: NOTE_LABELS.body,
            hint: 'What happened, what was agreed, what comes next.',
            required: true,
            maxlength: NOTE_MAX,
            rows: 8,
            values,
            errors,
          })}
          <div class="cl-actions">
            <button class="usa-button" type="submit">Add note</button>
            <a class="usa-button usa-button--outline" href="${casePath(head.id, 'notes')}">Cancel</a>
          </div>
        </form>`,
    });

  web.get('/cases/:caseId/notes/new', mw.signedIn, async (req, res) => {
    const head = await caseHead(deps, actorOf(res), String(req.params.caseId));
    sendPage(res, 200, newPage(viewerOf(res), head, {}));
  });

  web.post('/cases/:caseId/notes/new', longForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const at = optional(values, 'at');
    const parsed = parseWith(
      noteBody,
      {
        type: given(values, 'type') || undefined,
        body: given(values, 'body'),
        ...(at === undefined ? {} : { at: instantFromLocal(at, viewer.timeZone) ?? at }),
      },
      {
        labels: NOTE_LABELS,
        missing: { type: 'Choose the kind of note.', body: 'Enter the note.' },
      },
    );
    if (!parsed.ok) {
      if (parsed.errors.at) parsed.errors.at = 'Enter a real date and time, or leave it empty.';
      return sendPage(res, 400, newPage(viewer, head, values, parsed.errors));
    }
    try {
      const result = await addNote(deps, actor, head.id, parsed.data);
      changed(res, casePath(head.id, 'notes'), result, 'note-added');
    } catch (err) {
      const refusal = refusalOf(err, (field, reason) =>
        field === 'at'
          ? reason === 'in the future'
            ? 'This is in the future. Enter when it happened, or leave it empty if it is happening now.'
            : 'This is long before the case was opened.'
          : undefined,
      );
      if (!refusal) throw err;
      sendPage(res, refusal.status, newPage(viewer, head, values, refusal.errors, refusal.problem));
    }
  });

  const noteCard = async (viewer: Viewer, note: Note, heading: string): Promise<SafeHtml> => {
    const author = await getStaff(deps.pool, note.authorId);
    return html`<div class="usa-summary-box margin-y-2">
      <div class="usa-summary-box__body">
        <h2 class="usa-summary-box__heading">${heading}</h2>
        <p class="cl-muted">
          ${typeLabel(note.type)} · ${timeTag(note.at, viewer.timeZone)} · ${author.fullName}
        </p>
        <p class="usa-summary-box__text">${multiline(note.body)}</p>
      </div>
    </div>`;
  };

  const amendPage = async (
    viewer: Viewer,
    head: CaseHead,
    original: { note: Note; amendments: Note[] },
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): Promise<string> => {
    const earlier = await Promise.all(
      original.amendments.map((a, i) => noteCard(viewer, a, `Amendment ${i + 1}`)),
    );
    return caseFormPage({
      viewer,
      head,
      title: 'Amend a case note',
      problem,
      errors,
      labels: AMEND_LABELS,
      body: html`<p>
          The note stays as it was written. Your amendment is added after it, with your name and the time, and
          both are shown together.
        </p>
        ${await noteCard(viewer, original.note, 'The note')} ${earlier}
        <form
          class="usa-form usa-form--large"
          method="post"
          action="/cases/${head.id}/notes/${original.note.id}/amend"
          novalidate
        >
          ${csrfField(viewer)}
          ${textArea({
            name: 'body',
            label: AMEND_LABELS.body,
            hint: 'What was wrong or missing, and what is correct.',
            required: true,
            maxlength: NOTE_MAX,
            rows: 6,
            values,
            errors,
          })}
          <div class="cl-actions">
            <button class="usa-button" type="submit">Add amendment</button>
            <a class="usa-button usa-button--outline" href="${casePath(head.id, 'notes')}">Cancel</a>
          </div>
        </form>`,
    });
  };

  web.get('/cases/:caseId/notes/:noteId/amend', mw.signedIn, async (req, res) => {
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const original = await getNote(deps.pool, actor, head.id, String(req.params.noteId));
    sendPage(res, 200, await amendPage(viewerOf(res), head, original, {}));
  });

  web.post('/cases/:caseId/notes/:noteId/amend', longForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const original = await getNote(deps.pool, actor, head.id, String(req.params.noteId));
    const values = formValues(req.body);
    // An amendment is a note of the same kind that names the note it corrects.
    const parsed = parseWith(
      noteBody,
      { type: original.note.type, body: given(values, 'body'), amendsNoteId: original.note.id },
      { labels: AMEND_LABELS, missing: { body: 'Enter the amendment.' } },
    );
    if (!parsed.ok) return sendPage(res, 400, await amendPage(viewer, head, original, values, parsed.errors));
    try {
      const result = await addNote(deps, actor, head.id, parsed.data);
      changed(res, casePath(head.id, 'notes'), result, 'note-amended');
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      sendPage(
        res,
        refusal.status,
        await amendPage(viewer, head, original, values, undefined, refusal.problem),
      );
    }
  });
}
