// Optional payload encryption: AES-256-GCM over every Temporal payload (workflow inputs, results,
// activity arguments), with keys from the environment. Histories then hold ciphertext only; the
// Web UI reads them through the codec server (`audit-collect codec-server`).
//
// Keys rotate: payloads are encrypted with the current key and carry its id; old keys, by id, stay
// to decrypt what was written before (schedules until `apply` rewrites them, histories while kept).
import { SettingsError } from '../common/settings-error';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const KEY_VAR = 'AUDIT_COLLECT_ENCRYPTION_KEY';
const KEY_ID_VAR = 'AUDIT_COLLECT_ENCRYPTION_KEY_ID';
const OLD_KEYS_VAR = 'AUDIT_COLLECT_ENCRYPTION_OLD_KEYS';
const DEFAULT_KEY_ID = 'default';

/** The variables this module reads, for the configuration reference (docs/configuration.md). */
export const ENCRYPTION_VARIABLES = [
  { name: KEY_VAR, description: 'turns payload encryption on: the current AES-256-GCM key, 32 bytes in base64' },
  { name: KEY_ID_VAR, default: DEFAULT_KEY_ID, description: 'the id payloads encrypted with the current key carry' },
  { name: OLD_KEYS_VAR, description: 'while rotating: earlier keys to decrypt with, id:base64key,...' },
] as const;
/** Longer "ids" are not echoed in errors: a reversed entry (key:id) would put the key there. */
const MAX_SHOWN_ID_LENGTH = 40;

export class EncryptionConfigError extends SettingsError {}

/** A payload this process cannot decrypt; names the key id the payload carries, never a key. */
export class UndecryptablePayloadError extends Error {
  override name = 'UndecryptablePayloadError';

