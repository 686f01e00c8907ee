import type { Pool } from 'pg';
import type { AccountMail } from '../../domain/account-links';
import type { CaseDeps } from '../../domain/cases';
import type { SingleSignOn } from '../../domain/single-sign-on';
import type { Logger } from '../../shared/logger';
import type { SessionDeps } from './session';

/**
 * What every page module is given. Its own module, so page modules never import the router that
 * registers them.
 */
export interface WebDeps extends CaseDeps, SessionDeps {
  pool: Pool;
  linkSigningKey: string;
  publicBaseUrl: string;
  logger: Logger;
  /** Sends invitation and reset links; without it, asking for one answers 503. */
  accountMail?: AccountMail | undefined;
  /** Single sign-on with the agency's OpenID provider, when configured. */
  sso?: SingleSignOn | undefined;
}
