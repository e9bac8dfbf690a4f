/**
 * JSON of API answers with 64-bit integers kept exact. JSON.parse reads 9007199254740993 as 9007199254740992, so
 * an id past Number.MAX_SAFE_INTEGER would reach the file with other digits. Such integers become bigint here;
 * every other value is what JSON.parse gives. JSON.parse reads the text first, and a walk of what it gave looks for
 * an integral number past 2^53 (a large integer, or a float so large it is integral): only then is the text read
 * again by lossless-json's parser. Most pages pay one walk of their values, a fraction of the parse.
 */
import { parse, stringify } from 'lossless-json';

const parseNumber = (text: string): number | bigint => {
  const n = Number(text);
  return Number.isSafeInteger(n) || !/^-?\d+$/.test(text) ? n : BigInt(text);
};

/** Whether parsed JSON holds a number JSON.parse may have rounded (integral and past 2^53). No recursion: any depth. */
function mayBeRounded(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return true;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' || typeof v[i] === 'number') stack.push(v[i]);
    } else if (typeof v === 'object' && v !== null) {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (typeof x === 'object' || typeof x === 'number') stack.push(x);
      }
    }
  }
  return false;
}

/** Like JSON.parse (a repeated key keeps its last value), with unsafe integers as bigint. Throws SyntaxError. */
export function parseJson(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (!mayBeRounded(value)) return value;
  return parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}

/** JSON.stringify of parsed JSON, writing a bigint as its digits (JSON.stringify refuses them); `space` indents. */
export function stringifyJson(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (err) {
    // Only values holding a bigint take the slower writer; anything else (a cycle) is a bug to surface.
    if (!(err instanceof TypeError) || !/BigInt/.test(err.message)) throw err;
    return stringify(value, undefined, space) ?? 'null';
  }
}
