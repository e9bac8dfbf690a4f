import type { SandboxContext } from '../types';
import { defaultUnisenderConfig, type UnisenderConfig } from './config';
import type { ApiKey, UnisenderAccount } from './store';

/** Sliding one-minute windows of call times per id (API key or IP), on the fake clock. */
export class MinuteWindows {
  private readonly calls = new Map<string, number[]>();

  /** Counts the call unless it is over `limit` (0 = no limit); true when it is over. */
  over(id: string, limit: number, now: number): boolean {
    if (limit <= 0) return false;
    const recent = this.recent(id, now);
    this.calls.set(id, recent);
    if (recent.length >= limit) return true;
    recent.push(now);
    return false;
  }

  recent(id: string, now: number): number[] {
    return (this.calls.get(id) ?? []).filter((t) => t > now - 60_000);
  }

  clear(): void {
    this.calls.clear();
  }
}

/** Everything the Unisender fake holds. */
export class UnisenderState {
  config: UnisenderConfig = defaultUnisenderConfig();
  readonly accounts = new Map<string, UnisenderAccount>();
  /** Every API key, with its account. */
  readonly keys = new Map<string, { account: UnisenderAccount; key: ApiKey }>();
  readonly keyCalls = new MinuteWindows();
  readonly ipCalls = new MinuteWindows();

  constructor(readonly ctx: SandboxContext) {}

  reset(): void {
    this.config = defaultUnisenderConfig();
    this.accounts.clear();
    this.keys.clear();
    this.keyCalls.clear();
    this.ipCalls.clear();
  }
}
