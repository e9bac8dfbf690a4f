/**
 * Unisender's PHP-style parameters: flat pairs from the query string and the form body, with bracketed names
 * (field_names[0], data[3][1], fields[email]) that PHP would have turned into arrays. The body wins over the
 * query for the same name, as PHP's $_REQUEST does.
 */
export class UnisenderParams {
  private readonly pairs: [string, string][];

  constructor(query: URLSearchParams, body: unknown) {
    const fromBody: [string, string][] = [];
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') fromBody.push([k, one]);
      }
    }
    const bodyNames = new Set(fromBody.map(([k]) => k));
    this.pairs = [...[...query].filter(([k]) => !bodyNames.has(k)), ...fromBody];
  }

  /** The last value of a plain parameter, like PHP. */
  get(name: string): string | undefined {
    let out: string | undefined;
    for (const [k, v] of this.pairs) if (k === name) out = v;
    return out;
  }

  has(name: string): boolean {
    return this.pairs.some(([k]) => k === name || k.startsWith(`${name}[`));
  }

  /** name[0]=a&name[1]=b or name[]=a&name[]=b -> ['a','b'] (explicit indexes win their slot). */
  list(name: string): string[] {
    const out: string[] = [];
    let next = 0;
    for (const [k, v] of this.pairs) {
      if (k === `${name}[]`) out[next++] = v;
      else {
        const m = new RegExp(`^${escape(name)}\\[(\\d+)\\]$`).exec(k);
        if (m) {
          const i = Number(m[1]);
          out[i] = v;
          next = Math.max(next, i + 1);
        }
      }
    }
    return Array.from({ length: out.length }, (_, i) => out[i] ?? '');
  }

  /** data[i][j]=v -> rows (missing cells are empty strings, as PHP would leave them unset). */
  matrix(name: string): string[][] {
    const rows: string[][] = [];
    const re = new RegExp(`^${escape(name)}\\[(\\d+)\\]\\[(\\d+)\\]$`);
    for (const [k, v] of this.pairs) {
      const m = re.exec(k);
      if (!m) continue;
      const i = Number(m[1]);
      const j = Number(m[2]);
      const row = (rows[i] ??= []);
      row[j] = v;
    }
    return Array.from({ length: rows.length }, (_, i) => {
      const row = rows[i] ?? [];
      return Array.from({ length: row.length }, (_, j) => row[j] ?? '');
    });
  }

  /** fields[email]=x&fields[Name]=y -> { email: 'x', Name: 'y' } */
  object(name: string): Record<string, string> {
    const out: Record<string, string> = {};
    const re = new RegExp(`^${escape(name)}\\[([^\\]]+)\\]$`);
    for (const [k, v] of this.pairs) {
      const m = re.exec(k);
      if (m?.[1] !== undefined) out[m[1]] = v;
    }
    return out;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
