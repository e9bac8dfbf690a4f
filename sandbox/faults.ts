import { z } from 'zod';

/**
 * Faults armed through the control API: the next N requests that match answer with the given
 * status/body/headers, after an optional delay, or have their connection reset.
 */
export const faultSpecSchema = z.object({
  /** Provider prefix (google, zoho, kommo, unisender, demo); any when absent. */
  provider: z.string().optional(),
  method: z.string().toUpperCase().optional(),
  /** Substring of the path (and query), or a regular expression written as /.../. */
  path: z.string().optional(),
  /** How many matching requests the fault applies to. */
  times: z.number().int().min(1).default(1),
  /** Requests that match but are skipped before the fault fires (e.g. fail the 3rd page: after=2). */
  after: z.number().int().min(0).default(0),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Seconds, sent as a Retry-After header. */
  retryAfter: z.number().min(0).optional(),
  /** Delay before answering (or before passing through when no status is given): the provider has not acted yet. */
  delayMs: z.number().int().min(0).max(120_000).optional(),
  /**
   * Delay of the answer after the provider acted (with no status: the real handler's answer is held). A client that
   * gives up or dies meanwhile never learns what happened: a create accepted, its answer lost.
   */
  answerDelayMs: z.number().int().min(0).max(120_000).optional(),
  /** Destroy the socket instead of answering. */
  reset: z.boolean().optional(),
});
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface ArmedFault extends FaultSpec {
  id: number;
  remaining: number;
  skipped: number;
  fired: number;
}

export interface FaultDecision {
  fault: ArmedFault;
}

export class FaultBook {
  private faults: ArmedFault[] = [];
  private nextId = 1;

  arm(input: unknown): ArmedFault {
    const spec = faultSpecSchema.parse(input);
    const fault: ArmedFault = { ...spec, id: this.nextId++, remaining: spec.times, skipped: 0, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): ArmedFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Finds the first armed fault matching this request and consumes one use of it. */
  take(provider: string, method: string, url: string): ArmedFault | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      if (f.provider && f.provider !== provider) continue;
      if (f.method && f.method !== method.toUpperCase()) continue;
      if (f.path && !pathMatches(f.path, url)) continue;
      if (f.skipped < f.after) {
        f.skipped++;
        continue;
      }
      f.remaining--;
      f.fired++;
      if (f.remaining === 0) this.faults = this.faults.filter((x) => x !== f);
      return { ...f };
    }
    return undefined;
  }
}

function pathMatches(pattern: string, url: string): boolean {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    return new RegExp(pattern.slice(1, -1)).test(url);
  }
  return url.includes(pattern);
}
