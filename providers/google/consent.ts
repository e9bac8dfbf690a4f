import { z } from 'zod';
import { FailureType, ProviderError, kindForStatus } from '../errors';
import { HttpClient } from '../http';
import { HTTP_TIMEOUT_MS, consentUrl, tokenEndpoint, type CodeFlowClient, type GrantedTokens } from '../oauth';
import { classifyGoogleTokenAnswer } from './oauth';

/** Contacts read and write, and the user's e-mail (which names the account). */
export const GOOGLE_CONNECT_SCOPES = ['https://www.googleapis.com/auth/contacts', 'https://www.googleapis.com/auth/userinfo.email'];

/**
 * Google's consent page. https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient
 * access_type=offline asks for a refresh token, and prompt=consent makes Google issue one again for a user who
 * granted access before (without it only the first consent carries one).
 */
export function googleConsentUrl(authUrl: string, p: { clientId: string; redirectUri: string; state: string; loginHint?: string | undefined }): string {
  return consentUrl(authUrl, {
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: 'code',
    scope: GOOGLE_CONNECT_SCOPES.join(' '),
    access_type: 'offline',
    prompt: 'consent',
    include_granted_scopes: 'true',
    state: p.state,
    ...(p.loginHint ? { login_hint: p.loginHint } : {}),
  });
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().optional(), refresh_token: z.string().min(1).optional() }).loose();

/**
 * The authorization_code grant. https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
 * A refused code (invalid_grant: used, expired or for another client) is Invalid here, not AuthRevoked: nothing
 * stored is wrong, the person just has to start again.
 */
export async function exchangeGoogleCode(client: CodeFlowClient, code: string, tokenUrl: string): Promise<GrantedTokens> {
  const res = await tokenEndpoint('google').send({
    method: 'POST',
    url: tokenUrl,
    what: 'authorization code exchange',
    form: { code, client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: client.redirectUri, grant_type: 'authorization_code' },
  });
  const body = tokenAnswer.safeParse(res.data);
  if (res.status === 200 && body.success) {
    return { accessToken: body.data.access_token, refreshToken: body.data.refresh_token ?? null, expiresAt: new Date(Date.now() + (body.data.expires_in ?? 3599) * 1000) };
  }
  const err = classifyGoogleTokenAnswer(res);
  const kind = err.kind === FailureType.AuthRevoked || err.kind === FailureType.AuthExpired ? FailureType.Invalid : err.kind;
  throw new ProviderError(kind, 'google', `authorization code refused: ${err.message}`, err.details);
}

const me = z.object({ emailAddresses: z.array(z.object({ value: z.string(), metadata: z.object({ primary: z.boolean().optional() }).loose().optional() }).loose()).optional() }).loose();

/**
 * The connected user's e-mail, from the People API's `me`. https://developers.google.com/people/api/rest/v1/people/get
 * The primary address when Google marks one, else the first.
 */
export async function googleIdentity(peopleRootUrl: string, accessToken: string): Promise<{ email: string }> {
  const http = new HttpClient({ provider: 'google', timeoutMs: HTTP_TIMEOUT_MS });
  const res = await http.send({
    method: 'GET',
    url: `${peopleRootUrl.replace(/\/$/, '')}/v1/people/me`,
    what: 'read the connected user',
    query: { personFields: 'emailAddresses' },
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const emails = me.safeParse(res.data).data?.emailAddresses ?? [];
  const email = (emails.find((e) => e.metadata?.primary) ?? emails[0])?.value;
  if (!email) throw new ProviderError(kindForStatus(400), 'google', 'the connected user has no e-mail address the People API shows');
  return { email: email.toLowerCase() };
}