  constructor(
    readonly keyId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The payload's key id is not among this process's keys. */
export class UnknownEncryptionKeyError extends UndecryptablePayloadError {
  override name = 'UnknownEncryptionKeyError';

  constructor(keyId: string, held: string[]) {
    super(
      keyId,
      `payloads are encrypted with key '${keyId}', which this process does not have (it has ${held.map((id) => `'${id}'`).join(', ')}): ` +
        `set ${OLD_KEYS_VAR} (or ${KEY_VAR} and ${KEY_ID_VAR}) as on the worker`,
    );
  }
}

export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** The key id an encrypted payload carries, or undefined for a payload that is not encrypted. */
export function encryptionKeyIdOf(payload: Payload): string | undefined {
  if (decoder.decode(payload.metadata?.encoding ?? new Uint8Array()) !== ENCRYPTED_ENCODING) return undefined;
  return decoder.decode(payload.metadata?.[KEY_ID_METADATA] ?? new Uint8Array());
}

// How the default payload converter writes `undefined`.
const UNDEFINED_PAYLOAD: Payload = { metadata: { encoding: encoder.encode('binary/null') } };

export class AesGcmCodec implements PayloadCodec {
  readonly keyId: string;
  // Private fields stay out of util.inspect and JSON, so a logged codec shows no key material.
  readonly #keys: Map<string, KeyObject>;

  constructor(params: { keyId: string; key: Buffer; oldKeys?: EncryptionKey[] }) {
    this.keyId = params.keyId;
    this.#keys = new Map([{ id: params.keyId, key: params.key }, ...(params.oldKeys ?? [])].map((k) => [k.id, createSecretKey(k.key)]));
  }

  /** The current key id first, then the old ones. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.#keys.get(this.keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = Buffer.from(JSON.stringify(toJson(payload)));
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(this.keyId) }, data };
    });
  }

  /** Decrypts with the key the payload names; throws UndecryptablePayloadError when that fails. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  /**
   * This codec, except that payloads it cannot decrypt decode as `undefined` instead of failing.
   * For reading schedules: their own memo is written once at creation and Temporal cannot rewrite
   * it, so it may keep an old key's id after that key is gone.
   */
  lenient(): PayloadCodec {
    return {
      encode: (payloads) => this.encode(payloads),
      decode: async (payloads) =>
        payloads.map((payload) => {
          try {
            return this.decodeOne(payload);
          } catch (error) {
            if (error instanceof UndecryptablePayloadError) return UNDEFINED_PAYLOAD;
            throw error;
          }
        }),
    };
  }

  private decodeOne(payload: Payload): Payload {
    const keyId = encryptionKeyIdOf(payload);
    if (keyId === undefined) return payload;
    const key = this.#keys.get(keyId);
    if (!key) throw new UnknownEncryptionKeyError(keyId, this.keyIds);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return fromJson(JSON.parse(plain.toString('utf8')));
    } catch {
      throw new UndecryptablePayloadError(
        keyId,
        `a payload encrypted with key '${keyId}' does not decrypt with this process's key '${keyId}': the key under that id differs from the one it was encrypted with, or the payload was altered`,
      );
    }
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

/** 32 bytes from base64 (or base64url), or undefined. */
function parseKey(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

function shownId(id: string): string {
  return id.length <= MAX_SHOWN_ID_LENGTH
    ? `key id '${id}'`
    : `key id not shown: over ${MAX_SHOWN_ID_LENGTH} characters; is the entry reversed?`;
}

/** `id:base64key` entries, comma-separated; errors name the entry's position and id, never a key. */
export function parseOldKeys(params: { text: string; currentKeyId: string }): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const entries = params.text.split(',').map((e) => e.trim());
  entries.forEach((entry, index) => {
    if (entry === '') return; // a trailing or doubled comma
    const where = `${OLD_KEYS_VAR} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new EncryptionConfigError(`${where} is not of the form id:base64key (entries are comma-separated)`);
    const id = entry.slice(0, colon).trim();
    if (!id) throw new EncryptionConfigError(`${where} has an empty key id (the form is id:base64key)`);
    const key = parseKey(entry.slice(colon + 1).trim());
    if (!key)
      throw new EncryptionConfigError(
        `${where} (${shownId(id)}): the key must be 32 bytes in base64 (make one with: openssl rand -base64 32)`,
      );
    if (id === params.currentKeyId) {
      throw new EncryptionConfigError(
        `${where} (${shownId(id)}) has the current key's id (${KEY_ID_VAR}, '${DEFAULT_KEY_ID}' when unset); every key needs its own id`,
      );
    }
    const earlier = keys.findIndex((k) => k.id === id);
    if (earlier >= 0)
      throw new EncryptionConfigError(`${where} (${shownId(id)}) repeats an id used by an earlier entry; every key needs its own id`);
    keys.push({ id, key });
  });
  return keys;
}

/**
 * The codec from AUDIT_COLLECT_ENCRYPTION_KEY (32 bytes, base64), AUDIT_COLLECT_ENCRYPTION_KEY_ID
 * and AUDIT_COLLECT_ENCRYPTION_OLD_KEYS (`id:base64key,...`), or undefined when encryption is off.
 * The worker, the CLI and the codec server must hold the same keys.
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const text = env[KEY_VAR]?.trim();
  const oldKeys = env[OLD_KEYS_VAR]?.trim();
  if (!text) {
    if (oldKeys)
      throw new EncryptionConfigError(`${OLD_KEYS_VAR} is set but ${KEY_VAR} is not: old keys only decrypt beside a current key`);
    return undefined;
  }
  const key = parseKey(text);
  if (!key) throw new EncryptionConfigError(`${KEY_VAR} must be 32 bytes in base64 (make one with: openssl rand -base64 32)`);
  const keyId = env[KEY_ID_VAR] || DEFAULT_KEY_ID;
  return new AesGcmCodec({ keyId, key, oldKeys: parseOldKeys({ text: oldKeys ?? '', currentKeyId: keyId }) });
}

export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): { payloadCodecs: PayloadCodec[] } | undefined {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
