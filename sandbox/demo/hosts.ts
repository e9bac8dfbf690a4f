/**
 * The real hosts the seed's Zoho configs name, and where the sandbox serves them: with PROVIDERS_SANDBOX_URL set,
 * the worker passes this rewrite to the extraction activities, so the seed's configs run unchanged against the
 * sandbox's Zoho-shaped demo API. Any other URL is sent as written.
 */
export const SANDBOX_HOSTS: Record<string, string> = {
  'accounts.zoho.com': '/demo/zoho',
  'www.zohoapis.com': '/demo/zoho',
  'desk.zoho.com': '/demo/zoho/desk',
};

export function sandboxRewrite(url: string, sandboxUrl: string | undefined): string {
  if (!sandboxUrl) return url;
  const u = new URL(url);
  const prefix = SANDBOX_HOSTS[u.hostname];
  if (u.protocol !== 'https:' || prefix === undefined) return url;
  return `${sandboxUrl.replace(/\/$/, '')}${prefix}${u.pathname}${u.search}`;
}
