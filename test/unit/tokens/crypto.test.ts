import { describe, expect, it } from 'vitest';
import { createCipher, DecryptError } from '../../../store/crypto';

const KEY = 'a'.repeat(64);

describe('secrets at rest (AES-256-GCM)', () => {
  it('round-trips and never stores the plain text', () => {
    const c = createCipher(KEY);
    const stored = c.encrypt('1//refresh-token-value');
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain('refresh-token-value');
    expect(c.decrypt(stored)).toBe('1//refresh-token-value');
  });

  it('uses a fresh IV per value, so equal secrets do not look equal', () => {
    const c = createCipher(KEY);
    expect(c.encrypt('same')).not.toBe(c.encrypt('same'));
  });

  it('refuses a wrong key or a tampered value with a message that leaks nothing', () => {
    const stored = createCipher(KEY).encrypt('secret-value');
    expect(() => createCipher('b'.repeat(64)).decrypt(stored)).toThrow(DecryptError);
    const [v, iv, tag, ct] = stored.split(':');
    const tampered = [v, iv, tag, Buffer.from('x' + Buffer.from(ct!, 'base64').toString('binary')).toString('base64')].join(':');
    expect(() => createCipher(KEY).decrypt(tampered)).toThrow(/wrong ENCRYPTION_KEY or corrupted/);
    expect(() => createCipher(KEY).decrypt('plain')).toThrow(/not a v1 encrypted value/);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => createCipher('abcd')).toThrow(/32 bytes/);
  });
});
