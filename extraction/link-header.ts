/**
 * RFC 8288 `Link` header parsing: `<https://api/x?page=2>; rel="next", </x?page=9>; rel="last"`.
 * Handles quoted parameters (commas and semicolons inside quotes), several links per header, rel lists
 * (`rel="next last"`) and case-insensitive relation names. Relative targets are returned as written;
 * the caller resolves them against the request URL.
 */
export interface WebLink {
  target: string;
  params: Record<string, string>;
}

export function parseLinkHeader(header: string): WebLink[] {
  const links: WebLink[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => {
    while (i < n && /\s/.test(header[i] as string)) i++;
  };
  while (i < n) {
    skipWs();
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (header[i] !== '<') {
      // Not a link-value: skip to the next comma outside quotes.
      i = skipToComma(header, i);
      continue;
    }
    const close = header.indexOf('>', i + 1);
    if (close < 0) break;
    const link: WebLink = { target: header.slice(i + 1, close).trim(), params: {} };
    i = close + 1;
    for (;;) {
      skipWs();
      if (header[i] !== ';') break;
      i++;
      skipWs();
      const nameMatch = /^[^=;,\s]+/.exec(header.slice(i));
      if (!nameMatch) continue;
      const name = nameMatch[0].toLowerCase();
      i += nameMatch[0].length;
      skipWs();
      let value = '';
      if (header[i] === '=') {
        i++;
        skipWs();
        if (header[i] === '"') {
          i++;
          while (i < n && header[i] !== '"') {
            if (header[i] === '\\' && i + 1 < n) i++;
            value += header[i];
            i++;
          }
          i++; // closing quote
        } else {
          const tok = /^[^;,\s]*/.exec(header.slice(i));
          value = tok ? tok[0] : '';
          i += value.length;
        }
      }
      // RFC 8288 §3: only the first occurrence of a parameter counts.
      if (!(name in link.params)) link.params[name] = value;
    }
    links.push(link);
    i = skipToComma(header, i);
  }
  return links;
}

function skipToComma(s: string, from: number): number {
  let quoted = false;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '"') quoted = !quoted;
    else if (s[i] === ',' && !quoted) return i + 1;
  }
  return s.length;
}

/** The first target whose rel list contains `rel` (case-insensitive). */
export function findLink(header: string | undefined, rel: string): string | undefined {
  if (!header) return undefined;
  const want = rel.toLowerCase();
  return parseLinkHeader(header).find((l) => (l.params.rel ?? '').toLowerCase().split(/\s+/).includes(want))?.target;
}
