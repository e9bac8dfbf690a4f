import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { ZodError } from 'zod';
import { FakeClock } from './clock';
import { FaultBook, type ArmedFault } from './faults';
import { RequestLog } from './requests';
import type { FakeProvider, FakeProviderFactory, SandboxContext } from './types';
import { providerFactories } from './providers';

export interface SandboxOptions {
  /** Public base URL the fakes put into the URLs they hand out, e.g. http://127.0.0.1:4010 */
  baseUrl: string;
  logger?: boolean;
  /** Which fakes to mount; all by default. */
  factories?: FakeProviderFactory[];
}

export interface Sandbox {
  app: FastifyInstance;
  ctx: SandboxContext;
  providers: Map<string, FakeProvider>;
}

declare module 'fastify' {
  interface FastifyRequest {
    sandboxFault?: ArmedFault;
    /** The answer's body as sent (text bodies up to 64 KiB), kept for the request log. */
    sandboxResponse?: string;
    /** When the request arrived (the fake clock), which is when a provider counts it against a quota. */
    sandboxReceivedAt?: number;
  }
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function providerOf(url: string): string {
  const first = url.split('?')[0]?.split('/')[1] ?? '';
  return first;
}

export async function buildSandbox(opts: SandboxOptions): Promise<Sandbox> {
  // Root aliases of the fakes (FakeProvider.rootAliases), filled in as the fakes are built below.
  const rootAliases: { prefix: string; provider: string }[] = [];
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 20 * 1024 * 1024,
    return503OnClosing: false,
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      const alias = rootAliases.find((a) => url.startsWith(a.prefix));
      return alias ? `/${alias.provider}${url}` : url;
    },
  });
  const ctx: SandboxContext = {
    clock: new FakeClock(),
    faults: new FaultBook(),
    requests: new RequestLog(),
    baseUrl: opts.baseUrl.replace(/\/$/, ''),
  };

  await app.register(formbody);
  // Provider clients send odd content types (hal+json, problem+json, text): keep them as parsed JSON when
  // they parse, else as text, so each fake decides what is a bad request the way the real API does.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    try {
      done(null, text.length ? JSON.parse(text) : undefined);
    } catch {
      done(null, text);
    }
  });

  // Faults fire before any route runs, as a misbehaving network or provider would.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const provider = providerOf(req.url);
    if (provider === '_control') return;
    req.sandboxReceivedAt = ctx.clock.now();
    const fault = ctx.faults.take(provider, req.method, req.url);
    if (!fault) return;
    req.sandboxFault = fault;
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.reset) {
      req.raw.socket.destroy();
      return reply;
    }
    if (fault.status === undefined) return; // a pure delay: let the real handler answer
    const headers: Record<string, string> = { ...(fault.headers ?? {}) };
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    reply.code(fault.status).headers(headers);
    if (fault.body === undefined) return reply.send();
    return reply.send(typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body));
  });

  // The answers are logged too: tests collect every credential a fake issued (access tokens, rotated refresh
  // tokens) from them, and check that none of them reaches a log line or a workflow history.
  app.addHook('onSend', async (req, _reply, payload) => {
    if (typeof payload === 'string' && payload.length <= 65_536 && providerOf(req.url) !== '_control') req.sandboxResponse = payload;
    const held = req.sandboxFault?.answerDelayMs;
    if (held) await new Promise((r) => setTimeout(r, held));
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const provider = providerOf(req.url);
    if (provider === '_control') return;
    ctx.requests.add({
      at: new Date(req.sandboxReceivedAt ?? ctx.clock.now()).toISOString(),
      provider,
      method: req.method,
      url: req.url,
      status: reply.statusCode,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')])),
      body: req.body,
      ...(req.sandboxResponse !== undefined ? { response: parseMaybeJson(req.sandboxResponse) } : {}),
      ...(req.sandboxFault ? { fault: req.sandboxFault.id } : {}),
    });
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ZodError) {
      return reply.code(400).send({ error: 'invalid control request', issues: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    const e = err as { statusCode?: unknown; message?: unknown };
    const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
    return reply.code(status).send({ error: typeof e.message === 'string' ? e.message : String(err) });
  });

  const providers = new Map<string, FakeProvider>();
  for (const factory of opts.factories ?? providerFactories) {
    const p = factory(ctx);
    providers.set(p.name, p);
    for (const prefix of p.rootAliases ?? []) rootAliases.push({ prefix, provider: p.name });
    await app.register(async (scope) => p.routes(scope), { prefix: `/${p.name}` });
  }

  await app.register(
    async (control) => {
      control.get('/health', async () => ({ ok: true, providers: [...providers.keys()], now: new Date(ctx.clock.now()).toISOString() }));
      control.post('/reset', async () => {
        ctx.clock.reset();
        ctx.faults.clear();
        ctx.requests.clear();
        for (const p of providers.values()) p.reset();
        return { ok: true };
      });
      control.get('/clock', async () => ({ now: new Date(ctx.clock.now()).toISOString(), offsetMs: ctx.clock.offset }));
      control.post<{ Body: { advanceMs?: number; advanceSeconds?: number } }>('/clock/advance', async (req) => {
        const ms = (req.body?.advanceMs ?? 0) + (req.body?.advanceSeconds ?? 0) * 1000;
        ctx.clock.advance(ms);
        return { now: new Date(ctx.clock.now()).toISOString(), offsetMs: ctx.clock.offset };
      });
      control.get('/faults', async () => ctx.faults.list());
      control.post('/faults', async (req) => ctx.faults.arm(req.body));
      control.delete('/faults', async () => {
        ctx.faults.clear();
        return { ok: true };
      });
      control.get<{ Querystring: { provider?: string; method?: string; path?: string; since?: string } }>('/requests', async (req) => {
        const q = req.query;
        return {
          lastSeq: ctx.requests.lastSeq,
          requests: ctx.requests.query({
            ...(q.provider ? { provider: q.provider } : {}),
            ...(q.method ? { method: q.method } : {}),
            ...(q.path ? { path: q.path } : {}),
            ...(q.since ? { since: Number(q.since) } : {}),
          }),
        };
      });
      control.delete('/requests', async () => {
        ctx.requests.clear();
        return { ok: true };
      });
      for (const p of providers.values()) {
        await control.register(
          async (scope) => {
            scope.post('/seed', async (req) => p.seed(req.body ?? {}));
            scope.post('/config', async (req) => p.configure(req.body ?? {}));
            scope.get<{ Querystring: Record<string, string> }>('/state', async (req) => p.state(req.query));
            scope.post('/reset', async () => {
              p.reset();
              return { ok: true };
            });
            if (p.controlRoutes) await p.controlRoutes(scope);
          },
          { prefix: `/${p.name}` },
        );
      }
    },
    { prefix: '/_control' },
  );

  return { app, ctx, providers };
}
