import { randomBytes } from 'node:crypto';
import { AesGcmCodec, ENCRYPTED_ENCODING, codecFromEnv, fromJson, toJson } from '../../common/encryption';

const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('{"bucket":"audit-logs"}') };

test('encrypts every payload and decrypts it back', async () => {
  const codec = new AesGcmCodec(randomBytes(32), 'k1');
  const [encrypted] = await codec.encode([payload]);
  expect(new TextDecoder().decode(encrypted.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(encrypted.data!).toString('latin1')).not.toContain('audit-logs');
  const [decrypted] = await codec.decode([encrypted]);
  expect(Buffer.from(decrypted.data!).toString()).toBe('{"bucket":"audit-logs"}');
  expect(new TextDecoder().decode(decrypted.metadata!.encoding)).toBe('json/plain');
});

test('a tampered payload, another key or another key id fails to decrypt', async () => {
  const codec = new AesGcmCodec(randomBytes(32), 'k1');
  const [encrypted] = await codec.encode([payload]);
  const tampered = { ...encrypted, data: Buffer.from(encrypted.data!).fill(0, 20, 21) };
  await expect(codec.decode([tampered])).rejects.toThrow();
  await expect(new AesGcmCodec(randomBytes(32), 'k1').decode([encrypted])).rejects.toThrow();
  await expect(new AesGcmCodec(randomBytes(32), 'k2').decode([encrypted])).rejects.toThrow(/key 'k1'/);
});

test('unencrypted payloads pass through decode unchanged', async () => {
  const codec = new AesGcmCodec(randomBytes(32), 'k1');
  expect(await codec.decode([payload])).toEqual([payload]);
});

test('the key comes from the environment and must be 32 bytes of base64', () => {
  expect(codecFromEnv({})).toBeUndefined();
  expect(codecFromEnv({ AUDIT_COLLECT_ENCRYPTION_KEY: randomBytes(32).toString('base64') })).toBeInstanceOf(AesGcmCodec);
  expect(() => codecFromEnv({ AUDIT_COLLECT_ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
});

test('payload JSON form round-trips', () => {
  expect(fromJson(toJson(payload))).toEqual({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"bucket":"audit-logs"}') });
});
