import type { RunningSandbox } from '../helpers/sandbox';

/** Shared set-up of the Zoho fake tests. */
export const ZCLIENT = { clientId: '1000.CLIENTID', clientSecret: 'zoho-secret', redirectUris: ['http://localhost/zoho/cb'] };
export const ACCOUNT = { id: 'acc-1', email: 'owner@example.com', refreshToken: '1000.refresh.one', accessToken: '1000.access.one' };

export async function seedZohoBasics(sb: RunningSandbox): Promise<void> {
  await sb.control.seed('zoho', {
    clients: [ZCLIENT],
    accounts: [
      {
        id: ACCOUNT.id,
        email: ACCOUNT.email,
        org: 'org-1',
        clientId: ZCLIENT.clientId,
        refreshToken: ACCOUNT.refreshToken,
        accessToken: ACCOUNT.accessToken,
        // Tests jump the fake clock by days; this seeded token outlives that (refreshed ones live an hour).
        accessTokenExpiresInSeconds: 30 * 24 * 3600,
      },
    ],
  });
}

/** A Creator app "jdoe/crm-sync" with a Contact form (Email mandatory) and its All_Contacts report. */
export async function seedCreatorApp(sb: RunningSandbox, fields: Record<string, string>): Promise<void> {
  await sb.control.seed('zoho', {
    creator: [{ owner: 'jdoe', app: 'crm-sync', forms: [{ name: 'Contact', fields, mandatory: ['Email'] }], reports: [{ name: 'All_Contacts', form: 'Contact' }] }],
  });
}

export interface Answer {
  status: number;
  text: string;
  body: unknown;
  headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, text, body, headers: res.headers };
}

/** POST to the accounts token endpoint with parameters in the query string (as seed 001's extractor does). */
export async function zohoTokenQuery(sb: RunningSandbox, params: Record<string, string>): Promise<Answer> {
  return answer(await fetch(`${sb.baseUrl}/zoho/accounts/oauth/v2/token?${new URLSearchParams(params).toString()}`, { method: 'POST' }));
}

export async function zohoTokenForm(sb: RunningSandbox, params: Record<string, string>): Promise<Answer> {
  return answer(
    await fetch(`${sb.baseUrl}/zoho/accounts/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    }),
  );
}

export const refreshParams = (refreshToken = ACCOUNT.refreshToken, over: Record<string, string> = {}): Record<string, string> => ({
  refresh_token: refreshToken,
  client_id: ZCLIENT.clientId,
  client_secret: ZCLIENT.clientSecret,
  grant_type: 'refresh_token',
  ...over,
});

/** A call to the Zoho API domain (/zoho/api...) with Zoho-oauthtoken auth. */
export async function zapi(
  sb: RunningSandbox,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = opts.token === undefined ? ACCOUNT.accessToken : opts.token;
  const headers: Record<string, string> = { ...(token ? { authorization: `Zoho-oauthtoken ${token}` } : {}), ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return answer(await fetch(`${sb.baseUrl}/zoho/api${path}`, { method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) }));
}

export async function zcontrol<T = unknown>(sb: RunningSandbox, path: string, body: unknown): Promise<T> {
  const res = await fetch(sb.control.url(`/_control${path}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}
