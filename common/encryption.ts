// Optional payload encryption: AES-256-GCM over every Temporal payload (workflow inputs, results,
// activity arguments), with the key from the environment. Histories then hold ciphertext only; the
// Web UI reads them through the codec server (`audit-collect codec-server`).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class EncryptionConfigError extends Error {}

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly key: Buffer,
    private readonly keyId: string,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const plain = Buffer.from(JSON.stringify(toJson(payload)));
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), 'encryption-key-id': encoder.encode(this.keyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (decoder.decode(payload.metadata?.encoding ?? new Uint8Array()) !== ENCRYPTED_ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata?.['encryption-key-id'] ?? new Uint8Array());
      if (keyId !== this.keyId) throw new Error(`payload was encrypted with key '${keyId}', but this process has key '${this.keyId}'`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return fromJson(JSON.parse(plain.toString('utf8')));
    });
  }
}

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

export function toJson(payload: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

export function fromJson(json: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(json.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(json.data ?? '', 'base64') };
}

/**
 * The codec from AUDIT_COLLECT_ENCRYPTION_KEY (32 bytes, base64) and AUDIT_COLLECT_ENCRYPTION_KEY_ID,
 * or undefined when encryption is off. The worker, the CLI and the codec server must share the key.
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const text = env.AUDIT_COLLECT_ENCRYPTION_KEY;
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new EncryptionConfigError('AUDIT_COLLECT_ENCRYPTION_KEY must be 32 bytes in base64 (make one with: openssl rand -base64 32)');
  }
  return new AesGcmCodec(key, env.AUDIT_COLLECT_ENCRYPTION_KEY_ID || 'default');
}

export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): { payloadCodecs: PayloadCodec[] } | undefined {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
