import { z } from 'zod';
import { html, type SafeHtml } from './template';

/**
 * "Previous page · Page N of M · Next page" under a paged list. Plain links rather than USWDS
 * pagination, whose arrows need its icons and hide their words on narrow screens. Nothing when the
 * list fits one page.
 */
export function pageLinks(nav: {
  /** Names the navigation for screen readers, e.g. "Pages of cases". */
  label: string;
  number: number;
  pages: number;
  hasNext: boolean;
  href: (page: number) => string;
}): SafeHtml | string {
  const previous = nav.number > 1 ? nav.number - 1 : null;
  if (previous === null && !nav.hasNext) return '';
  return html`<nav aria-label="${nav.label}">
    <ul class="usa-list usa-list--unstyled cl-actions flex-align-center">
      ${
        previous
          ? html`<li>
              <a class="usa-button usa-button--outline" href="${nav.href(previous)}" rel="prev"
                >Previous page</a
              >
            </li>`
          : ''
      }
      <li>Page ${nav.number} of ${nav.pages}</li>
      ${
        nav.hasNext
          ? html`<li>
              <a class="usa-button usa-button--outline" href="${nav.href(nav.number + 1)}" rel="next"
                >Next page</a
              >
            </li>`
          : ''
      }
    </ul>
  </nav>`;
}

/** A page number in a query string: whole, 1 to 10,000; blank or absent means the first page. */
export const pageNumber = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.coerce.number().int().min(1).max(10_000).optional(),
);
