import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { EncryptionCodec, parsePayloadKeys, PayloadKeyError } from '../../src/temporal/codec';

const key = (id: string) => ({ id, key: randomBytes(32) });
const value = { client: 'Zed Quixote', note: 'sleeping in car' };
const plain = defaultPayloadConverter.toPayload(value);
const valueOf = (payloads: Payload[]): unknown => defaultPayloadConverter.fromPayload(payloads[0]!);

describe('payload encryption codec', () => {
  it('when a payload is encoded, then the bytes hide its content and decoding gives it back exactly', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([plain]);
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toContain('Quixote');
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(valueOf(await codec.decode([sealed!]))).toEqual(value);
  });

  it('when keys rotate, then new payloads use the newest key and old ones still decode', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    const [old] = await new EncryptionCodec([k1]).encode([plain]);
    const rotated = new EncryptionCodec([k2, k1]);
    expect(valueOf(await rotated.decode([old!]))).toEqual(value);
    const [fresh] = await rotated.encode([plain]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    // Once k1 is retired, what it sealed no longer opens, and the error names the key.
    await expect(new EncryptionCodec([k2]).decode([old!])).rejects.toThrow(/No payload key "k1"/);
  });

  it('when a sealed payload is altered, then decoding fails rather than returning tampered data', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [sealed] = await codec.encode([plain]);
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow();
  });

  it('when a payload was never encrypted (older histories), then it passes through unchanged', async () => {
    expect(await new EncryptionCodec([key('k1')]).decode([plain])).toEqual([plain]);
  });

  it('when PAYLOAD_KEYS is malformed, then the problem is named', () => {
    const good = Buffer.alloc(32, 7).toString('base64');
    expect(parsePayloadKeys(`a:${good}, b:${good}`).map((k) => k.id)).toEqual(['a', 'b']);
    expect(() => parsePayloadKeys('nonsense')).toThrow(PayloadKeyError);
    expect(() => parsePayloadKeys(`a:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parsePayloadKeys(`a:${good},a:${good}`)).toThrow(/unique/);
  });
});
