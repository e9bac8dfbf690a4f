import { describe, expect, it } from 'vitest';
import { EXAMPLE_ENCRYPTION_KEY, EXAMPLE_ROOT_API_KEY, SettingsError, loadSettings } from '../../../config';
import { outsideLocalStack, refuseExampleKeys } from '../../../config/example-keys';

const OWN = { ROOT_API_KEY: 'a-root-key-of-our-own-0001', ENCRYPTION_KEY: 'c'.repeat(64) };

describe('example keys', () => {
  it('are the defaults, and .env.example holds the same values', () => {
    const s = loadSettings({});
    expect(s.ROOT_API_KEY).toBe(EXAMPLE_ROOT_API_KEY);
    expect(s.ENCRYPTION_KEY).toBe(EXAMPLE_ENCRYPTION_KEY);
  });

  it('are accepted on the local stack: every server on this machine, not in production', () => {
    expect(outsideLocalStack(loadSettings({}))).toBeNull();
    expect(() => refuseExampleKeys(loadSettings({ TEMPORAL_ADDRESS: 'localhost:7233', MONGODB_URI: 'mongodb://127.0.0.1:27017/x' }))).not.toThrow();
  });

  it('are refused in production, naming each setting', () => {
    const s = loadSettings({ NODE_ENV: 'production' });
    expect(() => refuseExampleKeys(s)).toThrow(SettingsError);
    try {
      refuseExampleKeys(s);
    } catch (err) {
      const issues = (err as SettingsError).issues;
      expect(issues).toHaveLength(2);
      expect(issues[0]).toMatch(/^ROOT_API_KEY: is the example key of \.env\.example, refused with NODE_ENV=production/);
      expect(issues[1]).toMatch(/^ENCRYPTION_KEY: is the example key of \.env\.example, refused with NODE_ENV=production/);
    }
  });

  it('are refused against a remote Temporal or MongoDB, without quoting MongoDB credentials', () => {
    expect(() => refuseExampleKeys(loadSettings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', ROOT_API_KEY: OWN.ROOT_API_KEY }))).toThrow(/^Invalid settings:\n {2}- ENCRYPTION_KEY: .*with Temporal on ns\.acct\.tmprl\.cloud \(TEMPORAL_ADDRESS\)/);
    const remoteMongo = loadSettings({ MONGODB_URI: 'mongodb://user:hunter2@db1.internal:27017/sy', ENCRYPTION_KEY: OWN.ENCRYPTION_KEY });
    expect(() => refuseExampleKeys(remoteMongo)).toThrow(/ROOT_API_KEY: .*with MongoDB on db1\.internal \(MONGODB_URI\)/);
    expect(() => refuseExampleKeys(remoteMongo)).not.toThrow(/hunter2/);
    expect(outsideLocalStack(loadSettings({ MONGODB_URI: 'mongodb+srv://u:p@cluster0.example.net/sy' }))).toMatch(/cluster0\.example\.net/);
  });

  it('are not an issue once both are set', () => {
    expect(() => refuseExampleKeys(loadSettings({ NODE_ENV: 'production', ...OWN }))).not.toThrow();
  });
});
