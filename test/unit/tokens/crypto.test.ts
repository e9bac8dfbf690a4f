import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipher, DecryptError, keyIdOf } from '../../../store/crypto';

const KEY = 'a'.repeat(64);
const NEXT = 'b'.repeat(64);

/** A value as stored before the keyring: "v1:<iv>:<tag>:<ciphertext>", no key id. */
function v1(keyHex: string, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

describe('secrets at rest (AES-256-GCM)', () => {
  it('round-trips, names its key and never stores the plain text', () => {
    const c = createCipher(KEY);
    const stored = c.encrypt('1//refresh-token-value');
    expect(stored.startsWith(`v2:${keyIdOf(KEY)}:`)).toBe(true);
    expect(stored).not.toContain('refresh-token-value');
    expect(c.decrypt(stored)).toBe('1//refresh-token-value');
    expect(c.isCurrent(stored)).toBe(true);
  });

  it('uses a fresh IV per value, so equal secrets do not look equal', () => {
    const c = createCipher(KEY);
    expect(c.encrypt('same')).not.toBe(c.encrypt('same'));
  });

  it('refuses a wrong key or a tampered value with a message that leaks nothing', () => {
    const stored = createCipher(KEY).encrypt('secret-value');
    expect(() => createCipher(NEXT).decrypt(stored)).toThrow(DecryptError);
    expect(() => createCipher(NEXT).decrypt(stored)).toThrow(new RegExp(`under key ${keyIdOf(KEY)}, which is neither ENCRYPTION_KEY`));
    const [v, id, iv, tag, ct] = stored.split(':');
    const tampered = [v, id, iv, tag, Buffer.from('x' + Buffer.from(ct!, 'base64').toString('binary')).toString('base64')].join(':');
    expect(() => createCipher(KEY).decrypt(tampered)).toThrow(/corrupted value/);
    expect(() => createCipher(KEY).decrypt('plain')).toThrow(/not an encrypted value/);
    try {
      createCipher(NEXT).decrypt(stored);
    } catch (err) {
      expect((err as Error).message).not.toContain(KEY);
      expect((err as Error).message).not.toContain('secret-value');
    }
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => createCipher('abcd')).toThrow(/32 bytes/);
    expect(() => createCipher(KEY, ['abcd'])).toThrow(/32 bytes/);
  });

  it('decrypts with every key of the ring but encrypts with ENCRYPTION_KEY only', () => {
    const old = createCipher(KEY).encrypt('under the old key');
    const ring = createCipher(NEXT, [KEY]);
    expect(ring.decrypt(old)).toBe('under the old key');
    expect(ring.isCurrent(old)).toBe(false);
    const fresh = ring.encrypt('under the new key');
    expect(ring.isCurrent(fresh)).toBe(true);
    expect(createCipher(NEXT).decrypt(fresh)).toBe('under the new key');
    expect(() => createCipher(KEY).decrypt(fresh)).toThrow(DecryptError);
  });

  it('keeps decrypting values stored before the keyring (no key id), whichever key of the ring made them', () => {
    expect(createCipher(KEY).decrypt(v1(KEY, 'legacy'))).toBe('legacy');
    const legacy = v1(KEY, 'legacy, old key');
    expect(createCipher(NEXT, [KEY]).decrypt(legacy)).toBe('legacy, old key');
    expect(createCipher(NEXT, [KEY]).isCurrent(legacy)).toBe(false);
    expect(() => createCipher(NEXT).decrypt(legacy)).toThrow(/no key of the ring fits/);
  });
});
