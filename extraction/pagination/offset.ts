/**
 * Offset/limit with a total: offset_param = start_from, +limit, ... until the offsets cover `total`.
 * The offset moves by the requested limit, like the seed's `from` + `step`; a short page is not the end.
 * A missing or non-numeric total is an error (stopping would truncate silently).
 */
import type { OffsetParams } from '../config';
import { getField } from '../json-field';
import { baseRequest, type HttpRequest, type ResolvedEndpoint } from '../http';
import { ok, typeName, type Result } from '../result';
import type { PositionOf, StyleContext, StyleOutcome } from './types';

type Pos = PositionOf<'offset'>;

export const start = (p: OffsetParams): Pos => ({ type: 'offset', value: p.start_from });

export const request = (p: OffsetParams, pos: Pos, base: ResolvedEndpoint): Result<HttpRequest> =>
  ok(
    baseRequest(base, [
      [p.offset_param, String(pos.value)],
      [p.limit_param, String(p.limit)],
    ]),
  );

export function next(p: OffsetParams, pos: Pos, { page }: StyleContext): StyleOutcome<Pos> {
  const raw = getField(page.body, p.total);
  const total = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (raw === undefined) return { kind: 'error', message: `total field "${p.total}" not found in the response` };
  if (!Number.isFinite(total)) return { kind: 'error', message: `total field "${p.total}" is ${typeName(raw)}, expected a number` };
  const nextValue = pos.value + p.limit;
  if (nextValue - p.start_from >= total) return { kind: 'done', reason: 'total_reached' };
  return { kind: 'next', position: { type: 'offset', value: nextValue } };
}
