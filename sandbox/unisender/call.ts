import type { UnisenderConfig } from './config';
import { fail } from './errors';
import type { UnisenderParams } from './params';
import type { UnisenderAccount } from './store';

/** One API method call, after the envelope checks (format, key, limits, access) have passed. */
export interface Call {
  acc: UnisenderAccount;
  p: UnisenderParams;
  now: number;
  config: UnisenderConfig;
}

/** An API method: its result, or a thrown UnisenderError. */
export type Method = (c: Call) => unknown;

/** "1,2, 3" -> [1,2,3], each an existing list of the account. */
export function listIds(acc: UnisenderAccount, raw: string | undefined, param: string): number[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((s) => {
    const t = s.trim();
    if (!/^\d+$/.test(t)) fail('invalid_arg', `${param}: "${t}" is not a list id`);
    const id = Number(t);
    if (!acc.lists.has(id)) fail('invalid_arg', `${param}: list ${id} not found`);
    return id;
  });
}

/** A parameter limited to a few values, with its default. */
export function flag(p: UnisenderParams, name: string, allowed: string[], fallback: string): string {
  const v = p.get(name) ?? fallback;
  if (!allowed.includes(v)) fail('invalid_arg', `${name} must be one of ${allowed.join(', ')}`);
  return v;
}

/** "a, b,,c" -> ["a","b","c"] */
export const commaList = (raw: string | undefined): string[] => (raw ?? '').split(',').map((t) => t.trim()).filter(Boolean);
