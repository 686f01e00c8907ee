import type { Router } from 'express';
import {
  createProgram,
  createProvider,
  getProgram,
  getProvider,
  listPrograms,
  listProviders,
  listStaff,
  openCasesOfProgram,
  updateProgram,
  updateProvider,
  type Program,
  type Provider,
} from '../../domain/directory';
import { DEFAULT_POLICY } from '../../core/policy';
import { programBody, programPatch, providerBody, providerPatch } from '../routes/directory';
import {
  adminPage,
  changedFields,
  foldListErrors,
  listOf,
  requireAdmin,
  statusBadge,
  TIME_ZONE_CHOICES,
} from './admin-common';
import { facts, given, longForm, parseWith, refusalOf } from './case-forms';
import {
  checkbox,
  formValues,
  select,
  textArea,
  textInput,
  type Choice,
  type FieldErrors,
  type FormValues,
} from './forms';
import { csrfField } from './layout';
import { noticeFor, type NoticeKey } from './notices';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import type { WebDeps } from './web-deps';

/**
 * Programs and the provider directory, for admins: list, create, edit, deactivate and reactivate,
 * through the directory services and the JSON API's schemas.
 *
 * Deactivating a program refuses new intakes into it (the intake service checks `active`); its
 * open cases carry on under their policy to closure, and a closed one may still be reopened by its
 * supervisor, program manager or an admin (that continues a client's case; it is not an intake).
 * Deactivating a provider refuses new referrals to it; referrals already made carry on.
 */

const PROGRAM_LABELS: Record<string, string> = {
  name: 'Name',
  programManagerId: 'Program manager',
  timeZone: 'Time zone',
  holidays: 'Holidays',
  extraDomains: 'Extra assessment domains',
  forbidAssessmentOnHold: 'Assessments on hold',
};

const PROVIDER_LABELS: Record<string, string> = {
  organisation: 'Organisation',
  services: 'Services',
  contactEmail: 'Contact email for referrals',
  languages: 'Languages',
  eligibilityNotes: 'Eligibility notes',
};

const PROGRAM_MISSING = { name: 'Enter the program’s name.', timeZone: 'Choose a time zone.' };
const PROVIDER_MISSING = {
  organisation: 'Enter the organisation’s name.',
  contactEmail: 'Enter the email address referrals go to.',
};

function programRefusal(field: string, reason: string): string | undefined {
  if (field === 'name' && reason === 'already in use') return 'Another program already has this name.';
  if (field === 'programManagerId') return 'Choose an active program manager.';
  return undefined;
}

/** The form's text as the API's program fields. */
function programInput(values: FormValues) {
  return {
    name: given(values, 'name'),
    programManagerId: given(values, 'programManagerId') || null,
    timeZone: given(values, 'timeZone'),
    holidays: listOf(values.holidays).sort(),
    extraDomains: listOf(values.extraDomains),
    forbidAssessmentOnHold: values.forbidAssessmentOnHold === 'yes',
  };
}

/** Plainer words for list fields, naming the item that is wrong. */
function plainerListErrors(errors: FieldErrors, values: FormValues): FieldErrors {
  const out = foldListErrors(errors, ['holidays', 'extraDomains', 'services', 'languages']);
  const badItem = (name: string, ok: (item: string) => boolean) => listOf(values[name]).find((i) => !ok(i));
  if (out.holidays) {
    const bad = badItem('holidays', (d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d)));
    out.holidays = bad
      ? `“${bad}” is not a date: write each holiday like 2027-12-25.`
      : 'At most 400 holidays.';
  }
  if (out.extraDomains) {
    const bad = badItem('extraDomains', (d) => /^[a-z][a-z0-9_]{1,40}$/.test(d));
    out.extraDomains = bad
      ? `“${bad}” is not a domain key: use lower-case letters, digits and _, like digital_literacy.`
      : 'At most 20 extra domains.';
  }
  if (out.services && listOf(values.services).length === 0) out.services = 'Enter at least one service.';
  return out;
}

const datesText = (dates: readonly string[]): string => dates.join('\n');

