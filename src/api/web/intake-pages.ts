import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { openCase } from '../../domain/cases';
import { getClient, sameNamedClients, searchClients, type ClientRecord } from '../../domain/clients';
import { listPrograms, listStaff } from '../../domain/directory';
import { intakeBody } from '../routes/cases';
import { text, uuid } from '../schemas';
import { given, parseForm, refusalOf } from './form-flow';
import {
  checkbox,
  errorSummary,
  formValues,
  radios,
  select,
  textArea,
  textInput,
  type Choice,
  type FieldErrors,
  type FormValues,
} from './forms';
import { alert, csrfField, renderPage } from './layout';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';

/**
 * Intake: open a case for a client already on record (found by a search step that needs no
 * JavaScript) or for a new one, in a program, carried by a case manager. A new client with the
 * same name and birth date as one already on record is not registered silently: the form comes
 * back listing the match, to use it or to confirm this is a different person.
 */
const LABELS: Record<string, string> = {
  clientId: 'Client',
  'client-givenName': 'First name',
  'client-familyName': 'Last name',
  'client-birthDate': 'Date of birth',
  'client-phone': 'Phone',
  'client-email': 'Email',
  'client-address': 'Address',
  'client-preferredLanguage': 'Preferred language',
  programId: 'Program',
  caseManagerId: 'Case manager',
  riskLevel: 'Risk level',
  q: 'Name to search for',
};

const RISK_CHOICES: readonly Choice[] = [
  { value: 'low', label: 'Low' },
  { value: 'medium', label: 'Medium' },
  { value: 'high', label: 'High' },
];

const NEW_CLIENT = 'new';

function plainer(name: string, message: string): string {
  switch (name) {
    case 'client-birthDate':
      return 'Enter a real date of birth, after 1 January 1900.';
    case 'client-email':
      return 'Enter an email address like name@example.org, or leave it blank.';
    case 'client-preferredLanguage':
      return 'Enter a language of at least 2 letters, like Spanish, or leave it blank.';
    case 'programId':
      return 'Choose the program.';
    case 'caseManagerId':
      return 'Choose the case manager who will carry the case.';
    case 'riskLevel':
      return 'Choose the risk level.';
    case 'clientId':
      return 'Choose the client, or "A new client".';
    default:
      return message;
  }
}

/** The form as the API's intake request: an existing client by id, or the new client's details. */
function intakeRequest(values: FormValues, viewer: Viewer): unknown {
  const choice = values.clientId ?? NEW_CLIENT;
  const who =
    choice !== NEW_CLIENT
      ? { clientId: choice }
      : {
          client: {
            givenName: values['client-givenName'] ?? '',
            familyName: values['client-familyName'] ?? '',
            birthDate: given(values['client-birthDate']),
            phone: given(values['client-phone']),
            email: given(values['client-email']),
            address: given(values['client-address']),
            preferredLanguage: given(values['client-preferredLanguage']),
            consentToShare: values['client-consentToShare'] === 'yes',
          },
        };
  return {
    ...who,
    programId: given(values.programId),
    caseManagerId: viewer.role === 'case_manager' ? viewer.id : given(values.caseManagerId),
    riskLevel: given(values.riskLevel),
  };
}

const searchQuery = z.strictObject({ q: text(100) });

export function registerIntakePages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  /** Everything the form offers: programs, case managers, and the clients to choose from. */
  async function render(
    req: Request,
    res: Response,
    status: number,
    state: {
      values: FormValues;
      errors?: FieldErrors;
      problem?: string;
      matches?: ClientRecord[];
    },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const values = state.values;
    const errors: FieldErrors = { ...state.errors };
    const query = values.q?.trim() ?? '';
    let found: ClientRecord[] | undefined;
    if (query) {
      const q = searchQuery.safeParse({ q: query });
      if (q.success) found = await searchClients(deps.pool, actor, { name: q.data.q, limit: 20 });
      else errors.q = 'Search with at most 100 characters of the name.';
    }
    const candidates = new Map<string, ClientRecord>();
    for (const c of [...(state.matches ?? []), ...(found ?? [])]) candidates.set(c.id, c);
    const chosen = values.clientId;
    if (chosen && chosen !== NEW_CLIENT && !candidates.has(chosen) && uuid.safeParse(chosen).success) {
      try {
        candidates.set(chosen, await getClient(deps.pool, actor, chosen));
      } catch {
        // Not one the viewer may see: the choice is simply not offered again.
      }
    }
    const programs = (await listPrograms(deps.pool)).filter((p) => p.active);
    const caseManagers =
      viewer.role === 'case_manager'
        ? []
        : (await listStaff(deps.pool, { role: 'case_manager', active: true })).filter(
            (s) => viewer.role !== 'supervisor' || s.supervisorId === viewer.id,
          );
    sendPage(
      res,
      status,
      renderPage({
        title: 'New intake',
        section: 'intake',
        viewer,
        problem: state.problem,
        body: intakeForm({
          viewer,
          values,
          errors,
          query,
          found,
          matches: state.matches ?? [],
          candidates: [...candidates.values()],
          programs: programs.map((p) => ({ value: p.id, label: p.name })),
          caseManagers: caseManagers.map((s) => ({ value: s.id, label: s.fullName })),
        }),
      }),
    );
  }

  web.get('/intake', mw.signedIn, async (req, res) => {
    const values: FormValues = { riskLevel: 'medium', clientId: NEW_CLIENT };
    if (typeof req.query.q === 'string') values.q = req.query.q;
    await render(req, res, 200, { values });
  });

  web.post('/intake', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const values = formValues(req.body);
    const parsed = parseForm(intakeBody, intakeRequest(values, viewer), LABELS, plainer);
    if (!parsed.ok) return render(req, res, 400, { values, errors: parsed.errors });
    const request = parsed.data;
    if (request.client && values.differentPerson !== 'yes') {
      const matches = await sameNamedClients(deps.pool, actor, request.client);
      if (matches.length > 0) return render(req, res, 409, { values, matches });
    }
    try {
      const opened = await openCase(deps, actor, request);
      redirectWithNotice(
        res,
        `/cases/${opened.id}#due`,
        opened.pending ? 'case-opened-pending' : 'case-opened',
      );
    } catch (err) {
      const refusal = refusalOf(err, LABELS, (name) => (name === 'client' ? 'clientId' : name));
      if (!refusal) throw err;
      await render(req, res, refusal.status, { values, errors: refusal.errors, problem: refusal.problem });
    }
  });
}

