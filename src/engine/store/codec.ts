import { LocalRankError } from '../../errors.js';
import type { KeyValueStore } from './kv.js';
import { base64ToBytes, bytesToBase64 } from '../base64.js';

/**
 * Encryption at rest: every value is serialised (JSON with typed arrays kept)
 * and sealed with AES-GCM under a non-extractable WebCrypto key. Keys stay in
 * clear; callers must not put personal data in keys.
 */

const TYPED = '$f32';

export function encodeValue(value: unknown): Uint8Array {
  const json = JSON.stringify(value, (_k, v: unknown) => (v instanceof Float32Array ? { [TYPED]: bytesToBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) } : v));
  return new TextEncoder().encode(json);
}

export function decodeValue(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes), (_k, v: unknown) => {
    if (v && typeof v === 'object' && TYPED in v) {
      const raw = base64ToBytes((v as Record<string, string>)[TYPED]!);
      return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    }
    return v;
  });
}



interface Sealed {
  iv: Uint8Array;
  data: ArrayBuffer;
}

const isSealed = (v: unknown): v is Sealed => !!v && typeof v === 'object' && (v as Sealed).iv instanceof Uint8Array && (v as Sealed).data instanceof ArrayBuffer;

export const KEY_RECORD = 'crypto-key';

/** Reads the namespace's key, or creates and stores a new non-extractable one. */
export async function loadOrCreateKey(store: KeyValueStore): Promise<CryptoKey> {
  const [existing] = await store.getMany<CryptoKey>([KEY_RECORD]);
  if (existing && typeof existing === 'object' && (existing as CryptoKey).type === 'secret') return existing;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await store.setMany([[KEY_RECORD, key]]);
  return key;
}

/** Wraps a store so values are sealed on write and opened on read. The key record itself is left alone. */
export function encryptingStore(inner: KeyValueStore, key: CryptoKey): KeyValueStore {
  const seal = async (value: unknown): Promise<Sealed> => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, encodeValue(value) as BufferSource);
    return { iv, data };
  };
  const open = async (value: unknown): Promise<unknown> => {
    if (value === undefined) return undefined;
    if (!isSealed(value)) throw new LocalRankError('STORAGE_CORRUPTED', 'A record that should be encrypted is not');
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: value.iv as BufferSource }, key, value.data);
    return decodeValue(new Uint8Array(plain));
  };
  return {
    ...inner,
    async getMany<T>(keys: readonly string[]) {
      const raw = await inner.getMany<unknown>(keys);
      return Promise.all(raw.map((v) => open(v).catch(() => CORRUPT))) as Promise<Array<T | undefined>>;
    },
    async setMany(entries) {
      const sealed = await Promise.all(entries.map(async ([k, v]) => [k, await seal(v)] as const));
      return inner.setMany(sealed);
    },
    async batch(sets, dels) {
      const sealed = await Promise.all(sets.map(async ([k, v]) => [k, await seal(v)] as const));
      return inner.batch(sealed, dels);
    },
    update() {
      return Promise.reject(new Error('update() is not available on an encrypted store: sealing is asynchronous'));
    },
    async entries<T>() {
      const raw = await inner.entries<unknown>();
      const out: Array<[string, T]> = [];
      for (const [k, v] of raw) if (k !== KEY_RECORD) out.push([k, (await open(v).catch(() => CORRUPT)) as T]);
      return out;
    },
  };
}

/** Marker for a value that could not be decrypted or decoded: the caller quarantines it. */
export const CORRUPT = Symbol.for('localrank.corrupt');