export function registerAdminDirectoryPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const admin = [mw.signedIn, requireAdmin];
  const adminForm = [longForm, mw.signedIn, requireAdmin, mw.csrf];

  const managers = async (): Promise<Choice[]> =>
    (await listStaff(deps.pool, { role: 'program_manager', active: true })).map((s) => ({
      value: s.id,
      label: s.fullName,
    }));

  // ---- programs ----

  web.get('/admin/programs', ...admin, async (req, res) => {
    const viewer = viewerOf(res);
    const [programs, staff] = await Promise.all([listPrograms(deps.pool), listStaff(deps.pool, {})]);
    const names = new Map(staff.map((s) => [s.id, s.fullName]));
    sendPage(
      res,
      200,
      adminPage({
        viewer,
        area: '/admin/programs',
        title: 'Programs',
        notice: noticeFor(req.query.notice),
        body: html`<p><a class="usa-button" href="/admin/programs/new">Add a program</a></p>
          ${programTable(programs, names)}`,
      }),
    );
  });

  const programForm = async (
    viewer: Viewer,
    action: string,
    submit: string,
    values: FormValues,
    errors?: FieldErrors,
  ): Promise<SafeHtml> =>
    html`<form class="usa-form usa-form--large" method="post" action="${action}" novalidate>
      ${csrfField(viewer)}
      ${textInput({ name: 'name', label: PROGRAM_LABELS.name!, required: true, maxlength: 200, values, errors })}
      ${select({
        name: 'programManagerId',
        label: PROGRAM_LABELS.programManagerId!,
        hint: 'Second-level escalations go to them, and they may change the program’s policy.',
        placeholder: 'None yet',
        choices: await managers(),
        values,
        errors,
      })}
      ${select({
        name: 'timeZone',
        label: PROGRAM_LABELS.timeZone!,
        hint: 'Due dates and business days are counted in it.',
        required: true,
        choices: TIME_ZONE_CHOICES,
        values,
        errors,
      })}
      ${textArea({
        name: 'holidays',
        label: PROGRAM_LABELS.holidays!,
        hint: 'Days that do not count as business days: one date per line, like 2027-12-25.',
        rows: 5,
        values,
        errors,
      })}
      ${textInput({
        name: 'extraDomains',
        label: PROGRAM_LABELS.extraDomains!,
        hint: 'Life domains this program scores beyond the standard ones, separated by commas, like digital_literacy.',
        autocomplete: 'off',
        values,
        errors,
      })}
      <fieldset class="usa-fieldset">
        <legend class="usa-legend">${PROGRAM_LABELS.forbidAssessmentOnHold}</legend>
        ${checkbox({
          name: 'forbidAssessmentOnHold',
          label: 'Refuse assessments while a case is on hold',
          values,
        })}
      </fieldset>
      <div class="cl-actions">
        <button class="usa-button" type="submit">${submit}</button>
        <a class="usa-button usa-button--outline" href="/admin/programs">Cancel</a>
      </div>
    </form>`;

  const newProgramPage = async (viewer: Viewer, values: FormValues, errors?: FieldErrors, problem?: string) =>
    adminPage({
      viewer,
      area: '/admin/programs',
      under: '/admin/programs',
      title: 'Add a program',
      problem,
      errors,
      labels: PROGRAM_LABELS,
      body: html`<p>
          The program starts on Caseloop’s default policy (deadlines, reminders, escalations); its program
          manager can change it in the policy editor.
        </p>
        ${await programForm(viewer, '/admin/programs/new', 'Create program', values, errors)}`,
    });

  web.get('/admin/programs/new', ...admin, async (_req, res) => {
    const viewer = viewerOf(res);
    sendPage(res, 200, await newProgramPage(viewer, { timeZone: viewer.timeZone }));
  });

  web.post('/admin/programs/new', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const values = formValues(req.body);
    const input = programInput(values);
    const parsed = parseWith(
      programBody,
      {
        ...input,
        programManagerId: input.programManagerId ?? undefined,
        policy: DEFAULT_POLICY,
      },
      { labels: PROGRAM_LABELS, missing: PROGRAM_MISSING },
    );
    if (!parsed.ok)
      return sendPage(
        res,
        400,
        await newProgramPage(viewer, values, plainerListErrors(parsed.errors, values)),
      );
    try {
      const program = await createProgram(deps.pool, actorOf(res), parsed.data);
      redirectWithNotice(res, `/admin/programs/${program.id}`, 'program-created');
    } catch (err) {
      const refusal = refusalOf(err, programRefusal);
      if (!refusal) throw err;
      sendPage(res, refusal.status, await newProgramPage(viewer, values, refusal.errors, refusal.problem));
    }
  });

  const programPage = async (
    viewer: Viewer,
    id: string,
    edit?: FormValues,
    errors?: FieldErrors,
    problem?: string,
    notice?: string,
  ) => {
    const program = await getProgram(deps.pool, id);
    const open = await openCasesOfProgram(deps.pool, id);
    const values: FormValues = edit ?? {
      name: program.name,
      programManagerId: program.programManagerId ?? '',
      timeZone: program.timeZone,
      holidays: datesText(program.holidays),
      extraDomains: program.extraDomains.join(', '),
      ...(program.forbidAssessmentOnHold ? { forbidAssessmentOnHold: 'yes' } : {}),
    };
    return adminPage({
      viewer,
      area: '/admin/programs',
      under: '/admin/programs',
      title: program.name,
      notice,
      problem,
      errors,
      labels: PROGRAM_LABELS,
      body: html`${facts([
          ['Status', statusBadge(program.active)],
          ['Open cases', String(open)],
          [
            'Policy',
            html`Version ${program.policyVersion}.
              <a href="/programs/${program.id}/policy">Policy editor and history</a>`,
          ],
        ])}
        <section class="cl-section" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Details</h2>
          <p>
            A new time zone or holidays moves the due dates of the program’s open cases: they are recounted on
            the new calendar.
          </p>
          ${await programForm(viewer, `/admin/programs/${program.id}`, 'Save changes', values, errors)}
        </section>
        <section class="cl-section" aria-labelledby="status-heading">
          <h2 id="status-heading">${program.active ? 'Deactivate' : 'Reactivate'}</h2>
          ${
            program.active
              ? html`<p>
                  New intakes into a deactivated program are refused.
                  ${open === 0 ? 'It has no open cases.' : `Its open cases (${open}) carry on under the current policy until they close.`}
                </p>`
              : html`<p>Reactivating lets case managers open new cases in the program again.</p>`
          }
          <form
            method="post"
            action="/admin/programs/${program.id}/${program.active ? 'deactivate' : 'reactivate'}"
          >
            ${csrfField(viewer)}
            <button class="usa-button ${program.active ? 'usa-button--secondary' : ''}" type="submit">
              ${program.active ? 'Deactivate' : 'Reactivate'} ${program.name}
            </button>
          </form>
        </section>`,
    });
  };

  web.get('/admin/programs/:programId', ...admin, async (req, res) => {
    sendPage(
      res,
      200,
      await programPage(
        viewerOf(res),
        String(req.params.programId),
        undefined,
        undefined,
        undefined,
        noticeFor(req.query.notice),
      ),
    );
  });

  web.post('/admin/programs/:programId', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const id = String(req.params.programId);
    const current = await getProgram(deps.pool, id);
    const values = formValues(req.body);
    const parsed = parseWith(programPatch, programInput(values), {
      labels: PROGRAM_LABELS,
      missing: PROGRAM_MISSING,
    });
    if (!parsed.ok)
      return sendPage(
        res,
        400,
        await programPage(viewer, id, values, plainerListErrors(parsed.errors, values)),
      );
    const patch = changedFields<Partial<Program>>(current, parsed.data);
    if (Object.keys(patch).length === 0)
      return redirectWithNotice(res, `/admin/programs/${id}`, 'nothing-changed');
    try {
      await updateProgram(deps, actorOf(res), id, patch);
    } catch (err) {
      const refusal = refusalOf(err, programRefusal);
      if (!refusal) throw err;
      return sendPage(
        res,
        refusal.status,
        await programPage(viewer, id, values, refusal.errors, refusal.problem),
      );
    }
    redirectWithNotice(res, `/admin/programs/${id}`, 'changes-saved');
  });

  for (const [path, active, notice] of [
    ['deactivate', false, 'program-deactivated'],
    ['reactivate', true, 'program-reactivated'],
  ] as const) {
    web.post(`/admin/programs/:programId/${path}`, ...adminForm, async (req, res) => {
      const id = String(req.params.programId);
      const current = await getProgram(deps.pool, id);
      if (current.active !== active) await updateProgram(deps, actorOf(res), id, { active });
      redirectWithNotice(res, `/admin/programs/${id}`, notice);
    });
  }

  // ---- providers ----

  web.get('/admin/providers', ...admin, async (req, res) => {
    const viewer = viewerOf(res);
    const show =
      req.query.status === 'all' ? 'all' : req.query.status === 'deactivated' ? 'deactivated' : 'active';
    const providers = await listProviders(deps.pool, show === 'all' ? {} : { active: show === 'active' });
    sendPage(
      res,
      200,
      adminPage({
        viewer,
        area: '/admin/providers',
        title: 'Providers',
        notice: noticeFor(req.query.notice),
        body: html`<form method="get" action="/admin/providers" role="search" aria-label="Filter providers">
            ${select({
              name: 'status',
              label: 'Status',
              placeholder: 'Active',
              choices: [
                { value: 'deactivated', label: 'Deactivated' },
                { value: 'all', label: 'Active and deactivated' },
              ],
              values: show === 'active' ? {} : { status: show },
            })}
            <div class="cl-actions">
              <button class="usa-button usa-button--outline" type="submit">Show providers</button>
              <a class="usa-button" href="/admin/providers/new">Add a provider</a>
            </div>
          </form>
          ${providerTable(providers)}`,
      }),
    );
  });

  const providerForm = (
    viewer: Viewer,
    action: string,
    submit: string,
    values: FormValues,
    errors?: FieldErrors,
  ): SafeHtml =>
    html`<form class="usa-form usa-form--large" method="post" action="${action}" novalidate>
      ${csrfField(viewer)}
      ${textInput({ name: 'organisation', label: PROVIDER_LABELS.organisation!, required: true, maxlength: 200, values, errors })}
      ${textInput({
        name: 'services',
        label: PROVIDER_LABELS.services!,
        hint: 'What case managers can refer clients for, separated by commas, like housing, legal aid.',
        required: true,
        values,
        errors,
      })}
      ${textInput({
        name: 'contactEmail',
        type: 'email',
        label: PROVIDER_LABELS.contactEmail!,
        required: true,
        maxlength: 200,
        autocomplete: 'off',
        values,
        errors,
      })}
      ${textInput({
        name: 'languages',
        label: PROVIDER_LABELS.languages!,
        hint: 'Separated by commas, like English, Spanish.',
        values,
        errors,
      })}
      ${textArea({ name: 'eligibilityNotes', label: PROVIDER_LABELS.eligibilityNotes!, rows: 4, maxlength: 2000, values, errors })}
      <div class="cl-actions">
        <button class="usa-button" type="submit">${submit}</button>
        <a class="usa-button usa-button--outline" href="/admin/providers">Cancel</a>
      </div>
    </form>`;

  const providerInput = (values: FormValues) => ({
    organisation: given(values, 'organisation'),
    services: listOf(values.services),
    contactEmail: given(values, 'contactEmail').trim(),
    languages: listOf(values.languages),
    eligibilityNotes: values.eligibilityNotes ?? '',
  });

  const providerErrors = (errors: FieldErrors, values: FormValues): FieldErrors => {
    const out = plainerListErrors(errors, values);
    if (out.contactEmail && values.contactEmail)
      out.contactEmail = 'Enter an email address like intake@example.org.';
    return out;
  };

  const newProviderPage = (viewer: Viewer, values: FormValues, errors?: FieldErrors, problem?: string) =>
    adminPage({
      viewer,
      area: '/admin/providers',
      under: '/admin/providers',
      title: 'Add a provider',
      problem,
      errors,
      labels: PROVIDER_LABELS,
      body: providerForm(viewer, '/admin/providers/new', 'Add provider', values, errors),
    });

  web.get('/admin/providers/new', ...admin, (_req, res) => {
    sendPage(res, 200, newProviderPage(viewerOf(res), {}));
  });

  web.post('/admin/providers/new', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const values = formValues(req.body);
    const parsed = parseWith(providerBody, providerInput(values), {
      labels: PROVIDER_LABELS,
      missing: PROVIDER_MISSING,
    });
    if (!parsed.ok)
      return sendPage(res, 400, newProviderPage(viewer, values, providerErrors(parsed.errors, values)));
    const provider = await createProvider(deps.pool, actorOf(res), parsed.data);
    redirectWithNotice(res, `/admin/providers/${provider.id}`, 'provider-created');
  });

  const providerPage = async (
    viewer: Viewer,
    id: string,
    edit?: FormValues,
    errors?: FieldErrors,
    notice?: string,
  ) => {
    const provider = await getProvider(deps.pool, id);
    const values: FormValues = edit ?? {
      organisation: provider.organisation,
      services: provider.services.join(', '),
      contactEmail: provider.contactEmail,
      languages: provider.languages.join(', '),
      eligibilityNotes: provider.eligibilityNotes,
    };
    return adminPage({
      viewer,
      area: '/admin/providers',
      under: '/admin/providers',
      title: provider.organisation,
      notice,
      errors,
      labels: PROVIDER_LABELS,
      body: html`${facts([['Status', statusBadge(provider.active)]])}
        <section class="cl-section" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Details</h2>
          ${providerForm(viewer, `/admin/providers/${provider.id}`, 'Save changes', values, errors)}
        </section>
        <section class="cl-section" aria-labelledby="status-heading">
          <h2 id="status-heading">${provider.active ? 'Deactivate' : 'Reactivate'}</h2>
          <p>
            ${
              provider.active
                ? 'New referrals to a deactivated provider are refused; referrals already made carry on.'
                : 'Reactivating lets case managers refer clients to this provider again.'
            }
          </p>
          <form
            method="post"
            action="/admin/providers/${provider.id}/${provider.active ? 'deactivate' : 'reactivate'}"
          >
            ${csrfField(viewer)}
            <button class="usa-button ${provider.active ? 'usa-button--secondary' : ''}" type="submit">
              ${provider.active ? 'Deactivate' : 'Reactivate'} ${provider.organisation}
            </button>
          </form>
        </section>`,
    });
  };

  web.get('/admin/providers/:providerId', ...admin, async (req, res) => {
    sendPage(
      res,
      200,
      await providerPage(
        viewerOf(res),
        String(req.params.providerId),
        undefined,
        undefined,
        noticeFor(req.query.notice),
      ),
    );
  });

  web.post('/admin/providers/:providerId', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const id = String(req.params.providerId);
    const current = await getProvider(deps.pool, id);
    const values = formValues(req.body);
    const parsed = parseWith(providerPatch, providerInput(values), {
      labels: PROVIDER_LABELS,
      missing: PROVIDER_MISSING,
    });
    if (!parsed.ok)
      return sendPage(
        res,
        400,
        await providerPage(viewer, id, values, providerErrors(parsed.errors, values)),
      );
    const patch = changedFields<Partial<Provider>>(current, parsed.data);
    if (Object.keys(patch).length === 0)
      return redirectWithNotice(res, `/admin/providers/${id}`, 'nothing-changed');
    await updateProvider(deps.pool, actorOf(res), id, patch);
    redirectWithNotice(res, `/admin/providers/${id}`, 'changes-saved');
  });

  for (const [path, active, notice] of [
    ['deactivate', false, 'provider-deactivated'],
    ['reactivate', true, 'provider-reactivated'],
  ] as const satisfies readonly (readonly [string, boolean, NoticeKey])[]) {
    web.post(`/admin/providers/:providerId/${path}`, ...adminForm, async (req, res) => {
      const id = String(req.params.providerId);
      const current = await getProvider(deps.pool, id);
      if (current.active !== active) await updateProvider(deps.pool, actorOf(res), id, { active });
      redirectWithNotice(res, `/admin/providers/${id}`, notice);
    });
  }
}

