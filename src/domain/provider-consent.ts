import type { Pool, PoolClient } from 'pg';
import { consentTo } from './consent';

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
  providerId: string,
): Promise<ProviderShare> {
  if (!(await consentTo(db, clientId, { purpose: 'share', providerId }))) return 'none';
  const named = await db.query<{ given: boolean }>(
    `SELECT given FROM client_consents
      WHERE client_id = $1 AND purpose = 'share_with_provider' AND provider_id = $2
      ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1`,
    [clientId, providerId],
  );
  return named.rows[0]?.given ? 'named' : 'general';
}

/** The words for a provider email that the record no longer allows (timeline and logs). */
export const NO_PROVIDER_CONSENT =
  'consent withdrawn: the client does not consent to sharing with this provider';
