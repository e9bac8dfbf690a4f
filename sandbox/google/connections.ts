import { GoogleApiError, invalidArgument } from './errors';
import type { GoogleState, PageTokenRec } from './model';
import { nameKey, READ_MASK_FIELDS, renderDeleted, renderPerson, requireMask, type StoredPerson } from './person';
import { parseBool, parseSources, SORT_ORDERS, type Call } from './call';

/**
 * people.connections.list (https://developers.google.com/people/api/rest/v1/people.connections/list): full
 * listings, incremental listings with a sync token, and paging with page tokens bound to the first call.
 */
export function listConnections(state: GoogleState, { user, query }: Call, resource: string): unknown {
  if (resource !== 'people/me') throw invalidArgument(`Resource name "${resource}" is not valid: only people/me has connections.`, 'resource_name');
  const personFields = requireMask(query.getAll('personFields'), 'personFields', READ_MASK_FIELDS, 'people.connections/list');
  const rawSize = query.get('pageSize');
  const size = rawSize === null || rawSize === '' ? 0 : Number(rawSize);
  if (!Number.isInteger(size)) throw invalidArgument(`Invalid value at 'page_size' (TYPE_INT32), "${rawSize}"`, 'page_size');
  // Documented range 1..1000, 0/unset meaning 100. GUESS: the wording of the out-of-range message.
  if (size < 0 || size > 1000) throw invalidArgument('pageSize must be between 1 and 1000, inclusive.', 'page_size');
  const pageSize = size === 0 ? 100 : size;
  const sortOrder = query.get('sortOrder') ?? 'LAST_MODIFIED_ASCENDING';
  if (!(SORT_ORDERS as readonly string[]).includes(sortOrder)) {
    throw invalidArgument(`Invalid value at 'sort_order' (type.googleapis.com/google.internal.people.v2.SortOrder), "${sortOrder}"`, 'sort_order');
  }
  const sources = parseSources(query);
  const requestSyncToken = parseBool(query, 'requestSyncToken');
  const syncToken = query.get('syncToken') || null;
  const pageToken = query.get('pageToken') || null;

  const fields = [...personFields].sort().join(',');
  const fingerprint = JSON.stringify({ fields, pageSize, sortOrder, sources, requestSyncToken, syncToken });
  const cfg = state.config;
  const binding = JSON.stringify(cfg.syncTokenBinding === 'allParams' ? { fields, sources, pageSize, sortOrder, requestSyncToken } : { fields, sources });
  const now = state.now();

  let session: Omit<PageTokenRec, 'token'>;
  if (pageToken) {
    const pt = state.pageTokens.get(pageToken);
    if (!pt || pt.userId !== user.id) throw invalidArgument('The page token is invalid.', 'page_token');
    if (pt.fingerprint !== fingerprint) {
      // Documented rule: "When paginating, all other parameters provided must match the first call that
      // provided the page token." GUESS: the wording.
      throw invalidArgument('Parameters provided with the page token do not match the first call that provided the page token.', 'page_token');
    }
    session = pt;
  } else if (syncToken) {
    const st = state.syncTokens.get(syncToken);
    if (!st || st.userId !== user.id) throw invalidArgument('The sync token is invalid.', 'sync_token');
    const since = cfg.syncTokenExpiryFrom === 'fullSync' ? st.fullSyncAt : st.issuedAt;
    if (now - since > cfg.syncTokenTtlSeconds * 1000) {
      throw new GoogleApiError(
        cfg.expiredSyncTokenHttpCode,
        cfg.expiredSyncTokenStatus,
        'Sync token is expired. Clear local cache and retry call without the sync token.',
        'EXPIRED_SYNC_TOKEN',
      );
    }
    if (st.binding !== binding) throw invalidArgument('Parameters provided with the sync token do not match the call that created it.', 'sync_token');
    // Changes after the token that are visible yet (write-visibility lag); the next token stops before the
    // oldest change still hidden, so nothing is skipped (a change may come twice, which Google allows too).
    const changed: { rn: string; seq: number }[] = [];
    let firstHidden = Number.POSITIVE_INFINITY;
    const consider = (rn: string, seq: number, visibleAt: number): void => {
      if (seq <= st.anchor) return;
      if (visibleAt <= now) changed.push({ rn, seq });
      else firstHidden = Math.min(firstHidden, seq);
    };
    for (const p of user.people.values()) consider(p.resourceName, p.changeSeq, p.visibleAt);
    for (const t of user.tombstones.values()) consider(t.resourceName, t.changeSeq, t.visibleAt);
    changed.sort((a, b) => a.seq - b.seq);
    const anchor = Number.isFinite(firstHidden) ? firstHidden - 1 : state.seq;
    session = { userId: user.id, fingerprint, mode: 'sync', names: changed.map((c) => c.rn), offset: 0, anchor, fullSyncAt: st.fullSyncAt };
  } else {
    const people = [...user.people.values()];
    const byName = (part: 'givenName' | 'familyName') => (a: StoredPerson, b: StoredPerson): number =>
      nameKey(a, part).localeCompare(nameKey(b, part)) || a.changeSeq - b.changeSeq;
    if (sortOrder === 'LAST_MODIFIED_ASCENDING') people.sort((a, b) => a.changeSeq - b.changeSeq);
    else if (sortOrder === 'LAST_MODIFIED_DESCENDING') people.sort((a, b) => b.changeSeq - a.changeSeq);
    else if (sortOrder === 'FIRST_NAME_ASCENDING') people.sort(byName('givenName'));
    else people.sort(byName('familyName'));
    session = { userId: user.id, fingerprint, mode: 'full', names: people.map((p) => p.resourceName), offset: 0, anchor: state.seq, fullSyncAt: now };
  }

  const slice = session.names.slice(session.offset, session.offset + pageSize);
  const connections: Record<string, unknown>[] = [];
  for (const rn of slice) {
    const p = user.people.get(rn);
    if (p) connections.push(renderPerson(p, personFields));
    else if (session.mode === 'sync') {
      const t = user.tombstones.get(rn);
      if (t) connections.push(renderDeleted(t));
    }
  }
  const out: Record<string, unknown> = {};
  if (connections.length > 0) out.connections = connections; // absent, not [], when there are none
  const nextOffset = session.offset + pageSize;
  if (nextOffset < session.names.length) {
    out.nextPageToken = state.newPageToken({ ...session, userId: user.id, offset: nextOffset }).token;
  } else if (requestSyncToken) {
    // Only the last page carries the sync token.
    out.nextSyncToken = state.newSyncToken({ userId: user.id, anchor: session.anchor, fullSyncAt: session.fullSyncAt, issuedAt: now, binding }).token;
  }
  // proto3 JSON leaves zero numbers out.
  if (session.names.length > 0) {
    out.totalPeople = session.names.length;
    out.totalItems = session.names.length;
  }
  return out;
}
