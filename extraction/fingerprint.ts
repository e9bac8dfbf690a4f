import { stringifyJson } from './json';

/**
 * A cheap, dependency-free 64-bit fingerprint (two FNV-1a lanes with different seeds, then a final mix).
 * Used only to notice that a page, cursor or link repeats, never for security, and kept short so the
 * pagination state stays small enough to heartbeat.
 */
export function hashString(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  // Fold each lane into the other so a collision needs both to collide.
  a = Math.imul(a ^ (b >>> 15), 0x85ebca6b);
  b = Math.imul(b ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 16;
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Fingerprint of a JSON value (key order as received: consecutive pages come from the same serialiser). */
export const fingerprint = (value: unknown): string => hashString(stringifyJson(value) ?? 'undefined');
