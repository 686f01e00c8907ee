import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  METADATA_ENCODING_KEY,
  type DataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';
import { PayloadKeyError, type PayloadKey } from '../shared/payload-keys';

/**
 * Client data never reaches the Temporal server in the clear: every payload (workflow inputs,
 * update arguments, results, failure messages and stack traces) is sealed with AES-256-GCM before
 * it leaves the process. The key id travels in the payload's metadata, so keys rotate: new payloads
 * use the first key, older ones still open with theirs.
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export { parsePayloadKeys, PayloadKeyError, type PayloadKey } from '../shared/payload-keys';

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: PayloadKey[]) {
    if (keys.length === 0) throw new PayloadKeyError('at least one key is needed');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((p) => this.seal(p)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((p) => this.open(p)));
  }

  /** Sealed with the newest key; the key id is also authenticated data, so it cannot be swapped. */
  private seal(payload: Payload): Payload {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(encode(id));
    const sealed = Buffer.concat([
      cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()),
      cipher.final(),
    ]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encode(id) },
      data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
    };
  }

  private open(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    // Payloads written before encryption (and by other tools) pass through unchanged.
    if (!encoding || decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    const id = idBytes ? decode(idBytes) : '';
    const key = this.byId.get(id);
    if (!key) throw new PayloadKeyError(`No payload key "${id}" is configured (PAYLOAD_KEYS).`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(encode(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** Runs synchronous crypto, reporting a failure as a rejected promise. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/** The one data converter of every Caseloop client and worker: encrypted payloads and failures. */
export function caseloopDataConverter(keys: PayloadKey[]): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
