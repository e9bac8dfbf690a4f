/** A port a server answers on or binds, with what it is for and the setting that moves it (for "port taken" errors). */
export interface Listen {
  host: string;
  port: number;
  /** "gRPC", "Web UI"... */
  what: string;
  /** The setting that moves it, or what it follows. */
  setting: string;
}

export const isLoopback = (host: string): boolean => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

export function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: u.hostname, port: Number(u.port || defaultPort) };
}

export function mongoHosts(uri: string): { host: string; port: number }[] {
  const m = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  const list = (m?.[1] ?? '').split(',').filter(Boolean);
  return list.map((h) => {
    const idx = h.lastIndexOf(':');
    return idx > 0 ? { host: h.slice(0, idx), port: Number(h.slice(idx + 1)) } : { host: h, port: 27017 };
  });
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}

/** The HTTP status of GET url and its JSON body (undefined when not JSON), or undefined when nothing answers HTTP. */
export async function httpAnswer(url: string, timeoutMs = 3000): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch {
    return undefined;
  }
}
