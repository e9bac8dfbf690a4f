import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../config/logger';
import { KOMMO_INSTALL_CALLBACK_PATH } from '../../common/names';
import { parseKommoWebhook, type FormBody } from '../../providers/kommo/webhook';
import type { KommoStores } from '../../store/kommo';
import { webhookEventsAccepted } from '../../metrics';
import { InboxWriter, inboxEntries } from '../../store/kommo-inbox';
import { MirrorNotFound, webhookSecretMatches, type MirrorDoc } from '../../store/kommo-mirrors';
import { ConnectRefused } from '../connect';
import { MirrorNotReady } from '../kommo';
import { KommoSetupError, type CallbackResult, type KommoSetupService } from '../kommo-setup';
import type { MirrorWaker } from '../kommo-wake';
import { HttpError } from './errors';
import { sendFailurePage, sendPage, wantsPage } from './pages';

/** How long the endpoint waits for MongoDB before answering 503 (Kommo gives a delivery about 2 s). */
const STORE_DEADLINE_MS = 1500;
/** Mirrors are read on every delivery; a burst reads each one about once per this long. */
const MIRROR_CACHE_MS = 2000;

/** The mirror's own errors as HTTP answers: a refused setup step, an unknown mirror, the step to do first. */
export async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KommoSetupError || err instanceof ConnectRefused) throw new HttpError(err.status, err.message);
    if (err instanceof MirrorNotFound) throw new HttpError(404, err.message);
    if (err instanceof MirrorNotReady) throw new HttpError(409, err.message);
    throw err;
  }
}

function withinStoreDeadline<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(503, 'storage is not answering; deliver again later', undefined, { 'retry-after': '10' })), STORE_DEADLINE_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A short-lived cache of mirrors by id, one read in flight per id. Unknown ids are never cached. */
function mirrorCache(kommo: KommoStores): (id: string) => Promise<MirrorDoc | null> {
  const cache = new Map<string, { at: number; value: Promise<MirrorDoc | null> }>();
  return (id) => {
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < MIRROR_CACHE_MS) return hit.value;
    const value = kommo.mirrors.find(id);
    cache.set(id, { at: Date.now(), value });
    value.then(
      (m) => {
        if (!m) cache.delete(id);
      },
      () => cache.delete(id),
    );
    return value;
  };
}

const NEXT_STEP: Record<NonNullable<CallbackResult['mirror']['nextStep']>, string> = {
  'unisender-key': 'give its Unisender API key (switchyard kommo unisender-key)',
  list: 'choose its Unisender list (switchyard kommo list)',
  webhook: 'subscribe its webhook (switchyard kommo webhook)',
};

function installedPage(r: CallbackResult): Parameters<typeof sendPage>[2] {
  const { mirror } = r;
  const host = `${mirror.kommo.subdomain}.kommo.com`;
  const resumed = r.resumed === true ? '; its mirror resumed' : r.resumed === 'pending' ? '; its mirror resumes once Temporal answers' : '';
  return {
    ok: true,
    title: r.reconnected ? 'Kommo account reconnected' : 'Kommo account connected',
    message: `${host} is connected${resumed}.${mirror.nextStep ? ` Next: ${NEXT_STEP[mirror.nextStep]}.` : ''}`,
    details: [
      ['Account', r.accountId],
      ['Provider', 'kommo'],
      ['Mirror', mirror.id],
    ],
  };
}

/**
 * The routes Kommo itself calls, without an API key: the install redirect, and the webhooks. A delivery is
 * answered 2xx once it is durably in the inbox, never later: waking the mirror happens after the answer, coalesced,
 * and a Temporal outage only delays it (the sweeper wakes the mirror). MongoDB unreachable: 503, and Kommo delivers
 * again. An unknown mirror or a wrong secret: 401, nothing stored; a malformed body: 400 naming what is wrong.
 */
export function registerKommoPublicRoutes(app: FastifyInstance, deps: { kommo: KommoStores; setup: KommoSetupService; waker: MirrorWaker; log?: Logger }): void {
  const writer = new InboxWriter(deps.kommo.inbox);
  const mirrorOf = mirrorCache(deps.kommo);

  // https://www.kommo.com/developers/content/oauth/step-by-step/ (Kommo redirects here with code, state, referer).
  // A browser ends on a page, like Google's and Zoho's callbacks; other callers get the JSON answer.
  app.get(KOMMO_INSTALL_CALLBACK_PATH, { schema: { hide: true } }, async (req, reply) => {
    if (!wantsPage(req)) return answer(() => deps.setup.callback(req.query));
    try {
      return sendPage(reply, 200, installedPage(await deps.setup.callback(req.query)));
    } catch (err) {
      return sendFailurePage(req, reply, err, deps.log);
    }
  });

  // https://www.kommo.com/developers/content/crm_platform/webhooks-format/
  app.post<{ Params: { mirrorId: string; secret: string } }>('/webhooks/kommo/:mirrorId/:secret', { schema: { hide: true } }, async (req, reply) => {
    const { mirrorId, secret } = req.params;
    const mirror = await withinStoreDeadline(mirrorOf(mirrorId)).catch((err: unknown) => {
      throw err instanceof HttpError ? err : new HttpError(503, 'storage is unavailable; deliver again later', undefined, { 'retry-after': '10' });
    });
    // One answer for both, so the endpoint does not say which mirrors exist.
    if (!mirror || !webhookSecretMatches(mirror, secret)) throw new HttpError(401, 'unknown mirror or wrong secret');
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new HttpError(400, `body: Kommo posts application/x-www-form-urlencoded, got ${type || 'no content type'}`);
    const parsed = parseKommoWebhook((req.body ?? {}) as FormBody);
    if (!parsed.ok) throw new HttpError(400, `body: ${parsed.issues.join('; ')}`, parsed.issues);
    if (parsed.value.accountId !== mirror.kommo.accountId) throw new HttpError(400, `account[id] ${parsed.value.accountId} is not this mirror's Kommo account`);
    const entries = inboxEntries(mirrorId, parsed.value.events.map((e) => e.id), 'webhook');
    await withinStoreDeadline(writer.write(entries)).catch((err: unknown) => {
      deps.log?.warn({ mirrorId, err: err instanceof Error ? err.message : String(err) }, 'a Kommo delivery could not be stored; Kommo will deliver it again');
      throw err instanceof HttpError ? err : new HttpError(503, 'storage is unavailable; deliver again later', undefined, { 'retry-after': '10' });
    });
    webhookEventsAccepted('kommo', parsed.value.events.length);
    deps.waker.wake(mirrorId, entries.length);
    return reply.code(200).send({ accepted: parsed.value.events.length });
  });
}
