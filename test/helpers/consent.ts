/**
 * Clicks through a sandbox consent page with plain HTTP, as a browser would: reads the page's form (hidden fields
 * and the identity chooser), posts the decision, and answers where the provider redirects (not followed).
 */
export async function decideConsent(consentUrl: string, decision: 'allow' | 'deny', identity?: string): Promise<URL> {
  const page = await fetch(consentUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${html.slice(0, 300)}`);
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (!form?.[1] || form[2] === undefined) throw new Error(`no consent form on the page: ${html.slice(0, 300)}`);
  const unescape = (s: string): string => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
  const fields = new URLSearchParams();
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.set(unescape(m[1] ?? ''), unescape(m[2] ?? ''));
  const select = /<select name="([^"]+)">([\s\S]*?)<\/select>/.exec(form[2]);
  if (select?.[1]) {
    const options = [...(select[2] ?? '').matchAll(/<option value="([^"]*)"( selected)?>/g)];
    const chosen = identity ?? unescape((options.find((o) => o[2]) ?? options[0])?.[1] ?? '');
    fields.set(select[1], chosen);
  }
  fields.set('decision', decision);
  const res = await fetch(new URL(unescape(form[1]), consentUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  const to = res.headers.get('location');
  if (!to) throw new Error(`consent answered ${res.status} without a redirect: ${(await res.text()).slice(0, 300)}`);
  return new URL(to);
}
