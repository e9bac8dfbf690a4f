import type { FastifyInstance } from 'fastify';
import { parse as scanJson, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { HttpError } from './errors';

/** Deeper bodies are refused before parsing: no config needs more, and recursive walks of them would overflow. */
export const MAX_JSON_DEPTH = 64;

/** Line and column (1-based) of a character position in a text. */
function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}

/** Where a JSON text nests deeper than `max` (outside strings), or -1. Linear, no recursion. */
function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return -1;
}

/** The JSON path of the first `__proto__` or `constructor.prototype` key, or null. */
function pollutingKey(value: unknown, path = '$', depth = 0): string | null {
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return null;
  for (const key of Object.keys(value)) {
    const here = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (key === '__proto__' || (key === 'prototype' && path.endsWith('.constructor'))) return here;
    const found = pollutingKey((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Parses a JSON body, or refuses it with a 400 that says what and where: the line and column of a syntax error,
 * the position where it nests too deep, the path of a key that could pollute prototypes. An empty body is no
 * body (a run needs none, and curl sends `content-type: application/json` with nothing after it).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) {
    const at = lineColumn(text, deep);
    throw new HttpError(400, `Body nests deeper than ${MAX_JSON_DEPTH} levels (at line ${at.line}, column ${at.column})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's messages do not always say where; a strict scan does.
    const errors: ParseError[] = [];
    scanJson(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const where = first ? lineColumn(text, first.offset) : null;
    const what = first ? printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'syntax error';
    throw new HttpError(400, `Body is not valid JSON: ${what}${where ? ` at line ${where.line}, column ${where.column}` : ''}`);
  }
  const bad = pollutingKey(value);
  if (bad) throw new HttpError(400, `Body has a key that is not allowed: ${bad}`);
  return value;
}

/** Installs parseJsonBody for every JSON content type (application/json, +json). */
export function installJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
