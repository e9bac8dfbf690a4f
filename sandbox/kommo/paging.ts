import type { ValidationError } from './errors';

/** Kommo's page-numbered lists (contacts, events): page/limit parameters and the hal `_links` they answer. */

/** Query-string integers as Kommo validates them: InvalidType for anything but an integer. */
export function intParam(errors: ValidationError[], path: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) {
    errors.push({ code: 'InvalidType', path, detail: 'This value should be of type int.' });
    return fallback;
  }
  return Number(raw);
}

/** page (>= 1) and limit (1..max, default 50). */
export function pageParams(errors: ValidationError[], sp: URLSearchParams, maxLimit: number): { page: number; limit: number } {
  const page = intParam(errors, 'page', sp.get('page'), 1);
  const limit = intParam(errors, 'limit', sp.get('limit'), 50);
  if (page < 1) errors.push({ code: 'GreaterThanOrEqual', path: 'page', detail: 'This value should be greater than or equal to 1.' });
  if (limit < 1) errors.push({ code: 'GreaterThanOrEqual', path: 'limit', detail: 'This value should be greater than or equal to 1.' });
  if (limit > maxLimit) errors.push({ code: 'LessThanOrEqual', path: 'limit', detail: `This value should be less than or equal to ${maxLimit}.` });
  return { page, limit };
}

/** self, next (only when another page follows), first and prev (past page 1); every link keeps the filters. */
export function pageLinks(listUrl: string, sp: URLSearchParams, page: number, limit: number, hasNext: boolean): Record<string, { href: string }> {
  const at = (p: number): { href: string } => {
    const q = new URLSearchParams(sp);
    q.set('page', String(p));
    q.set('limit', String(limit));
    return { href: `${listUrl}?${q.toString()}` };
  };
  const links: Record<string, { href: string }> = { self: at(page) };
  if (hasNext) links.next = at(page + 1);
  links.first = at(1);
  if (page > 1) links.prev = at(page - 1);
  return links;
}
