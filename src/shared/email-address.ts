import addressparser from 'nodemailer/lib/addressparser';

/**
 * The domain of a single sender address such as `Caseloop <no-reply@agency.org>`, lower-cased;
 * undefined when the text is not exactly one address with a domain.
 */
export function senderDomain(from: string): string | undefined {
  const addresses = addressparser(from, { flatten: true });
  if (addresses.length !== 1) return undefined;
  const match = /^[^@\s]+@([a-z0-9-]+(?:\.[a-z0-9-]+)*)$/i.exec(addresses[0]!.address);
  return match?.[1]?.toLowerCase();
}