function programTable(programs: Program[], names: Map<string, string>): SafeHtml {
  if (programs.length === 0) return html`<p>No programs yet.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full" id="program-list">
    <caption class="usa-sr-only">
      Programs
    </caption>
    <thead>
      <tr>
        <th scope="col">Program</th>
        <th scope="col">Program manager</th>
        <th scope="col">Time zone</th>
        <th scope="col">Policy</th>
        <th scope="col">Status</th>
      </tr>
    </thead>
    <tbody>
      ${programs.map(
        (p) =>
          html`<tr>
            <th scope="row" data-label="Program"><a href="/admin/programs/${p.id}">${p.name}</a></th>
            <td data-label="Program manager">
              ${p.programManagerId ? (names.get(p.programManagerId) ?? '') : html`<span class="cl-muted">None</span>`}
            </td>
            <td data-label="Time zone">${p.timeZone}</td>
            <td data-label="Policy">Version ${p.policyVersion}</td>
            <td data-label="Status">${statusBadge(p.active)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function providerTable(providers: Provider[]): SafeHtml {
  if (providers.length === 0) return html`<p>No providers match.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full" id="provider-list">
    <caption class="usa-sr-only">
      Providers
    </caption>
    <thead>
      <tr>
        <th scope="col">Organisation</th>
        <th scope="col">Services</th>
        <th scope="col">Languages</th>
        <th scope="col">Contact</th>
        <th scope="col">Status</th>
      </tr>
    </thead>
    <tbody>
      ${providers.map(
        (p) =>
          html`<tr>
            <th scope="row" data-label="Organisation">
              <a href="/admin/providers/${p.id}">${p.organisation}</a>
            </th>
            <td data-label="Services">${p.services.join(', ')}</td>
            <td data-label="Languages">
              ${p.languages.join(', ') || html`<span class="cl-muted">Not given</span>`}
            </td>
            <td data-label="Contact">${p.contactEmail}</td>
            <td data-label="Status">${statusBadge(p.active)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
