import type { FaultSpec } from './faults';
import type { ReceivedRequest } from './requests';

/** A typed client of the sandbox control API, for tests, benchmarks and the demo seeding. */
export class SandboxControl {
  constructor(readonly baseUrl: string) {}

  url(path: string): string {
    return `${this.baseUrl.replace(/\/$/, '')}${path}`;
  }

  /** Any control route, e.g. call('POST', '/google/revoke', { user }). */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url(`/_control${path}`), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  health(): Promise<{ ok: boolean; providers: string[] }> {
    return this.call('GET', '/health');
  }
  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }
  advanceClock(ms: number): Promise<{ now: string }> {
    return this.call('POST', '/clock/advance', { advanceMs: ms });
  }
  armFault(spec: Partial<FaultSpec>): Promise<{ id: number }> {
    return this.call('POST', '/faults', spec);
  }
  clearFaults(): Promise<void> {
    return this.call('DELETE', '/faults');
  }
  async requests(filter: { provider?: string; method?: string; path?: string; since?: number } = {}): Promise<ReceivedRequest[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    return (await this.call<{ requests: ReceivedRequest[] }>('GET', `/requests?${q.toString()}`)).requests;
  }
  seed<T = unknown>(provider: string, body: unknown): Promise<T> {
    return this.call('POST', `/${provider}/seed`, body);
  }
  configure<T = unknown>(provider: string, body: unknown): Promise<T> {
    return this.call('POST', `/${provider}/config`, body);
  }
  state<T = unknown>(provider: string, query: Record<string, string> = {}): Promise<T> {
    return this.call('GET', `/${provider}/state?${new URLSearchParams(query).toString()}`);
  }
  resetProvider(provider: string): Promise<void> {
    return this.call('POST', `/${provider}/reset`);
  }
}
