import type { Router } from 'express';
import { registerAdminAuditPages } from './admin-audit-pages';
import { registerAdminDirectoryPages } from './admin-directory-pages';
import { registerAdminStaffPages } from './admin-staff-pages';
import { registerAdminImportPages } from './admin-import-pages';
import type { PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import { requireUuid } from './admin-common';

/**
 * The admin's pages (issue 16): staff with their access, programs and providers, and the audit
 * log viewer. Admins only; everyone else gets the 403 page (admin-common.ts).
 */
export function registerAdminPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  web.param('tokenId', requireUuid);
  registerAdminStaffPages(web, deps, mw);
  registerAdminDirectoryPages(web, deps, mw);
  registerAdminAuditPages(web, deps, mw);
  registerAdminImportPages(web, deps, mw);
}
