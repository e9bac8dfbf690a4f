/**
 * The demo data set: record i (1..count) is a pure function of i, so a million records cost no memory and any
 * page is computed in O(page size). The only state is the small set of "touched" records (updated later than
 * their place in the timeline), which moves them in updated_at order the way real edits do.
 */

const FIRST = ['Ana', 'Bruno', 'Camila', 'Diego', 'Elena', 'Felipe', 'Gabriela', 'Hector', 'Isabel', 'Javier', 'Karla', 'Luis', 'Mariana', 'Nicolas', 'Olivia', 'Pedro', 'Rosa', 'Santiago', 'Teresa', 'Valentina'];
const LAST = ['Garcia', 'Rodriguez', 'Martinez', 'Lopez', 'Gonzalez', 'Perez', 'Sanchez', 'Ramirez', 'Torres', 'Flores', 'Rivera', 'Gomez', 'Diaz', 'Cruz', 'Morales'];
const CITIES: [string, string][] = [['Bogota', 'CO'], ['Monteria', 'CO'], ['Lima', 'PE'], ['Quito', 'EC'], ['Madrid', 'ES'], ['Mexico City', 'MX'], ['Santiago', 'CL'], ['Austin', 'US']];
const STATUSES = ['new', 'active', 'paused', 'closed'];
const TAGS = ['vip', 'partner', 'trial', 'churn-risk', 'newsletter', 'enterprise'];
const OWNERS = Array.from({ length: 12 }, (_, k) => ({
  id: 9001 + k,
  name: `${FIRST[(k * 7) % FIRST.length] ?? 'Ana'} ${LAST[(k * 5) % LAST.length] ?? 'Garcia'}`,
  email: `owner${k + 1}@demo.test`,
}));

