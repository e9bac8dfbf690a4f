import { EXAMPLE_ENCRYPTION_KEY, EXAMPLE_ROOT_API_KEY, SettingsError, type Settings } from './index';

type KeySettings = Pick<Settings, 'NODE_ENV' | 'TEMPORAL_ADDRESS' | 'MONGODB_URI' | 'ROOT_API_KEY' | 'ENCRYPTION_KEY'>;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/** The hosts of a MongoDB URI (several for a replica set), without its credentials. */
function mongoHosts(uri: string): string[] {
  const m = /^mongodb(\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(uri);
  if (!m) return [];
  // An SRV record is looked up in DNS: never this machine.
  if (m[1]) return [m[2] ?? ''];
  return (m[2] ?? '').split(',').map((h) => h.replace(/:\d+$/, ''));
}

/**
 * Why these settings are not the local stack's (`npm start`, the tests: every server on this machine, not in
 * production), or null when they are.
 */
export function outsideLocalStack(s: KeySettings): string | null {
  if (s.NODE_ENV === 'production') return 'with NODE_ENV=production';
  const temporalHost = s.TEMPORAL_ADDRESS.replace(/:\d+$/, '');
  if (!LOOPBACK.test(temporalHost)) return `with Temporal on ${temporalHost} (TEMPORAL_ADDRESS)`;
  const remote = mongoHosts(s.MONGODB_URI).find((h) => !LOOPBACK.test(h));
  if (remote !== undefined) return `with MongoDB on ${remote} (MONGODB_URI)`;
  return null;
}

/**
 * Refuses the example ROOT_API_KEY and ENCRYPTION_KEY of .env.example outside the local stack: with them, anyone
 * who read the README holds the root key of the API and the key of every stored token and secret.
 */
export function refuseExampleKeys(s: KeySettings): void {
  const where = outsideLocalStack(s);
  if (!where) return;
  const issues: string[] = [];
  if (s.ROOT_API_KEY === EXAMPLE_ROOT_API_KEY) {
    issues.push(`ROOT_API_KEY: is the example key of .env.example, refused ${where}; set a key of your own (at least 16 characters)`);
  }
  if (s.ENCRYPTION_KEY.toLowerCase() === EXAMPLE_ENCRYPTION_KEY) {
    issues.push(
      `ENCRYPTION_KEY: is the example key of .env.example, refused ${where}; generate one with ` +
        `node -e "console.log(require('crypto').randomBytes(32).toString('hex'))" (values already stored under the example key: ` +
        'put it in ENCRYPTION_DECRYPT_KEYS and run switchyard keys rotate-encryption)',
    );
  }
  if (issues.length) throw new SettingsError(issues);
}
