import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Staff passwords, hashed with Node's built-in scrypt (memory-hard) at OWASP's parameters:
 * N = 2^17, r = 8, p = 1, a 16-byte salt and a 64-byte key. Stored self-describing,
 *
 *   $scrypt$ln=17,r=8,p=1$<salt, base64>$<key, base64>
 *
 * so the parameters can be raised later: old hashes still verify with the parameters they carry,
 * and `needsRehash` says when to store a fresh one.
 */

export interface ScryptParams {
  /** log2 of N, the cost. */
  ln: number;
  r: number;
  p: number;
}

export const CURRENT_PARAMS: ScryptParams = { ln: 17, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 64;
/** Sane bounds for parameters read back from the database (a corrupt row must not exhaust memory). */
const MAX_LN = 20;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is below that at N = 2^17. */
function optionsFor(params: ScryptParams): ScryptOptions {
  const N = 2 ** params.ln;
  return { N, r: params.r, p: params.p, maxmem: 2 * 128 * N * params.r * params.p };
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, optionsFor(params), (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const FORMAT =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function parse(stored: string): ParsedHash | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > MAX_LN || params.r < 1 || params.p < 1) return undefined;
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  // Whole and canonical: a truncated key would otherwise verify as a prefix of the real one.
  if (salt.length < SALT_BYTES || key.length !== KEY_BYTES) return undefined;
  if (salt.toString('base64') !== m[4] || key.toString('base64') !== m[5]) return undefined;
  return { params, salt, key };
}

/** Whether `password` matches the stored hash; the comparison takes the same time whatever differs. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** The stored hash was made with other parameters than today's: store a fresh one at the next sign-in. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return (
    !parsed ||
    parsed.params.ln !== CURRENT_PARAMS.ln ||
    parsed.params.r !== CURRENT_PARAMS.r ||
    parsed.params.p !== CURRENT_PARAMS.p
  );
}

/**
 * Spent on a sign-in for an unknown email, so it takes as long as one for a known email (no account
 * enumeration by timing). Made once, lazily.
 */
let decoy: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoy);
  return false;
}

/**
 * What is wrong with a new password, in words for the person choosing it; undefined when it is
 * acceptable. Long enough, not absurdly long (hashing cost), and not the account's own email.
 */
export function passwordProblem(password: string, email: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    return `Use at least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good password.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const normalise = (s: string): string => s.trim().toLowerCase();
  const local = email.split('@')[0] ?? '';
  if (normalise(password) === normalise(email) || normalise(password) === normalise(local))
    return 'Do not use your email address as your password.';
  return undefined;
}
