import { detailRequest, mergeDetail, type Extraction } from '../../extraction';
import { invalid } from '../failures';
import type { AuthedSender } from './authed-sender';

/**
 * mapping_fetch: one detail request per record, `concurrency` in flight, merged into the record in order. A 404, or
 * an answer a response action ignores, means "no detail" (the record is kept without it); any other non-2xx fails
 * the run unless a response action says otherwise.
 */
export async function withDetails(ex: Extraction, records: unknown[], sender: AuthedSender, concurrency: number): Promise<unknown[]> {
  const mf = ex.mapping_fetch;
  if (!mf || records.length === 0) return records;
  const out: unknown[] = new Array<unknown>(records.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < records.length) {
      const i = next++;
      const record = records[i];
      const res = await sender.send((r) => detailRequest(mf, record, r), 'mapping_fetch', mf.response_actions);
      const none = res.ignored === true || res.status === 404;
      if (!none && (res.status < 200 || res.status > 299)) throw invalid(`mapping_fetch: HTTP ${res.status}`);
      const merged = mergeDetail(mf, record, none ? null : res.body);
      if (!merged.ok) throw invalid(merged.error);
      out[i] = merged.value;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, records.length) }, lane));
  return out;
}
