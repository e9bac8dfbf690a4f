import type { Db, Document, Filter } from 'mongodb';
import type { Cipher } from './crypto';

/**
 * `switchyard keys rotate-encryption`: rewrites every stored secret and token under the key that encrypts now
 * (ENCRYPTION_KEY), reading the others with the rest of the ring (ENCRYPTION_DECRYPT_KEYS).
 *
 * Without downtime: each document is rewritten by a compare-and-swap on the very ciphertexts it read, so a token a
 * worker stores meanwhile is never overwritten (that document is counted as `changed`; it is under the new key
 * already when the worker had it as ENCRYPTION_KEY, else the next run rewrites it). Resumable: values already under
 * the current key are skipped, so a run that was killed half-way, run again, rewrites only what is left; a run that
 * finds nothing left to rewrite proves the old key can leave the ring.
 */
interface Target {
  collection: string;
  /** The fields of a document that hold ciphertexts, with their values (the compare-and-swap's filter). */
  fields(doc: Document): Record<string, unknown>;
  /** The ciphertexts of a document. */
  ciphertexts(doc: Document): string[];
  /** The new values of the fields, given a function that re-encrypts one ciphertext. */
  rewrite(doc: Document, re: (stored: string) => string): Record<string, unknown>;
}

const at = (doc: Document, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);

/** A target whose ciphertexts are strings at fixed paths. */
function plain(collection: string, paths: string[]): Target {
  const fields = (doc: Document): Record<string, unknown> => Object.fromEntries(paths.map((p) => [p, at(doc, p)]).filter(([, v]) => typeof v === 'string'));
  return {
    collection,
    fields,
    ciphertexts: (doc) => Object.values(fields(doc)) as string[],
    rewrite: (doc, re) => Object.fromEntries(Object.entries(fields(doc)).map(([p, v]) => [p, re(v as string)])),
  };
}

/** Token journal entries not applied yet hold the token fields they will set (store/token-journal.ts). */
const TOKEN_PATHS = new Set(['token.access', 'token.refresh']);
type JournalSet = { path: string; value: unknown }[];
const journalTokens = (doc: Document): string[] =>
  Array.isArray(doc.set) ? (doc.set as JournalSet).flatMap((e) => (TOKEN_PATHS.has(e.path) && typeof e.value === 'string' ? [e.value] : [])) : [];
const journal: Target = {
  collection: 'token_journal',
  fields: (doc) => (journalTokens(doc).length ? { set: doc.set as JournalSet } : {}),
  ciphertexts: journalTokens,
  rewrite: (doc, re) => ({
    set: (doc.set as JournalSet).map((e) => (TOKEN_PATHS.has(e.path) && typeof e.value === 'string' ? { ...e, value: re(e.value) } : e)),
  }),
};

/** Every place Switchyard stores a ciphertext. */
export const ENCRYPTED: readonly Target[] = [
  plain('oauth_clients', ['clientSecret']),
  plain('accounts', ['token.access', 'token.refresh']),
  journal,
  plain('extract_secrets', ['value']),
  plain('extract_runs', ['token']),
  plain('extract_tokens', ['token']),
];

export interface RotationCounts {
  /** Documents rewritten under the current key by this run. */
  rewritten: number;
  /** Documents whose every ciphertext was under the current key already. */
  current: number;
  /** Documents another process changed between our read and our write (left as that process wrote them). */
  changed: number;
  /** Documents with a value no key of the ring decrypts (their ids, which are not secret). */
  unreadable: string[];
}

export type RotationReport = Record<string, RotationCounts>;

export async function rotateEncryption(db: Db, cipher: Cipher, opts: { batchSize?: number; onProgress?: (collection: string, counts: RotationCounts) => void } = {}): Promise<RotationReport> {
  const report: RotationReport = {};
  for (const target of ENCRYPTED) {
    const counts: RotationCounts = { rewritten: 0, current: 0, changed: 0, unreadable: [] };
    report[target.collection] = counts;
    // Every collection here is keyed by a string (an account id, a secret's name, a workflow id...).
    const col = db.collection<{ _id: string }>(target.collection);
    // By _id, in batches: a long run holds no cursor open, and documents added meanwhile are new ones (current).
    let after: string | undefined;
    for (;;) {
      const filter: Filter<{ _id: string }> = after === undefined ? {} : { _id: { $gt: after } };
      const docs = await col.find(filter).sort({ _id: 1 }).limit(opts.batchSize ?? 200).toArray();
      if (!docs.length) break;
      for (const doc of docs) {
        const fields = target.fields(doc);
        if (target.ciphertexts(doc).every((v) => cipher.isCurrent(v))) {
          counts.current++;
          continue;
        }
        let set: Record<string, unknown>;
        try {
          set = target.rewrite(doc, (v) => (cipher.isCurrent(v) ? v : cipher.encrypt(cipher.decrypt(v))));
        } catch {
          counts.unreadable.push(doc._id);
          continue;
        }
        // The local MongoDB-wire server (FerretDB) uses its _id index only for an _id-only filter, so there this
        // compare-and-swap reads the collection (tens of ms a document); MongoDB uses the index.
        const res = await col.updateOne({ _id: doc._id, ...fields } as Filter<{ _id: string }>, { $set: set });
        if (res.matchedCount === 1) counts.rewritten++;
        else counts.changed++;
      }
      after = docs[docs.length - 1]!._id;
      opts.onProgress?.(target.collection, counts);
    }
  }
  return report;
}
