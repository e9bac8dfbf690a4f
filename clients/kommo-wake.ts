import type { Logger } from '../config/logger';
import type { KommoInboxStore } from '../store/kommo-inbox';

/**
 * Wakes mirror workflows about their inbox with as few signals as possible. A workflow takes at most 10,000
 * signals, and a steady stream of them keeps it from continuing as new, so deliveries never map to signals one to
 * one: per mirror, one signal is in flight at a time and at most one every `minIntervalMs`; whatever arrives
 * meanwhile is carried by the next one, as a count of entries. A failed signal (Temporal down) is dropped: the
 * entries wait in MongoDB and the sweeper wakes the mirror later.
 */
export class MirrorWaker {
  private readonly mirrors = new Map<string, { entries: number; sending: Promise<void> | null; lastAt: number }>();

  constructor(
    private readonly send: (mirrorId: string, entries: number) => Promise<void>,
    private readonly opts: { minIntervalMs?: number; log?: Logger } = {},
  ) {}

  /** Notes `entries` new inbox entries for a mirror; the signal goes out now or with the next one. */
  wake(mirrorId: string, entries = 1): void {
    const m = this.mirrors.get(mirrorId) ?? { entries: 0, sending: null, lastAt: 0 };
    m.entries += entries;
    this.mirrors.set(mirrorId, m);
    if (!m.sending) m.sending = this.drain(mirrorId, m);
  }

  /** Resolves once no signal is pending (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.mirrors.values()].map((m) => m.sending).filter((p): p is Promise<void> => p !== null);
      if (!busy.length) return;
      await Promise.all(busy);
    }
  }

  private async drain(mirrorId: string, m: { entries: number; sending: Promise<void> | null; lastAt: number }): Promise<void> {
    try {
      while (m.entries > 0) {
        const wait = m.lastAt + (this.opts.minIntervalMs ?? 100) - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const entries = m.entries;
        m.entries = 0;
        m.lastAt = Date.now();
        try {
          await this.send(mirrorId, entries);
        } catch (err) {
          this.opts.log?.warn({ mirrorId, entries, err: err instanceof Error ? err.message : String(err) }, 'could not wake the mirror; its inbox waits for the sweeper');
        }
      }
    } finally {
      m.sending = null;
      if (m.entries === 0) this.mirrors.delete(mirrorId);
    }
  }
}

/** Wakes every mirror with entries waiting in the inbox; answers their ids. */
export async function sweepInboxes(inbox: KommoInboxStore, waker: MirrorWaker): Promise<string[]> {
  const ids = await inbox.mirrorsWithPending();
  for (const id of ids) waker.wake(id, 1);
  await waker.idle();
  return ids;
}

/**
 * The sweeper every worker runs: at start and every `everyMs`, wakes the mirrors whose inbox holds entries (they were
 * accepted while Temporal was unreachable, or their signal was lost). A sweep that fails (MongoDB down) is logged and
 * tried again at the next tick.
 */
export function startInboxSweeper(deps: { inbox: KommoInboxStore; waker: MirrorWaker; everyMs: number; log: Logger }): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const sweep = (): void => {
    if (running) return;
    running = sweepInboxes(deps.inbox, deps.waker)
      .then((ids) => {
        if (ids.length) deps.log.info({ mirrors: ids }, 'woke mirrors with waiting webhook deliveries');
      })
      .catch((err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inbox sweep failed; trying again at the next tick'))
      .finally(() => {
        running = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, deps.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
