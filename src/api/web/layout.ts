import { html, type Fragment, type SafeHtml } from './template';
import type { Viewer } from './session';

/**
 * The page shell every staff page shares, on the U.S. Web Design System: skip link, a header whose
 * navigation needs no JavaScript, one <h1>, alerts, and a slim footer. The stylesheets are served
 * from the installed package (/assets/uswds) and /assets/caseloop.css: no inline style or script,
 * so the CSP can forbid both.
 */
export interface PageOptions {
  title: string;
  body: Fragment;
  viewer?: Viewer | undefined;
  /** Which entry of the main navigation this page belongs to. */
  section?: NavSection | undefined;
  /** A one-line confirmation after a successful action ("Note added."). */
  notice?: string | undefined;
  /** A problem with the whole page or form, shown above it. */
  problem?: string | undefined;
  /** Links above the title, e.g. back to the case. */
  breadcrumbs?: readonly { href: string; label: string }[] | undefined;
}

export type NavSection =
  'work' | 'caseload' | 'intake' | 'escalations' | 'approvals' | 'team' | 'programs' | 'admin' | 'temporal';

interface NavItem {
  section: NavSection;
  href: string;
  label: string;
}

function navFor(viewer: Viewer): NavItem[] {
  const items: NavItem[] = [
    { section: 'work', href: '/work', label: 'My work' },
    { section: 'caseload', href: '/caseload', label: 'Caseload' },
  ];
  if (viewer.role === 'case_manager' || viewer.role === 'supervisor')
    items.push({ section: 'intake', href: '/intake', label: 'New intake' });
  items.push({ section: 'escalations', href: '/escalations', label: 'Escalations' });
  if (viewer.role === 'supervisor' || viewer.role === 'program_manager') {
    items.push({ section: 'approvals', href: '/approvals', label: 'Approvals' });
    items.push({ section: 'team', href: '/team', label: 'Team' });
  }
  if (viewer.role === 'program_manager' || viewer.role === 'admin')
    items.push({ section: 'programs', href: '/programs', label: 'Programs' });
  if (viewer.role === 'admin') {
    items.push({ section: 'admin', href: '/admin/staff', label: 'Administration' });
    items.push({ section: 'temporal', href: '/temporal/', label: 'Workflows' });
  }
  return items;
}

export function alert(
  kind: 'success' | 'error' | 'warning' | 'info',
  text: Fragment,
  heading?: string,
): SafeHtml {
  const role = kind === 'error' ? 'alert' : 'status';
  return html`<div class="usa-alert usa-alert--${kind} usa-alert--slim margin-y-2" role="${role}">
    <div class="usa-alert__body">
      ${heading ? html`<h2 class="usa-alert__heading">${heading}</h2>` : ''}
      <p class="usa-alert__text">${text}</p>
    </div>
  </div>`;
}

export function csrfField(viewer: Viewer): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}" />`;
}

function header(viewer: Viewer | undefined, section: NavSection | undefined): SafeHtml {
  if (!viewer)
    return html`<header class="cl-header">
      <div class="grid-container cl-header__inner">
        <a class="cl-brand" href="/">Caseloop</a>
      </div>
    </header>`;
  const links = navFor(viewer).map(
    (item) =>
      html`<li>
        <a href="${item.href}" ${item.section === section ? html` aria-current="page"` : ''}>${item.label}</a>
      </li>`,
  );
  return html`<header class="cl-header">
    <div class="grid-container cl-header__inner">
      <a class="cl-brand" href="/work">Caseloop</a>
      <nav class="cl-nav" aria-label="Main">
        <ul>
          ${links}
        </ul>
      </nav>
      <form class="cl-signout" method="post" action="/sign-out">
        ${csrfField(viewer)}
        <span class="cl-signout__who">${viewer.fullName}</span>
        <button class="usa-button usa-button--unstyled" type="submit">Sign out</button>
      </form>
    </div>
  </header>`;
}

export function renderPage(options: PageOptions): string {
  // The current page closes the trail: on narrow screens USWDS shows only the item before the last.
  const crumbs = options.breadcrumbs?.length
    ? html`<nav class="usa-breadcrumb" aria-label="Breadcrumbs">
        <ol class="usa-breadcrumb__list">
          ${options.breadcrumbs.map(
            (c) =>
              html`<li class="usa-breadcrumb__list-item">
                <a class="usa-breadcrumb__link" href="${c.href}">${c.label}</a>
              </li>`,
          )}
          <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
            <span>${options.title}</span>
          </li>
        </ol>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} — Caseloop</title>
        <link rel="stylesheet" href="/assets/uswds/css/uswds.min.css" />
        <link rel="stylesheet" href="/assets/caseloop.css" />
      </head>
      <body>
        <a class="usa-skipnav" href="#main-content">Skip to main content</a>
        ${header(options.viewer, options.section)}
        <main id="main-content" class="grid-container cl-main" tabindex="-1">
          ${crumbs} ${options.problem ? alert('error', options.problem) : ''}
          ${options.notice ? alert('success', options.notice) : ''}
          <h1>${options.title}</h1>
          ${options.body}
        </main>
        <footer class="usa-footer usa-footer--slim">
          <div class="grid-container cl-footer">
            <p>
              Caseloop · client information is confidential: share it only with people who need it for this
              client's care.
            </p>
          </div>
        </footer>
      </body>
    </html>`.value;
}
