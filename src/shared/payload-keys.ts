/** The keys that seal Temporal payloads (src/temporal/codec.ts), as configured: a leaf so config can parse them. */

export interface PayloadKey {
  id: string;
  key: Buffer;
}

export class PayloadKeyError extends Error {}

/** `PAYLOAD_KEYS`: comma-separated `id:base64key` pairs, newest first; each key 32 bytes. */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const keys = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      const id = part.slice(0, at).trim();
      const key = Buffer.from(part.slice(at + 1).trim(), 'base64');
      if (at <= 0 || !/^[\w.-]+$/.test(id))
        throw new PayloadKeyError(`"${part.slice(0, 12)}…" is not id:base64key`);
      if (key.length !== 32)
        throw new PayloadKeyError(`key "${id}" must be 32 bytes (base64 of 32 random bytes)`);
      return { id, key };
    });
  if (keys.length === 0) throw new PayloadKeyError('at least one key is needed');
  if (new Set(keys.map((k) => k.id)).size !== keys.length)
    throw new PayloadKeyError('key ids must be unique');
  return keys;
}
