/**
 * JSON of API answers with 64-bit integers kept exact. JSON.parse reads 9007199254740993 as 9007199254740992, so
 * an id past Number.MAX_SAFE_INTEGER would reach the file with other digits. Such integers become bigint here;
 * every other value is what JSON.parse gives. An integer needs 16 digits to be unsafe: text without a run of 16
 * digits (most pages) goes to JSON.parse itself and pays one regex scan; the others take lossless-json's parser.
 */
import { parse, stringify } from 'lossless-json';

const SIXTEEN_DIGITS = /\d{16}/;

const parseNumber = (text: string): number | bigint => {
  const n = Number(text);
  return Number.isSafeInteger(n) || !/^-?\d+$/.test(text) ? n : BigInt(text);
};

/** Like JSON.parse (a repeated key keeps its last value), with unsafe integers as bigint. Throws SyntaxError. */
export function parseJson(text: string): unknown {
  if (!SIXTEEN_DIGITS.test(text)) return JSON.parse(text) as unknown;
  return parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}

/** JSON.stringify of parsed JSON, writing a bigint as its digits (JSON.stringify refuses them). */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    // Only values holding a bigint take the slower writer; anything else (a cycle) is a bug to surface.
    if (!(err instanceof TypeError) || !/BigInt/.test(err.message)) throw err;
    return stringify(value) ?? 'null';
  }
}
