import type { RequestHandler, Response } from 'express';
import type { Actor } from '../../domain/actor';
import type { Viewer } from './session';
import type { NoticeKey } from './notices';

/** Helpers every page module shares: who is asking, and how a page or a redirect goes out. */
export const actorOf = (res: Response): Actor => res.locals.actor as Actor;
export const viewerOf = (res: Response): Viewer => res.locals.viewer as Viewer;

/** Pages carry client data: never cached. */
export function sendPage(res: Response, status: number, body: string): void {
  // A 503 page changed nothing and passes: tell the browser (and any proxy) when to come back.
  if (status === 503) res.set('retry-after', '5');
  res.status(status).type('html').set('cache-control', 'no-store').send(body);
}

/** Post/redirect/get: after a form worked, go to the page that shows the result. */
export function redirectWithNotice(res: Response, path: string, notice: NoticeKey): void {
  const [base, hash] = path.split('#');
  const sep = base!.includes('?') ? '&' : '?';
  res.redirect(303, `${base}${sep}notice=${notice}${hash ? `#${hash}` : ''}`);
}

/**
 * What a page module gets to register its routes: the domain's dependencies and the middleware
 * chain for signed-in pages (`signedIn`) and for their forms (`form`, then `signedIn`, then
 * `csrf`, in that order).
 */
export interface PageMiddleware {
  signedIn: RequestHandler;
  csrf: RequestHandler;
  form: RequestHandler;
}
