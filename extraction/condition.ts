/**
 * ConditionExpression: `<operand> <op> <operand>` with == != < <= > >=, where an operand is a JsonField
 * of the response body or a literal (number, "string" / 'string', true, false, null).
 * Parsed into data and compared; nothing is evaluated as code.
 *
 * Comparison rules, chosen so API quirks do not silently end a run:
 * - numbers and numeric strings compare as numbers ("10" == 10, "9" < "10");
 * - other strings compare by code units (fine for ISO dates), equality is strict otherwise;
 * - a field missing from the body is an error, except in `== null` / `!= null`, where it counts as null;
 * - ordering anything that is not two numbers or two strings is an error.
 */
import { stringifyJson } from './json';
import { getPath, parseJsonField, type JsonPath } from './json-field';
import { err, ok, typeName, type Result } from './result';

export const OPERATORS = ['==', '!=', '<=', '>=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export type Operand = { kind: 'field'; field: string; path: JsonPath } | { kind: 'literal'; value: string | number | boolean | null };

export interface Condition {
  left: Operand;
  op: Operator;
  right: Operand;
}

/** Where the operators are, ignoring anything inside quotes. */
function findOperators(src: string): { op: Operator; at: number }[] {
  const found: { op: Operator; at: number }[] = [];
  let quote: string | null = null;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    const two = src.slice(i, i + 2);
    const op = OPERATORS.find((o) => o === two) ?? OPERATORS.find((o) => o === c);
    if (op) {
      found.push({ op, at: i });
      i += op.length - 1;
    } else if (c === '=' || c === '!') {
      found.push({ op: '==', at: -1 - i }); // a lone = or ! : reported as malformed below
    }
  }
  return found;
}

/** True when the text looks like a condition (has an operator) rather than a plain JsonField. */
export const looksLikeCondition = (src: string): boolean => findOperators(src).length > 0;

export function parseCondition(src: string): Result<Condition> {
  const ops = findOperators(src);
  if (ops.length === 0) return err(`"${src}" has no comparison operator (${OPERATORS.join(' ')})`);
  const first = ops[0];
  if (ops.length > 1 || !first || first.at < 0) {
    return err(`"${src}" must be <field> <operator> <field> with exactly one of ${OPERATORS.join(' ')}`);
  }
  const left = parseOperand(src.slice(0, first.at).trim());
  if (!left.ok) return err(`"${src}": left side: ${left.error}`);
  const right = parseOperand(src.slice(first.at + first.op.length).trim());
  if (!right.ok) return err(`"${src}": right side: ${right.error}`);
  return ok({ left: left.value, op: first.op, right: right.value });
}

function parseOperand(text: string): Result<Operand> {
  if (text.length === 0) return err('missing operand');
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return ok({ kind: 'literal', value: Number(text) });
  if (text === 'true' || text === 'false') return ok({ kind: 'literal', value: text === 'true' });
  if (text === 'null') return ok({ kind: 'literal', value: null });
  const q = text[0];
  if (q === '"' || q === "'") {
    if (text.length < 2 || text[text.length - 1] !== q) return err(`unterminated string ${text}`);
    return ok({ kind: 'literal', value: text.slice(1, -1).replace(/\\(.)/g, '$1') });
  }
  const path = parseJsonField(text);
  if (!path.ok) return err(path.error);
  return ok({ kind: 'field', field: text, path: path.value });
}

const isNumeric = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));

/**
 * Evaluates against a response body (or a record). `missingAsNull`: a missing field reads as null everywhere, not
 * only in `== null` / `!= null` (record filters: a record without the field is neither equal to a value nor an error).
 */
export function evaluateCondition(cond: Condition, body: unknown, opts: { missingAsNull?: boolean } = {}): Result<boolean> {
  const read = (o: Operand): { missing: boolean; value: unknown } => {
    if (o.kind === 'literal') return { missing: false, value: o.value };
    const value = getPath(body, o.path);
    if (value === undefined && opts.missingAsNull) return { missing: false, value: null };
    return { missing: value === undefined, value };
  };
  const l = read(cond.left);
  const r = read(cond.right);
  const nullTest = (cond.op === '==' || cond.op === '!=') && (isNullLiteral(cond.left) || isNullLiteral(cond.right));
  for (const [side, operand] of [
    [l, cond.left],
    [r, cond.right],
  ] as const) {
    if (side.missing) {
      if (!nullTest) return err(`field "${operand.kind === 'field' ? operand.field : ''}" not found in the response`);
      side.value = null;
    }
  }
  const a = l.value;
  const b = r.value;
  if (cond.op === '==' || cond.op === '!=') {
    const same = isNumeric(a) && isNumeric(b) && typeof a !== typeof b ? Number(a) === Number(b) : equalJson(a, b);
    return ok(cond.op === '==' ? same : !same);
  }
  let cmp: number;
  if (isNumeric(a) && isNumeric(b)) cmp = Number(a) - Number(b);
  else if (typeof a === 'string' && typeof b === 'string') cmp = a < b ? -1 : a > b ? 1 : 0;
  else return err(`cannot order ${typeName(a)} and ${typeName(b)} in "${describe(cond)}"`);
  switch (cond.op) {
    case '<':
      return ok(cmp < 0);
    case '<=':
      return ok(cmp <= 0);
    case '>':
      return ok(cmp > 0);
    case '>=':
      return ok(cmp >= 0);
  }
}

const isNullLiteral = (o: Operand) => o.kind === 'literal' && o.value === null;

const equalJson = (a: unknown, b: unknown): boolean =>
  typeof a === 'object' && a !== null && typeof b === 'object' && b !== null ? stringifyJson(a) === stringifyJson(b) : a === b;

const describe = (c: Condition): string => {
  const d = (o: Operand) => (o.kind === 'field' ? o.field : stringifyJson(o.value));
  return `${d(c.left)} ${c.op} ${d(c.right)}`;
};

/**
 * there_are_more_pages: a ConditionExpression, or a JsonField holding a boolean ("true"/"false" strings
 * accepted, some APIs send them). A missing or non-boolean field is an error, not a stop: stopping would
 * truncate the extraction and still record it as a success.
 */
export type MorePagesRule = { kind: 'field'; field: string; path: JsonPath } | { kind: 'condition'; condition: Condition };

export function parseMorePages(src: string): Result<MorePagesRule> {
  if (looksLikeCondition(src)) {
    const c = parseCondition(src);
    return c.ok ? ok({ kind: 'condition', condition: c.value }) : err(c.error);
  }
  const path = parseJsonField(src);
  return path.ok ? ok({ kind: 'field', field: src, path: path.value }) : err(path.error);
}

export function evaluateMorePages(rule: MorePagesRule, body: unknown): Result<boolean> {
  if (rule.kind === 'condition') return evaluateCondition(rule.condition, body);
  const v = getPath(body, rule.path);
  if (typeof v === 'boolean') return ok(v);
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return ok(v.toLowerCase() === 'true');
  if (v === undefined) return err(`there_are_more_pages field "${rule.field}" not found in the response`);
  return err(`there_are_more_pages field "${rule.field}" is ${typeName(v)}, expected a boolean`);
}