function clientLabel(c: ClientRecord): string {
  return `${c.givenName} ${c.familyName}, ${c.birthDate ? `born ${c.birthDate}` : 'no date of birth on record'}`;
}

function intakeForm(v: {
  viewer: Viewer;
  values: FormValues;
  errors: FieldErrors;
  query: string;
  found: ClientRecord[] | undefined;
  matches: ClientRecord[];
  candidates: ClientRecord[];
  programs: Choice[];
  caseManagers: Choice[];
}): SafeHtml {
  const { values, errors } = v;
  const field = { values, errors };
  const searchResult =
    v.found === undefined
      ? ''
      : v.found.length === 0
        ? html`<p>No client on record matches “${v.query}”. Enter a new client below.</p>`
        : html`<p>
            ${v.found.length === 1 ? '1 client matches' : `${v.found.length} clients match`} “${v.query}”:
            choose below.
          </p>`;
  const duplicateWarning = v.matches.length
    ? alert(
        'warning',
        html`A client with the same name and date of birth is already on record:
        ${v.matches.map((c, i) => html`${i ? '; ' : ''}<strong>${clientLabel(c)}</strong>`)}. Choose them
        under “Who is this intake for?”, or tick “This is a different person” and open the case again.`,
        'This client may already be on record',
      )
    : '';
  const clientChoice = v.candidates.length
    ? radios({
        name: 'clientId',
        label: 'Who is this intake for?',
        ...field,
        required: true,
        choices: [
          ...v.candidates.map((c) => ({ value: c.id, label: clientLabel(c) })),
          { value: NEW_CLIENT, label: 'A new client (enter their details below)' },
        ],
      })
    : html`<input type="hidden" name="clientId" value="${NEW_CLIENT}" />`;
  const caseManager =
    v.viewer.role === 'case_manager'
      ? html`<p>You will carry this case.</p>`
      : v.caseManagers.length
        ? select({
            name: 'caseManagerId',
            label: 'Case manager',
            ...field,
            required: true,
            choices: v.caseManagers,
          })
        : html`<p>No active case manager is on your team, so you cannot open a case here.</p>`;
  return html`${errorSummary(errors, LABELS)} ${duplicateWarning}
    <h2>Find a client already on record</h2>
    <form
      class="usa-form usa-form--large"
      method="get"
      action="/intake"
      role="search"
      aria-label="Clients on record"
    >
      ${textInput({
        name: 'q',
        label: 'Name to search for',
        hint: 'First name, last name or both. Only clients on cases you may see are found.',
        values: { q: v.query },
        errors,
        required: true,
        maxlength: 100,
      })}
      <button class="usa-button usa-button--outline" type="submit">Search</button>
    </form>
    ${searchResult}
    <form class="usa-form usa-form--large" method="post" action="/intake" novalidate>
      ${csrfField(v.viewer)}
      <input type="hidden" name="q" value="${v.query}" />
      ${clientChoice}
      <fieldset class="usa-fieldset margin-top-4">
        <legend class="usa-legend font-heading-lg text-bold">New client</legend>
        <p class="usa-hint">Leave these blank when you chose a client on record.</p>
        ${textInput({ name: 'client-givenName', label: 'First name', ...field, required: true, autocomplete: 'off', maxlength: 100 })}
        ${textInput({ name: 'client-familyName', label: 'Last name', ...field, required: true, autocomplete: 'off', maxlength: 100 })}
        ${textInput({ name: 'client-birthDate', label: 'Date of birth', type: 'date', ...field })}
        ${textInput({ name: 'client-phone', label: 'Phone', type: 'text', ...field, autocomplete: 'off', maxlength: 40 })}
        ${textInput({ name: 'client-email', label: 'Email', type: 'email', ...field, autocomplete: 'off', maxlength: 200 })}
        ${textArea({ name: 'client-address', label: 'Address', ...field, rows: 3, maxlength: 500 })}
        ${textInput({ name: 'client-preferredLanguage', label: 'Preferred language', ...field, maxlength: 35 })}
        ${checkbox({
          name: 'client-consentToShare',
          label: 'The client consents to sharing their information with the providers they are referred to',
          values,
        })}
        ${
          v.matches.length || values.differentPerson
            ? html`<div class="margin-top-3">
                ${checkbox({
                  name: 'differentPerson',
                  label: 'This is a different person from the client already on record',
                  values,
                })}
              </div>`
            : ''
        }
      </fieldset>
      <fieldset class="usa-fieldset margin-top-4">
        <legend class="usa-legend font-heading-lg text-bold">The case</legend>
        ${select({ name: 'programId', label: 'Program', ...field, required: true, choices: v.programs })}
        ${caseManager}
        ${radios({
          name: 'riskLevel',
          label: 'Risk level',
          hint: 'Sets how often the case is reassessed, by the program’s policy. You can change it later.',
          ...field,
          required: true,
          choices: RISK_CHOICES,
        })}
      </fieldset>
      <button class="usa-button" type="submit">Open case</button>
    </form>`;
}
