import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  AesGcmCodec,
  ENCRYPTED_ENCODING,
  EncryptionConfigError,
  UndecryptablePayloadError,
  UnknownEncryptionKeyError,
  codecFromEnv,
  encryptionKeyIdOf,
  fromJson,
  toJson,
} from '../../src/secrets/encryption';
import type { Payload } from '@temporalio/common';
import { startCodecServer } from '../../src/client/codec-server/server';
import { thrownMessage } from '../helpers/thrown';

const payload = {
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode('{"bucket":"audit-logs"}'),
};
const text = (p: { data?: Uint8Array | null }) => Buffer.from(p.data!).toString();
const b64 = (key: Buffer) => key.toString('base64');

/** The one payload a codec gives back for one payload in. */
async function one(result: Promise<Payload[]>): Promise<Payload> {
  const payloads = await result;
  expect(payloads).toHaveLength(1);
  return payloads[0]!;
}

test('encrypts every payload and decrypts it back', async () => {
  const codec = new AesGcmCodec({ keyId: 'k1', key: randomBytes(32) });
  const encrypted = await one(codec.encode([payload]));
  expect(new TextDecoder().decode(encrypted.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
  expect(encryptionKeyIdOf(encrypted)).toBe('k1');
  expect(Buffer.from(encrypted.data!).toString('latin1')).not.toContain('audit-logs');
  const decrypted = await one(codec.decode([encrypted]));
  expect(text(decrypted)).toBe('{"bucket":"audit-logs"}');
  expect(new TextDecoder().decode(decrypted.metadata!.encoding)).toBe('json/plain');
});

test('a tampered payload or another key under the same id fails to decrypt, naming the key id', async () => {
  const codec = new AesGcmCodec({ keyId: 'k1', key: randomBytes(32) });
  const encrypted = await one(codec.encode([payload]));
  const tampered = { ...encrypted, data: Buffer.from(encrypted.data!).fill(0, 20, 21) };
  await expect(codec.decode([tampered])).rejects.toThrow(UndecryptablePayloadError);
  const other = new AesGcmCodec({ keyId: 'k1', key: randomBytes(32) });
  await expect(other.decode([encrypted])).rejects.toThrow(/key 'k1' does not decrypt/);
});

test('decodes with an old key by its id and encodes with the current one', async () => {
  const oldKey = randomBytes(32);
  const fromOld = await one(new AesGcmCodec({ keyId: 'k1', key: oldKey }).encode([payload]));
  const rotated = new AesGcmCodec({ keyId: 'k2', key: randomBytes(32), oldKeys: [{ id: 'k1', key: oldKey }] });
  expect(rotated.keyIds).toEqual(['k2', 'k1']);
  expect(text(await one(rotated.decode([fromOld])))).toBe('{"bucket":"audit-logs"}');
  const fresh = await one(rotated.encode([payload]));
  expect(encryptionKeyIdOf(fresh)).toBe('k2');
  expect(text(await one(rotated.decode([fresh])))).toBe('{"bucket":"audit-logs"}');
});

test('an unknown key id gives UnknownEncryptionKeyError carrying that id', async () => {
  const encrypted = await one(new AesGcmCodec({ keyId: 'k1', key: randomBytes(32) }).encode([payload]));
  const error = await new AesGcmCodec({ keyId: 'k2', key: randomBytes(32) }).decode([encrypted]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnknownEncryptionKeyError);
  expect(error).toBeInstanceOf(UndecryptablePayloadError);
  expect((error as UnknownEncryptionKeyError).keyId).toBe('k1');
  expect((error as Error).message).toMatch(
    /key 'k1', which this process does not have \(it has 'k2'\): set AUDIT_COLLECT_ENCRYPTION_OLD_KEYS/,
  );
});

test('the lenient codec decodes what it cannot decrypt as undefined, and encodes as usual', async () => {
  const unknown = await one(new AesGcmCodec({ keyId: 'k1', key: randomBytes(32) }).encode([payload]));
  const codec = new AesGcmCodec({ keyId: 'k2', key: randomBytes(32) });
  const known = await one(codec.encode([payload]));
  const decoded = await codec.lenient().decode([unknown, known]);
  expect(decoded).toHaveLength(2);
  const [a, b] = [decoded[0]!, decoded[1]!];
  expect(new TextDecoder().decode(a.metadata!.encoding)).toBe('binary/null');
  expect(text(b)).toBe('{"bucket":"audit-logs"}');
  expect(encryptionKeyIdOf(await one(codec.lenient().encode([payload])))).toBe('k2');
});

test('unencrypted payloads pass through decode unchanged', async () => {
  const codec = new AesGcmCodec({ keyId: 'k1', key: randomBytes(32) });
  expect(await codec.decode([payload])).toEqual([payload]);
  expect(encryptionKeyIdOf(payload)).toBeUndefined();
});

test('the key comes from the environment and must be 32 bytes of base64', () => {
  expect(codecFromEnv({})).toBeUndefined();
  const codec = codecFromEnv({ AUDIT_COLLECT_ENCRYPTION_KEY: b64(randomBytes(32)) });
  expect(codec).toBeInstanceOf(AesGcmCodec);
  expect(codec!.keyId).toBe('default');
  expect(() => codecFromEnv({ AUDIT_COLLECT_ENCRYPTION_KEY: b64(randomBytes(16)) })).toThrow(/32 bytes/);
  expect(() => codecFromEnv({ AUDIT_COLLECT_ENCRYPTION_KEY: 'not base64 at all!' })).toThrow(/32 bytes/);
});

test('old keys come from AUDIT_COLLECT_ENCRYPTION_OLD_KEYS as comma-separated id:base64key entries', async () => {
  const [k1, k0] = [randomBytes(32), randomBytes(32)];
  const fromK1 = await one(new AesGcmCodec({ keyId: 'k1', key: k1 }).encode([payload]));
  const codec = codecFromEnv({
    AUDIT_COLLECT_ENCRYPTION_KEY: b64(randomBytes(32)),
    AUDIT_COLLECT_ENCRYPTION_KEY_ID: 'k2',
    AUDIT_COLLECT_ENCRYPTION_OLD_KEYS: ` k1:${b64(k1)} , k0:${b64(k0)},`,
  })!;
  expect(codec.keyIds).toEqual(['k2', 'k1', 'k0']);
  expect(text(await one(codec.decode([fromK1])))).toBe('{"bucket":"audit-logs"}');
});

describe('AUDIT_COLLECT_ENCRYPTION_OLD_KEYS validation names the entry, never a key', () => {
  const current = b64(randomBytes(32));
  const good = b64(randomBytes(32));
  const short = b64(randomBytes(16));
  const env = (oldKeys: string, keyId?: string) => ({
    AUDIT_COLLECT_ENCRYPTION_KEY: current,
    AUDIT_COLLECT_ENCRYPTION_KEY_ID: keyId,
    AUDIT_COLLECT_ENCRYPTION_OLD_KEYS: oldKeys,
  });
  const failure = (e: Record<string, string | undefined>) => thrownMessage(EncryptionConfigError, () => codecFromEnv(e));
  const cases: Array<[string, Record<string, string | undefined>, RegExp]> = [
    [
      'a key of the wrong size',
      env(`k1:${good},k0:${short}`, 'k2'),
      /^AUDIT_COLLECT_ENCRYPTION_OLD_KEYS entry 2 \(key id 'k0'\): the key must be 32 bytes in base64/,
    ],
    ['an entry without an id', env(good, 'k2'), /^AUDIT_COLLECT_ENCRYPTION_OLD_KEYS entry 1 is not of the form id:base64key/],
    ['an empty id', env(`:${good}`, 'k2'), /entry 1 has an empty key id/],
    ['a repeated id', env(`k1:${good},k1:${good}`, 'k2'), /entry 2 \(key id 'k1'\) repeats an id used by an earlier entry/],
    ['the current id', env(`k2:${good}`, 'k2'), /entry 1 \(key id 'k2'\) has the current key's id/],
    ['the default current id', env(`default:${good}`), /entry 1 \(key id 'default'\) has the current key's id/],
    ['a reversed entry', env(`${good}:k1`, 'k2'), /entry 1 \(key id not shown: over 40 characters; is the entry reversed\?\)/],
    [
      'old keys without a current key',
      { AUDIT_COLLECT_ENCRYPTION_OLD_KEYS: `k1:${good}` },
      /AUDIT_COLLECT_ENCRYPTION_OLD_KEYS is set but AUDIT_COLLECT_ENCRYPTION_KEY is not/,
    ],
  ];
  test.each(cases)('%s', (_name, e, expected) => {
    const message = failure(e);
    expect(message).toMatch(expected);
    for (const key of [current, good, short]) expect(message).not.toContain(key);
  });
});

test('a logged codec shows no key material', () => {
  const key = randomBytes(32);
  const old = randomBytes(32);
  const codec = new AesGcmCodec({ keyId: 'k2', key, oldKeys: [{ id: 'k1', key: old }] });
  const shown = inspect(codec, { depth: 10, showHidden: true }) + JSON.stringify(codec);
  for (const k of [key, old]) {
    expect(shown).not.toContain(k.toString('base64'));
    expect(shown).not.toContain(k.toString('hex'));
  }
  expect(shown).not.toMatch(/<Buffer/);
});

test('the codec server decodes what its keys can and returns the rest still encrypted, warning once per key id', async () => {
  const unknown = await one(new AesGcmCodec({ keyId: 'gone', key: randomBytes(32) }).encode([payload]));
  const codec = new AesGcmCodec({ keyId: 'k2', key: randomBytes(32) });
  const known = await one(codec.encode([payload]));
  const lines: string[] = [];
  const server = await startCodecServer({ codec, port: 0, allowOrigin: 'http://127.0.0.1:8233', log: (line) => lines.push(line) });
  try {
    const res = await fetch(`${server.url}/decode`, {
      method: 'POST',
      body: JSON.stringify({ payloads: [unknown, known, unknown].map(toJson) }),
    });
    expect(res.status).toBe(200);
    const out = ((await res.json()) as { payloads: Parameters<typeof fromJson>[0][] }).payloads.map(fromJson);
    expect(out).toHaveLength(3);
    expect(encryptionKeyIdOf(out[0]!)).toBe('gone');
    expect(text(out[1]!)).toBe('{"bucket":"audit-logs"}');
    expect(lines).toEqual([expect.stringContaining("key 'gone', which this process does not have")]);
  } finally {
    await server.close();
  }
});

test('payload JSON form round-trips', () => {
  expect(fromJson(toJson(payload))).toEqual({
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from('{"bucket":"audit-logs"}'),
  });
});
