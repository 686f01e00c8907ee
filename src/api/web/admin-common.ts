import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../../domain/actor';
import { ForbiddenError, NotFoundError } from '../../core/errors';
import { TIME_ZONES } from '../schemas';
import { errorSummary, type Choice, type FieldErrors } from './forms';
import { renderPage } from './layout';
import type { Viewer } from './session';
import { html, type Fragment, type SafeHtml } from './template';

/**
 * What the admin's pages (staff, programs, providers, audit log) share: admins only, a page in
 * the Administration section with its own small menu, and the words for roles.
 */

/** After `signedIn`: anyone but an admin gets the 403 page, and nothing is read or changed. */
export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  const viewer = res.locals.viewer as Viewer | undefined;
  next(
    viewer?.role === 'admin'
      ? undefined
      : new ForbiddenError('Only admins may use the administration pages.'),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID names no record (as routes.ts does for the shared id names). */
export function requireUuid(_req: Request, _res: Response, next: NextFunction, value: unknown): void {
  next(typeof value === 'string' && UUID.test(value) ? undefined : new NotFoundError('No such page.'));
}

const AREAS = [
  { href: '/admin/staff', label: 'Staff' },
  { href: '/admin/programs', label: 'Programs' },
  { href: '/admin/providers', label: 'Providers' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/import', label: 'Import cases' },
] as const;

export type AdminArea = (typeof AREAS)[number]['href'];

export interface AdminPage {
  viewer: Viewer;
  area: AdminArea;
  title: string;
  body: Fragment;
  notice?: string | undefined;
  problem?: string | undefined;
  errors?: FieldErrors | undefined;
  labels?: Record<string, string> | undefined;
  /** Pages below an area's list: the list is the way back. */
  under?: string | undefined;
}

export function adminPage(page: AdminPage): string {
  const areaLabel = AREAS.find((a) => a.href === page.area)!.label;
  return renderPage({
    title: page.title,
    section: 'admin',
    viewer: page.viewer,
    notice: page.notice,
    problem: page.problem,
    breadcrumbs: page.under ? [{ href: page.area, label: areaLabel }] : undefined,
    body: html`<nav aria-label="Administration" class="margin-bottom-3">
        <ul class="usa-list usa-list--unstyled cl-actions">
          ${AREAS.map(
            (a) =>
              html`<li>
                <a href="${a.href}" ${a.href === page.area ? html` aria-current="true"` : ''}>${a.label}</a>
              </li>`,
          )}
        </ul>
      </nav>
      ${page.errors ? errorSummary(page.errors, page.labels) : ''}${page.body}`,
  });
}

export const ROLE_LABELS: Record<Role, string> = {
  case_manager: 'Case manager',
  supervisor: 'Supervisor',
  program_manager: 'Program manager',
  admin: 'Admin',
};

export const ROLE_CHOICES: readonly Choice[] = (Object.keys(ROLE_LABELS) as Role[]).map((r) => ({
  value: r,
  label: ROLE_LABELS[r],
}));

export const TIME_ZONE_CHOICES: readonly Choice[] = TIME_ZONES.map((z) => ({ value: z, label: z }));

/** A list typed in a text field or area: split at commas and line breaks, blanks dropped. */
export const listOf = (text: string | undefined): string[] =>
  (text ?? '')
    .split(/[,\n\r]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Errors on list items ("holidays-3") go next to the list's field ("holidays"). */
export function foldListErrors(errors: FieldErrors, fields: readonly string[]): FieldErrors {
  const out: FieldErrors = {};
  for (const [name, message] of Object.entries(errors)) {
    const list = fields.find((f) => name.startsWith(`${f}-`));
    const key = list ?? name;
    if (!out[key]) out[key] = message;
  }
  return out;
}

/** A yes/no state as a small badge. */
export const statusBadge = (active: boolean): SafeHtml =>
  active
    ? html`<span class="cl-badge">Active</span>`
    : html`<span class="cl-badge cl-badge--overdue">Deactivated</span>`;

/** Only what differs from the record: an update then names exactly the fields it changed. */
export function changedFields<T extends object>(current: T, next: Partial<T>): Partial<T> {
  const patch: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T)[]) {
    const a = current[key];
    const b = next[key];
    if (b === undefined) continue;
    if (JSON.stringify(a) !== JSON.stringify(b)) patch[key] = b;
  }
  return patch;
}
