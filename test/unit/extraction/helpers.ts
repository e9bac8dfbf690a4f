/** Builders and a tiny driver so pagination tests read as scripts of pages. */
import {
  advance,
  applyAuth,
  authQueryNames,
  extractRecords,
  formatIssues,
  parseConfig,
  requestFor,
  startPagination,
  type Advance,
  type Auth,
  type Config,
  type Extraction,
  type HttpRequest,
  type PageState,
  type ReferenceContext,
} from '../../../extraction';

/** Parses a config (defaults applied) or fails the test with the readable errors. */
export function config(input: unknown): Config {
  const r = parseConfig(input);
  if (!r.ok) throw new Error(formatIssues(r.errors));
  return r.config;
}

/** One parsed extraction from its raw fields (name and endpoint filled in when absent). */
export function extraction(fields: Record<string, unknown>): Extraction {
  const c = config({ name: 'test', extractions: [{ name: 'e', endpoint: { url: 'https://api.test/items' }, ...fields }] });
  const e = c.extractions[0];
  if (!e) throw new Error('no extraction');
  return e;
}

export interface FakePage {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Override the URL the answer reports (redirects). */
  url?: string;
}

export interface Run {
  requests: HttpRequest[];
  last: Advance;
  states: PageState[];
  records: unknown[];
}

/**
 * Runs the state machine against `serve` until done or error (or `limit` requests), counting records the
 * way an activity would, and keeping the records of pages it is told to keep.
 */
export function run(ex: Extraction, serve: (req: HttpRequest, n: number) => FakePage, ctx: ReferenceContext = {}, limit = 100, auth?: Auth): Run {
  let state = startPagination(ex);
  const requests: HttpRequest[] = [];
  const states: PageState[] = [state];
  const records: unknown[] = [];
  for (let n = 0; n < limit; n++) {
    const built = requestFor(ex, state, ctx);
    // As the activity's sender does: the config's api_key / basic auth on top of what the style built.
    const req = built.ok ? applyAuth(auth, built.value, ctx) : built;
    if (!req.ok) throw new Error(req.error);
    requests.push(req.value);
    const page = serve(req.value, n);
    const body = page.body === undefined ? null : page.body;
    const status = page.status ?? 200;
    // Only a 2xx answer holds records; anything else is a signal for advance().
    const recs = status >= 200 && status < 300 ? extractRecords(ex, body) : { ok: true as const, value: [] };
    if (!recs.ok) throw new Error(recs.error);
    const a = advance(ex, state, {
      url: page.url ?? req.value.url,
      status,
      headers: page.headers ?? {},
      body,
      records: recs.value.length,
      sensitive: authQueryNames(auth),
    });
    if (a.kind === 'next' || (a.kind === 'done' && a.keepRecords)) records.push(...recs.value);
    // State must survive a JSON round trip (heartbeat details).
    state = JSON.parse(JSON.stringify(a.state)) as PageState;
    states.push(state);
    if (a.kind !== 'next') return { requests, last: a, states, records };
  }
  throw new Error(`no end after ${limit} requests`);
}

/** The query of a request URL as an object of arrays. */
export function query(url: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URL(url).searchParams) (out[k] ??= []).push(v);
  return out;
}

/** The value of one query parameter (the single value, or throws if repeated). */
export function param(url: string, name: string): string | undefined {
  const vs = query(url)[name];
  if (vs && vs.length > 1) throw new Error(`${name} repeated: ${vs.join(',')}`);
  return vs?.[0];
}
