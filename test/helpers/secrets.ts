import type { SandboxControl } from '../../sandbox/client';

/** Field names whose values are credentials, in provider requests and answers. */
const SECRET_FIELD = /^(access_token|refresh_token|client_secret|code|api_key|apikey|password|accessToken|refreshToken|clientSecret|token)$/i;
/** Schemes of Authorization headers whose value is a credential. */
const AUTH_SCHEME = /^(Bearer|Zoho-oauthtoken|Basic)\s+/i;

function collect(value: unknown, out: Set<string>, depth = 0): void {
  if (depth > 10 || value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && SECRET_FIELD.test(k) && v.length >= 6) out.add(v);
    else collect(v, out, depth + 1);
  }
}

/**
 * Every credential the sandbox's fakes were sent or issued, read from the sandbox's own request log: access and
 * refresh tokens in answers, refresh tokens, client secrets and authorization codes in requests (bodies and URL
 * queries), and every Authorization header value. The "no secret in any log" checks search for all of them, so
 * a credential a test did not think of still counts.
 */
export async function sandboxCredentials(control: SandboxControl): Promise<Set<string>> {
  const out = new Set<string>();
  for (const r of await control.requests()) {
    collect(r.body, out);
    collect(r.response, out);
    const auth = r.headers.authorization;
    if (auth && AUTH_SCHEME.test(auth)) out.add(auth.replace(AUTH_SCHEME, ''));
    const query = new URL(r.url, 'http://sandbox').searchParams;
    for (const [k, v] of query) if (SECRET_FIELD.test(k) && v.length >= 6) out.add(v);
  }
  return out;
}

/** The forms a secret may take in text: as is, URL-encoded and JSON-escaped. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

/** Which secrets (shown by their first characters only) occur in a text, in any of their forms. */
export function leakedSecrets(text: string, secrets: Iterable<string>): string[] {
  const found: string[] = [];
  for (const s of secrets) if (secretForms(s).some((f) => text.includes(f))) found.push(`${s.slice(0, 6)}...`);
  return found;
}
