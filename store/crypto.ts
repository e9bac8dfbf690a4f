import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV per value and the auth tag stored beside it.
 * Stored form: "v1:<iv b64>:<tag b64>:<ciphertext b64>", so a future key rotation can add "v2".
 */
export interface Cipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

export function createCipher(keyHex: string): Cipher {
  const key = Buffer.from(keyHex, 'hex');
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes (64 hex characters)');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    decrypt(stored) {
      const [version, iv, tag, ct] = stored.split(':');
      if (version !== 'v1' || !iv || !tag || ct === undefined) throw new DecryptError('not a v1 encrypted value');
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        d.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
      } catch {
        // Wrong ENCRYPTION_KEY or tampered value: say so without echoing anything secret.
        throw new DecryptError('cannot decrypt a stored secret: wrong ENCRYPTION_KEY or corrupted value');
      }
    },
  };
}
