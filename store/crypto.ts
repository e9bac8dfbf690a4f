import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV per value and the auth tag stored beside it.
 *
 * A keyring: one key encrypts (ENCRYPTION_KEY), any number more only decrypt (ENCRYPTION_DECRYPT_KEYS: the previous
 * key during a rotation, or the next one before it becomes ENCRYPTION_KEY, so a rolling restart never meets a value
 * it cannot read). Stored form: "v2:<key id>:<iv b64>:<tag b64>:<ciphertext b64>", the key id being derived from the
 * key (a hash prefix, so no setting can pair an id with the wrong key). Values from before the keyring,
 * "v1:<iv>:<tag>:<ciphertext>", carry no id: every key of the ring is tried (GCM's tag says which one fits).
 */
export interface Cipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  /** Whether a stored value is under the key that encrypts now (a rotation rewrites the others). */
  isCurrent(stored: string): boolean;
  /** The id of the key that encrypts now. */
  readonly keyId: string;
}

export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

/** A key's id: 8 hex characters of a hash of it (32 bits: it names a key of a ring, it does not weaken it). */
export function keyIdOf(keyHex: string): string {
  return createHash('sha256').update('switchyard-encryption-key-id:').update(Buffer.from(keyHex, 'hex')).digest('hex').slice(0, 8);
}

function keyOf(keyHex: string): Buffer {
  const key = Buffer.from(keyHex, 'hex');
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes (64 hex characters)');
  return key;
}

function open(key: Buffer, iv: string, tag: string, ct: string): string | null {
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}

// Wrong keys or a tampered value: say so without echoing anything secret.
const cannot = (why: string): DecryptError => new DecryptError(`cannot decrypt a stored secret: ${why}`);

export function createCipher(keyHex: string, decryptOnly: readonly string[] = []): Cipher {
  const key = keyOf(keyHex);
  const keyId = keyIdOf(keyHex);
  const ring = new Map<string, Buffer>([[keyId, key]]);
  for (const k of decryptOnly) ring.set(keyIdOf(k), keyOf(k));
  return {
    keyId,
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `v2:${keyId}:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    decrypt(stored) {
      const parts = stored.split(':');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, id, iv, tag, ct] = parts as [string, string, string, string, string];
        const k = ring.get(id);
        if (!k) throw cannot(`it is under key ${id}, which is neither ENCRYPTION_KEY nor one of ENCRYPTION_DECRYPT_KEYS`);
        const plain = open(k, iv, tag, ct);
        if (plain === null) throw cannot(`corrupted value (key ${id})`);
        return plain;
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        const [, iv, tag, ct] = parts as [string, string, string, string];
        for (const k of ring.values()) {
          const plain = open(k, iv, tag, ct);
          if (plain !== null) return plain;
        }
        throw cannot('wrong ENCRYPTION_KEY (no key of the ring fits) or corrupted value');
      }
      throw cannot('not an encrypted value');
    },
    isCurrent: (stored) => stored.startsWith(`v2:${keyId}:`),
  };
}
