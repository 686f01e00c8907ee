import type { Pool, PoolClient } from 'pg';
import { currentConsent } from './consent';

/**
 * How much of a client a provider may learn, decided from the consent record at the moment
 * something is about to reach the provider: 'named' (the client consented to share with this
 * provider by name: their name and the referral's reason), 'general' (consent to share with
 * providers in general: the case reference and the service only), or 'none' (nothing may go).
 */
export type ProviderShare = 'named' | 'general' | 'none';

export async function providerShare(
  db: Pool | PoolClient,
  clientId: string,
  _providerId: string,
): Promise<ProviderShare> {
  return (await currentConsent(db, clientId)) ? 'general' : 'none';
}

/** The words for a provider email that the record no longer allows (timeline and logs). */
export const NO_PROVIDER_CONSENT = 'consent withdrawn: the client does not consent to sharing with this provider';
