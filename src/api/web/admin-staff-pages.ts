import type { Router } from 'express';
import { z } from 'zod';
import { accountState, inviteStaff, type AccountState } from '../../domain/account-links';
import { listTokens, revokeToken, type ApiTokenInfo } from '../../domain/api-tokens';
import type { Role } from '../../domain/actor';
import {
  createStaff,
  deactivateStaff,
  getStaff,
  listStaff,
  reactivateStaff,
  staffHoldings,
  updateStaff,
  type Staff,
  type StaffHoldings,
} from '../../domain/directory';
import { openSessionCount, signOutEverywhere } from '../../domain/web-sessions';
import { AppError } from '../../core/errors';
import { staffBody, staffPatch, takeoverBody } from '../routes/directory';
import { role as roleSchema } from '../schemas';
import {
  adminPage,
  changedFields,
  requireAdmin,
  ROLE_CHOICES,
  ROLE_LABELS,
  statusBadge,
  TIME_ZONE_CHOICES,
} from './admin-common';
import { facts, given, parseWith, refusalOf } from './case-forms';
import { formValues, select, textInput, type Choice, type FieldErrors, type FormValues } from './forms';
import { alert, csrfField } from './layout';
import { noticeFor } from './notices';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';

/**
 * The admin's staff pages: the directory with an invitation form (the person is added and emailed
 * a link to choose their password in one step), and each person's page: their details, their
 * access (invitation, sessions, API tokens) and deactivation with who takes over what they hold.
 * Every change goes through the same domain services and zod schemas as the JSON API.
 */

const STAFF_LABELS: Record<string, string> = {
  fullName: 'Full name',
  email: 'Email address',
  role: 'Role',
  supervisorId: 'Team (supervisor)',
  timeZone: 'Time zone',
  notificationPreference: 'Notifications',
};

/** The deactivation form's fields, named apart from the details form's on the same page. */
const TAKEOVER_LABELS: Record<string, string> = {
  newCaseManagerId: 'Case manager who takes over their cases',
  newSupervisorId: 'Who takes over their supervision',
  newProgramManagerId: 'Program manager who takes over their programs',
};
const TAKEOVER_FIELD: Record<string, string> = {
  caseManagerId: 'newCaseManagerId',
  supervisorId: 'newSupervisorId',
  programManagerId: 'newProgramManagerId',
};

const NOTIFICATION_CHOICES: readonly Choice[] = [
  { value: 'immediate', label: 'Each email as it happens' },
  { value: 'daily_digest', label: 'One daily digest' },
];

const MISSING: Record<string, string> = {
  fullName: 'Enter the person’s full name.',
  email: 'Enter the person’s email address.',
  role: 'Choose a role.',
  timeZone: 'Choose a time zone.',
  notificationPreference: 'Choose how they are notified.',
};

/** Words for the refusals the directory service gives, next to the field they concern. */
function staffRefusal(field: string, reason: string): string | undefined {
  if (field === 'email' && reason === 'already in use')
    return 'Someone on the staff already has this email address.';
  if (field === 'supervisorId')
    return reason === 'self'
      ? 'Nobody supervises themselves: choose someone else.'
      : reason === 'wrong role'
        ? 'A case manager cannot supervise: choose a supervisor or program manager.'
        : 'Choose an active supervisor or program manager.';
  if (field === 'role' && reason === 'yourself') return 'You cannot change your own role; ask another admin.';
  return undefined;
}

const blankAsNull = (v: string | undefined): string | null => (v ? v : null);

const listQuery = z.object({
  ofRole: z.preprocess((v) => (v === '' ? undefined : v), roleSchema.optional()),
  status: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['active', 'deactivated', 'all']).optional(),
  ),
});