export const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** A stable 32-bit mix of i (splitmix-like), so fields vary without any stored state. */
export function hash(i: number): number {
  let x = (i + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export interface Timeline {
  epochMs: number;
  stepMs: number;
  count: number;
}

export const baseUpdatedAt = (t: Timeline, i: number): number => t.epochMs + i * t.stepMs;

export function demoRecord(t: Timeline, i: number, touched?: { at: number; version: number }) {
  const h = hash(i);
  const first = pick(FIRST, h);
  const last = pick(LAST, h >>> 8);
  const [city, country] = pick(CITIES, h >>> 12);
  const status = pick(STATUSES, h >>> 4);
  const base = baseUpdatedAt(t, i);
  const tags = TAGS.filter((_, k) => ((h >>> (20 + k)) & 1) === 1).slice(0, 3);
  return {
    id: i,
    name: `${first} ${last}`,
    email: `${first}.${last}.${i}@demo.test`.toLowerCase(),
    status,
    amount: (h % 10_000_000) / 100,
    currency: 'USD',
    owner: pick(OWNERS, h >>> 16),
    tags,
    address: { city, country },
    // A semicolon on purpose: CSV output with ';' separators and the replace transformation must cope.
    description: `${first} from ${city}; status ${status}${touched ? `; edited v${touched.version}` : ''}`,
    created_at: new Date(base - (h % 86_400) * 1000).toISOString(),
    updated_at: new Date(touched?.at ?? base).toISOString(),
    version: touched?.version ?? 1,
  };
}
export type DemoRecord = ReturnType<typeof demoRecord>;

/** What GET /demo/api/records/:id/details answers: fields the list endpoints do not carry (for mapping_fetch). */
export function demoDetails(i: number) {
  const h = hash(i * 31 + 7);
  const [city, country] = pick(CITIES, h);
  return {
    id: i,
    record_id: i,
    phone: `+57 3${String(h % 1_000_000_000).padStart(9, '0')}`,
    website: `https://company${i}.demo.test`,
    address: { street: `Calle ${(h % 200) + 1} # ${(h >>> 8) % 100}-${(h >>> 16) % 100}`, city, country, zip: String(10_000 + (h % 89_999)) },
    score: h % 101,
    lifetime_value: ((h >>> 3) % 5_000_000) / 100,
    notes: `Customer since ${2015 + (h % 9)}; prefers ${h & 1 ? 'email' : 'phone'}`,
  };
}

const EVENT_TYPES = ['call', 'email', 'meeting', 'note', 'task'];

/** How many events record i has, from its id alone: 0 to 12 (every seventh record has none). */
export const demoEventCount = (i: number): number => (i % 7 === 0 ? 0 : hash(i * 13 + 5) % 13);

/** Event n (1-based) of record i: a sub-resource listed per record, as CRMs list a deal's activities. */
export function demoEvent(i: number, n: number) {
  const h = hash(i * 1009 + n);
  return { id: `${i}-${n}`, record_id: i, seq: n, type: EVENT_TYPES[h % EVENT_TYPES.length]!, at: new Date(Date.UTC(2024, 0, 1) + (i * 86_400 + n * 3_600) * 1000).toISOString() };
}

/** An ordered, filtered sequence of record ids whose pages are computed without listing it. */
export interface View {
  total: number;
  slice(offset: number, limit: number): number[];
}

/** ids in [k..n] minus the sorted exclusions, starting at the offset-th one: O(|excluded| + limit). */
function rangeMinus(k: number, n: number, excluded: number[], offset: number, limit: number): number[] {
  const out: number[] = [];
  if (limit <= 0) return out;
  let c = k + offset;
  let xi = 0;
  while (xi < excluded.length && (excluded[xi] ?? Infinity) <= c) {
    c++;
    xi++;
  }
  while (out.length < limit && c <= n) {
    if (xi < excluded.length && excluded[xi] === c) {
      xi++;
      c++;
      continue;
    }
    out.push(c);
    c++;
  }
  return out;
}

export interface ViewOptions {
  /** Only records updated at/after this instant (ms). */
  sinceMs?: number;
  inclusive: boolean;
  sort: 'id' | 'updated_at';
}

/**
 * Builds the sequence for a filter and order. Base records are ordered by id and updated_at alike (the timeline
 * is monotonic); touched records are later than every base record (touch() guarantees it), so under
 * sort=updated_at they form a tail, and under sort=id they are merged by id.
 */
export function buildView(t: Timeline, touched: Map<number, { at: number; version: number }>, opts: ViewOptions): View {
  const n = t.count;
  const passes = (ms: number): boolean => opts.sinceMs === undefined || (opts.inclusive ? ms >= opts.sinceMs : ms > opts.sinceMs);
  let k = 1;
  if (opts.sinceMs !== undefined) {
    const raw = (opts.sinceMs - t.epochMs) / t.stepMs;
    k = opts.inclusive ? Math.ceil(raw) : Math.floor(raw) + 1;
    k = Math.min(Math.max(k, 1), n + 1);
  }
  const touchedIds = [...touched.keys()].filter((id) => id <= n).sort((a, b) => a - b);
  const rangeCount = Math.max(0, n - k + 1);

  if (opts.sort === 'id') {
    const removed = touchedIds.filter((id) => id >= k && !passes(touched.get(id)?.at ?? 0));
    const extra = touchedIds.filter((id) => id < k && passes(touched.get(id)?.at ?? 0));
    return {
      total: extra.length + rangeCount - removed.length,
      slice(offset, limit) {
        const head = extra.slice(offset, offset + limit);
        return [...head, ...rangeMinus(k, n, removed, Math.max(0, offset - extra.length), limit - head.length)];
      },
    };
  }
  const moved = touchedIds.filter((id) => id >= k);
  const tail = touchedIds
    .filter((id) => passes(touched.get(id)?.at ?? 0))
    .sort((a, b) => (touched.get(a)?.at ?? 0) - (touched.get(b)?.at ?? 0) || a - b);
  const baseCount = rangeCount - moved.length;
  return {
    total: baseCount + tail.length,
    slice(offset, limit) {
      const head = offset < baseCount ? rangeMinus(k, n, moved, offset, Math.min(limit, baseCount - offset)) : [];
      const tailStart = Math.max(0, offset - baseCount);
      return [...head, ...tail.slice(tailStart, tailStart + limit - head.length)];
    },
  };
}

/** A view read backwards (sort_order=desc), still O(page). */
export function reversed(v: View): View {
  return {
    total: v.total,
    slice(offset, limit) {
      const end = v.total - offset;
      const start = Math.max(0, end - limit);
      return end <= 0 ? [] : v.slice(start, end - start).reverse();
    },
  };
}