export function registerAdminStaffPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();
  const admin = [mw.signedIn, requireAdmin];
  const adminForm = [mw.form, mw.signedIn, requireAdmin, mw.csrf];

  /** People who can lead a team: active supervisors and program managers. */
  const supervisors = async (except?: string): Promise<Choice[]> =>
    (await listStaff(deps.pool, { active: true }))
      .filter((s) => (s.role === 'supervisor' || s.role === 'program_manager') && s.id !== except)
      .map((s) => ({ value: s.id, label: `${s.fullName} (${ROLE_LABELS[s.role]})` }));

  const activeOfRole = async (role: Role, except: string): Promise<Choice[]> =>
    (await listStaff(deps.pool, { role, active: true }))
      .filter((s) => s.id !== except)
      .map((s) => ({ value: s.id, label: s.fullName }));

  // ---- the directory, and the invitation form ----

  const listPage = async (viewer: Viewer, query: FormValues, notice?: string): Promise<string> => {
    const parsed = listQuery.safeParse(query);
    const filter = parsed.success ? parsed.data : {};
    const status = filter.status ?? 'active';
    const people = await listStaff(deps.pool, {
      ...(filter.ofRole ? { role: filter.ofRole } : {}),
      ...(status === 'all' ? {} : { active: status === 'active' }),
    });
    const names = new Map((await listStaff(deps.pool, {})).map((s) => [s.id, s.fullName]));
    return adminPage({
      viewer,
      area: '/admin/staff',
      title: 'Staff',
      notice,
      body: html`<p><a class="usa-button" href="/admin/staff/invite">Invite a person</a></p>
        <form method="get" action="/admin/staff" role="search" aria-label="Filter staff">
          <div class="grid-row grid-gap">
            <div class="tablet:grid-col-6">
              ${select({
                name: 'ofRole',
                label: 'Role',
                placeholder: 'Any role',
                choices: ROLE_CHOICES,
                values: query,
              })}
            </div>
            <div class="tablet:grid-col-6">
              ${select({
                name: 'status',
                label: 'Status',
                placeholder: 'Active',
                choices: [
                  { value: 'deactivated', label: 'Deactivated' },
                  { value: 'all', label: 'Active and deactivated' },
                ],
                values: query,
              })}
            </div>
          </div>
          <div class="cl-actions">
            <button class="usa-button usa-button--outline" type="submit">Show staff</button>
          </div>
        </form>
        ${staffTable(people, names)}`,
    });
  };

  const invitePage = async (
    viewer: Viewer,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): Promise<string> =>
    adminPage({
      viewer,
      area: '/admin/staff',
      under: '/admin/staff',
      title: 'Invite a person',
      problem,
      errors: errors ? inFormOrder(errors) : undefined,
      labels: STAFF_LABELS,
      body: html`<p>
          They are added to the staff and emailed a link to choose their password; the link works once, for 72
          hours.
        </p>
        <form class="usa-form usa-form--large" method="post" action="/admin/staff/invite" novalidate>
          ${csrfField(viewer)}
          ${textInput({
            name: 'fullName',
            label: STAFF_LABELS.fullName!,
            required: true,
            autocomplete: 'off',
            maxlength: 200,
            values,
            errors,
          })}
          ${textInput({
            name: 'email',
            type: 'email',
            label: STAFF_LABELS.email!,
            hint: 'The invitation goes here, and they sign in with it.',
            required: true,
            autocomplete: 'off',
            maxlength: 200,
            values,
            errors,
          })}
          ${select({ name: 'role', label: STAFF_LABELS.role!, required: true, choices: ROLE_CHOICES, values, errors })}
          ${select({
            name: 'supervisorId',
            label: STAFF_LABELS.supervisorId!,
            hint: 'Who they report to. Case managers need one to carry cases.',
            placeholder: 'No team yet',
            choices: await supervisors(),
            values,
            errors,
          })}
          ${select({
            name: 'timeZone',
            label: STAFF_LABELS.timeZone!,
            hint: 'Where they work: their pages and emails show times in it.',
            required: true,
            choices: TIME_ZONE_CHOICES,
            values,
            errors,
          })}
          <div class="cl-actions">
            <button class="usa-button" type="submit">Add and send invitation</button>
            <a class="usa-button usa-button--outline" href="/admin/staff">Cancel</a>
          </div>
        </form>`,
    });

  web.get('/admin/staff', ...admin, async (req, res) => {
    sendPage(res, 200, await listPage(viewerOf(res), formValues(req.query), noticeFor(req.query.notice)));
  });

  web.get('/admin/staff/invite', ...admin, async (_req, res) => {
    const viewer = viewerOf(res);
    sendPage(res, 200, await invitePage(viewer, { timeZone: viewer.timeZone }));
  });

  web.post('/admin/staff/invite', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const values = formValues(req.body);
    const back = (status: number, errors?: FieldErrors, problem?: string) =>
      invitePage(viewer, values, errors, problem).then((page) => sendPage(res, status, page));
    const parsed = parseWith(
      staffBody,
      {
        fullName: given(values, 'fullName'),
        email: given(values, 'email').trim(),
        role: given(values, 'role'),
        ...(given(values, 'supervisorId') ? { supervisorId: values.supervisorId } : {}),
        timeZone: given(values, 'timeZone'),
      },
      { labels: STAFF_LABELS, missing: MISSING },
    );
    if (!parsed.ok) {
      if (parsed.errors.email && values.email)
        parsed.errors.email = 'Enter an email address like name@example.org.';
      return back(400, parsed.errors);
    }
    // Refused before anything is written: a person added without their invitation would be stranded.
    if (!deps.accountMail)
      return back(
        503,
        undefined,
        'Caseloop cannot send email (SMTP_URL is not set), so nobody can be invited yet.',
      );
    let staff: Staff;
    try {
      staff = await createStaff(deps.pool, actor, {
        ...parsed.data,
        supervisorId: parsed.data.supervisorId ?? null,
      });
    } catch (err) {
      const refusal = refusalOf(err, staffRefusal);
      if (!refusal) throw err;
      return back(refusal.status, refusal.errors, refusal.problem);
    }
    try {
      await inviteStaff(deps, actor, staff.id);
    } catch (err) {
      deps.logger.warn({ err, staffId: staff.id }, 'invitation email not sent');
      return sendPage(
        res,
        502,
        await detailPage(
          viewer,
          staff.id,
          {},
          {},
          `${staff.fullName} was added, but the invitation email could not be sent. Try "Send the invitation again" below.`,
        ),
      );
    }
    redirectWithNotice(res, `/admin/staff/${staff.id}`, 'staff-invited');
  });

  // ---- one person ----

  const detailPage = async (
    viewer: Viewer,
    staffId: string,
    edit: FormValues | undefined,
    takeover: FormValues,
    problem?: string,
    errors?: { edit?: FieldErrors; takeover?: FieldErrors },
    notice?: string,
  ): Promise<string> => {
    const staff = await getStaff(deps.pool, staffId);
    const [account, tokens, holdings, sessions, names] = await Promise.all([
      accountState(deps.pool, staffId),
      listTokens(deps.pool, { id: viewer.id, role: viewer.role, email: viewer.email }, staffId),
      staffHoldings(deps.pool, staffId),
      openSessionCount(deps.pool, staffId, now(), deps.sessions),
      listStaff(deps.pool, {}).then((all) => new Map(all.map((s) => [s.id, s.fullName]))),
    ]);
    const values: FormValues = edit ?? {
      fullName: staff.fullName,
      email: staff.email,
      role: staff.role,
      supervisorId: staff.supervisorId ?? '',
      timeZone: staff.timeZone,
      notificationPreference: staff.notificationPreference,
    };
    const allErrors = { ...inFormOrder(errors?.edit ?? {}), ...errors?.takeover };
    return adminPage({
      viewer,
      area: '/admin/staff',
      under: '/admin/staff',
      title: staff.fullName,
      notice,
      problem,
      errors: Object.keys(allErrors).length ? allErrors : undefined,
      labels: { ...STAFF_LABELS, ...TAKEOVER_LABELS },
      body: html`${facts([
          ['Status', statusBadge(staff.active)],
          ['Email address', staff.email],
          ['Role', ROLE_LABELS[staff.role]],
          [
            'Team (supervisor)',
            staff.supervisorId
              ? html`<a href="/admin/staff/${staff.supervisorId}"
                  >${names.get(staff.supervisorId) ?? 'Unknown'}</a
                >`
              : 'None',
          ],
          ['Time zone', staff.timeZone],
          ['Holds', holdingsText(holdings)],
        ])}
        <section class="cl-section" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Details</h2>
          <form class="usa-form usa-form--large" method="post" action="/admin/staff/${staff.id}" novalidate>
            ${csrfField(viewer)}
            ${textInput({ name: 'fullName', label: STAFF_LABELS.fullName!, required: true, maxlength: 200, values, errors: errors?.edit })}
            ${textInput({
              name: 'email',
              type: 'email',
              label: STAFF_LABELS.email!,
              required: true,
              maxlength: 200,
              autocomplete: 'off',
              values,
              errors: errors?.edit,
            })}
            ${select({ name: 'role', label: STAFF_LABELS.role!, required: true, choices: ROLE_CHOICES, values, errors: errors?.edit })}
            ${select({
              name: 'supervisorId',
              label: STAFF_LABELS.supervisorId!,
              placeholder: 'No team',
              choices: await supervisors(staff.id),
              values,
              errors: errors?.edit,
            })}
            ${select({ name: 'timeZone', label: STAFF_LABELS.timeZone!, required: true, choices: TIME_ZONE_CHOICES, values, errors: errors?.edit })}
            ${select({
              name: 'notificationPreference',
              label: STAFF_LABELS.notificationPreference!,
              required: true,
              choices: NOTIFICATION_CHOICES,
              values,
              errors: errors?.edit,
            })}
            <div class="cl-actions"><button class="usa-button" type="submit">Save changes</button></div>
          </form>
        </section>
        <section class="cl-section" aria-labelledby="access-heading">
          <h2 id="access-heading">Signing in</h2>
          ${accessBody(viewer, staff, account, sessions)}
          <h3>API tokens</h3>
          ${tokenTable(viewer, staff, tokens, now())}
        </section>
        <section class="cl-section" aria-labelledby="status-heading">
          <h2 id="status-heading">${staff.active ? 'Deactivate' : 'Reactivate'}</h2>
          ${
            staff.active
              ? await deactivateForm(viewer, staff, holdings, takeover, errors?.takeover)
              : html`<p>
                    Reactivating lets ${staff.fullName} sign in again with their password. Their old API
                    tokens stay revoked.
                  </p>
                  <form method="post" action="/admin/staff/${staff.id}/reactivate">
                    ${csrfField(viewer)}
                    <button class="usa-button" type="submit">Reactivate ${staff.fullName}</button>
                  </form>`
          }
        </section>`,
    });
  };

  const deactivateForm = async (
    viewer: Viewer,
    staff: Staff,
    holdings: StaffHoldings,
    values: FormValues,
    errors?: FieldErrors,
  ): Promise<SafeHtml> => {
    const leadsOthers = holdings.supervises > 0 || holdings.team > 0;
    return html`<p>
        A deactivated person cannot sign in: their sessions end and their API tokens are revoked at once.
        ${
          holdings.carries || leadsOthers || holdings.programs
            ? 'Everything they hold moves to the people you choose, in the same step, and the running cases are told.'
            : 'They hold no open cases, team or programs.'
        }
      </p>
      <form
        class="usa-form usa-form--large"
        method="post"
        action="/admin/staff/${staff.id}/deactivate"
        novalidate
      >
        ${csrfField(viewer)}
        ${
          holdings.carries
            ? select({
                name: 'newCaseManagerId',
                label: TAKEOVER_LABELS.newCaseManagerId!,
                hint: `${holdings.carries} open case(s). The new case manager’s supervisor supervises them too.`,
                required: true,
                choices: await activeOfRole('case_manager', staff.id),
                values,
                errors,
              })
            : ''
        }
        ${
          leadsOthers
            ? select({
                name: 'newSupervisorId',
                label: TAKEOVER_LABELS.newSupervisorId!,
                hint: `${holdings.supervises} open case(s) they supervise and ${holdings.team} team member(s).`,
                required: true,
                choices: await supervisors(staff.id),
                values,
                errors,
              })
            : ''
        }
        ${
          holdings.programs
            ? select({
                name: 'newProgramManagerId',
                label: TAKEOVER_LABELS.newProgramManagerId!,
                hint: `${holdings.programs} program(s).`,
                required: true,
                choices: await activeOfRole('program_manager', staff.id),
                values,
                errors,
              })
            : ''
        }
        <div class="cl-actions">
          <button class="usa-button usa-button--secondary" type="submit">Deactivate ${staff.fullName}</button>
        </div>
      </form>`;
  };

  const staffPath = (id: string, hash?: string) => `/admin/staff/${id}${hash ? `#${hash}` : ''}`;

  web.get('/admin/staff/:staffId', ...admin, async (req, res) => {
    const viewer = viewerOf(res);
    sendPage(
      res,
      200,
      await detailPage(
        viewer,
        String(req.params.staffId),
        undefined,
        {},
        undefined,
        undefined,
        noticeFor(req.query.notice),
      ),
    );
  });

  web.post('/admin/staff/:staffId', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const staffId = String(req.params.staffId);
    const current = await getStaff(deps.pool, staffId);
    const values = formValues(req.body);
    const back = (status: number, errors?: FieldErrors, problem?: string) =>
      detailPage(viewer, staffId, values, {}, problem, { edit: errors ?? {} }).then((p) =>
        sendPage(res, status, p),
      );
    const parsed = parseWith(
      staffPatch,
      {
        fullName: given(values, 'fullName'),
        email: given(values, 'email').trim(),
        role: given(values, 'role'),
        supervisorId: blankAsNull(given(values, 'supervisorId')),
        timeZone: given(values, 'timeZone'),
        notificationPreference: given(values, 'notificationPreference'),
      },
      { labels: STAFF_LABELS, missing: MISSING },
    );
    if (!parsed.ok) return back(400, parsed.errors);
    const patch = changedFields(current, parsed.data);
    if (Object.keys(patch).length === 0)
      return redirectWithNotice(res, staffPath(staffId), 'nothing-changed');
    try {
      await updateStaff(deps, actorOf(res), staffId, patch);
    } catch (err) {
      const refusal = refusalOf(err, staffRefusal);
      if (!refusal) throw err;
      return back(refusal.status, refusal.errors, refusal.problem);
    }
    redirectWithNotice(res, staffPath(staffId), 'changes-saved');
  });

  web.post('/admin/staff/:staffId/deactivate', ...adminForm, async (req, res) => {
    const viewer = viewerOf(res);
    const staffId = String(req.params.staffId);
    const values = formValues(req.body);
    const back = (status: number, errors?: FieldErrors, problem?: string) =>
      detailPage(viewer, staffId, undefined, values, problem, { takeover: errors ?? {} }).then((p) =>
        sendPage(res, status, p),
      );
    const parsed = parseWith(
      takeoverBody,
      {
        ...(given(values, 'newCaseManagerId') ? { caseManagerId: values.newCaseManagerId } : {}),
        ...(given(values, 'newSupervisorId') ? { supervisorId: values.newSupervisorId } : {}),
        ...(given(values, 'newProgramManagerId') ? { programManagerId: values.newProgramManagerId } : {}),
      },
      { labels: TAKEOVER_LABELS, fieldFor: TAKEOVER_FIELD },
    );
    if (!parsed.ok) return back(400, parsed.errors);
    try {
      await deactivateStaff(deps, actorOf(res), staffId, parsed.data);
    } catch (err) {
      const refusal = refusalOf(err, (field, reason) => {
        if (!TAKEOVER_FIELD[field]) return undefined;
        return reason === 'same person'
          ? 'Choose someone other than the person leaving.'
          : `Choose someone else: the person chosen ${reason === 'deactivated' ? 'is deactivated' : reason}.`;
      });
      if (!refusal) throw err;
      const errors = Object.fromEntries(
        Object.entries(refusal.errors ?? {}).map(([k, v]) => [TAKEOVER_FIELD[k] ?? k, v]),
      );
      return back(refusal.status, errors, refusal.problem);
    }
    redirectWithNotice(res, staffPath(staffId), 'staff-deactivated');
  });

  web.post('/admin/staff/:staffId/reactivate', ...adminForm, async (req, res) => {
    const staffId = String(req.params.staffId);
    try {
      await reactivateStaff(deps.pool, actorOf(res), staffId);
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      return sendPage(
        res,
        refusal.status,
        await detailPage(viewerOf(res), staffId, undefined, {}, refusal.problem),
      );
    }
    redirectWithNotice(res, staffPath(staffId), 'staff-reactivated');
  });

  web.post('/admin/staff/:staffId/invitation', ...adminForm, async (req, res) => {
    const staffId = String(req.params.staffId);
    try {
      await inviteStaff(deps, actorOf(res), staffId);
    } catch (err) {
      if (!(err instanceof AppError) || err.status === 404) throw err;
      return sendPage(res, err.status, await detailPage(viewerOf(res), staffId, undefined, {}, err.message));
    }
    redirectWithNotice(res, staffPath(staffId, 'access-heading'), 'invitation-sent');
  });

  web.post('/admin/staff/:staffId/sign-out-everywhere', ...adminForm, async (req, res) => {
    const staffId = String(req.params.staffId);
    await signOutEverywhere(deps.pool, actorOf(res), staffId, now());
    redirectWithNotice(res, staffPath(staffId, 'access-heading'), 'signed-out-everywhere');
  });

  web.post('/admin/staff/:staffId/tokens/:tokenId/revoke', ...adminForm, async (req, res) => {
    const staffId = String(req.params.staffId);
    await revokeToken(deps.pool, actorOf(res), staffId, String(req.params.tokenId));
    redirectWithNotice(res, staffPath(staffId, 'access-heading'), 'token-revoked');
  });
}

/** Errors in the order their fields appear on the form, so the summary reads top to bottom. */
function inFormOrder(errors: FieldErrors): FieldErrors {
  const order = Object.keys(STAFF_LABELS);
  return Object.fromEntries(
    Object.entries(errors).sort(([a], [b]) => (order.indexOf(a) >>> 0) - (order.indexOf(b) >>> 0)),
  );
}

function holdingsText(h: StaffHoldings): string {
  const parts = [
    h.carries ? `carries ${h.carries} open case${h.carries === 1 ? '' : 's'}` : '',
    h.supervises ? `supervises ${h.supervises} open case${h.supervises === 1 ? '' : 's'}` : '',
    h.team ? `leads ${h.team} team member${h.team === 1 ? '' : 's'}` : '',
    h.programs ? `manages ${h.programs} program${h.programs === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'Nothing: no open cases, team or programs.';
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

function staffTable(people: Staff[], names: Map<string, string>): SafeHtml {
  if (people.length === 0) return html`<p>Nobody matches.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full" id="staff-list">
    <caption>
      ${people.length} ${people.length === 1 ? 'person' : 'people'}
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Email</th>
        <th scope="col">Role</th>
        <th scope="col">Team (supervisor)</th>
        <th scope="col">Status</th>
      </tr>
    </thead>
    <tbody>
      ${people.map(
        (s) =>
          html`<tr>
            <th scope="row" data-label="Name"><a href="/admin/staff/${s.id}">${s.fullName}</a></th>
            <td data-label="Email">${s.email}</td>
            <td data-label="Role">${ROLE_LABELS[s.role]}</td>
            <td data-label="Team (supervisor)">
              ${s.supervisorId ? (names.get(s.supervisorId) ?? '') : html`<span class="cl-muted">None</span>`}
            </td>
            <td data-label="Status">${statusBadge(s.active)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function accessBody(viewer: Viewer, staff: Staff, account: AccountState, sessions: number): SafeHtml {
  const inv = account.invitation;
  const invitation = !inv
    ? 'Never invited.'
    : inv.usedAt
      ? html`Invitation used ${timeTag(inv.usedAt, viewer.timeZone)}.`
      : html`Invitation sent ${timeTag(inv.sentAt, viewer.timeZone)}, usable until
        ${timeTag(inv.expiresAt, viewer.timeZone)}.`;
  return html`${facts([
      [
        'Password',
        account.passwordSetAt
          ? html`Set ${timeTag(account.passwordSetAt, viewer.timeZone)}`
          : 'Not set yet: they sign in once they have used an invitation.',
      ],
      ['Invitation', invitation],
      [
        'Signed in now',
        sessions === 0 ? 'In no browser' : `In ${sessions} browser session${sessions === 1 ? '' : 's'}`,
      ],
    ])}
    <div class="cl-actions">
      ${
        staff.active
          ? html`<form class="cl-inline-form" method="post" action="/admin/staff/${staff.id}/invitation">
              ${csrfField(viewer)}
              <button class="usa-button usa-button--outline" type="submit">
                ${inv ? 'Send the invitation again' : 'Send an invitation'}
              </button>
            </form>`
          : ''
      }
      <form class="cl-inline-form" method="post" action="/admin/staff/${staff.id}/sign-out-everywhere">
        ${csrfField(viewer)}
        <button class="usa-button usa-button--outline" type="submit">Sign out everywhere</button>
      </form>
    </div>
    ${inv && !inv.usedAt ? alert('info', 'Sending the invitation again makes the earlier link unusable.') : ''}`;
}

function tokenTable(viewer: Viewer, staff: Staff, tokens: ApiTokenInfo[], at: Date): SafeHtml {
  if (tokens.length === 0) return html`<p>No API tokens.</p>`;
  const now = at.getTime();
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full" id="token-list">
    <caption class="usa-sr-only">
      API tokens of ${staff.fullName}
    </caption>
    <thead>
      <tr>
        <th scope="col">Label</th>
        <th scope="col">Issued</th>
        <th scope="col">Last used</th>
        <th scope="col">State</th>
        <th scope="col">Action</th>
      </tr>
    </thead>
    <tbody>
      ${tokens.map((t) => {
        const state = t.revokedAt
          ? html`Revoked ${timeTag(t.revokedAt, viewer.timeZone)}`
          : Date.parse(t.expiresAt) <= now
            ? html`Expired ${timeTag(t.expiresAt, viewer.timeZone)}`
            : html`Valid until ${timeTag(t.expiresAt, viewer.timeZone)}`;
        return html`<tr>
          <th scope="row" data-label="Label">${t.label || html`<span class="cl-muted">No label</span>`}</th>
          <td data-label="Issued">${timeTag(t.createdAt, viewer.timeZone)}</td>
          <td data-label="Last used">${t.lastUsedAt ? timeTag(t.lastUsedAt, viewer.timeZone) : 'Never'}</td>
          <td data-label="State">${state}</td>
          <td data-label="Action">
            ${
              t.revokedAt
                ? html`<span class="cl-muted">None</span>`
                : html`<form
                    class="cl-inline-form"
                    method="post"
                    action="/admin/staff/${staff.id}/tokens/${t.id}/revoke"
                  >
                    ${csrfField(viewer)}
                    <button class="usa-button usa-button--outline" type="submit">
                      Revoke<span class="usa-sr-only"> token ${t.label}</span>
                    </button>
                  </form>`
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
