import ipaddr from 'ipaddr.js';

/**
 * Which hosts an extraction config may reach. Configs are written by API keys that are not root, so a config must
 * not be a way to read the workers' own network: link-local and cloud metadata addresses are never reachable,
 * loopback and private ranges only when the deployment allows them (the local stack allows loopback for the
 * sandbox), and never the Switchyard API itself.
 */
export interface NetworkPolicy {
  allowLoopback: boolean;
  allowPrivate: boolean;
  /** The API's own port: refused on loopback even when loopback is allowed. */
  apiPort: number | null;
}

export type AddressClass = 'public' | 'loopback' | 'private' | 'linkLocal' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

/** Cloud metadata endpoints by address (AWS, GCP and Azure share 169.254.169.254; AWS's IPv6 one; Alibaba's). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);
/** Host names that resolve to a metadata service from inside a cloud. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'metadata.azure.com', 'instance-data', 'instance-data.ec2.internal']);

const RANGES: Record<string, AddressClass> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  carrierGradeNat: 'private',
  linkLocal: 'linkLocal',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'reserved',
  reserved: 'reserved',
  unicast: 'public',
  ipv4Mapped: 'public',
};

/** The class of an IP address (an IPv4-mapped IPv6 address is its IPv4 address). */
export function classifyAddress(address: string): AddressClass {
  const parsed = ipaddr.process(address);
  const text = parsed.toString();
  if (METADATA_ADDRESSES.has(text)) return 'metadata';
  return RANGES[parsed.range()] ?? 'reserved';
}

const REASONS: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  linkLocal: 'a link-local address',
  metadata: "a cloud metadata service (it hands out the machine's credentials)",
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** Why an address may not be reached under a policy, or null when it may. */
export function refusal(address: string, port: number | null, policy: NetworkPolicy): string | null {
  const cls = classifyAddress(address);
  if (cls === 'public') return null;
  if (cls === 'loopback' && policy.allowLoopback) return port !== null && port === policy.apiPort ? "the Switchyard API's own port" : null;
  if (cls === 'private' && policy.allowPrivate) return null;
  return REASONS[cls];
}

/**
 * What can be said of a URL before any DNS lookup: its scheme, a literal IP, a name of this machine or of a
 * metadata service. Null when nothing is wrong yet (a host name is checked again, resolved, at request time).
 */
export function urlRefusal(url: string, policy: NetworkPolicy): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null; // not a URL yet (a reference resolves later): checked at request time
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${u.protocol} is not http or https`;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  if (METADATA_NAMES.has(host)) return REASONS.metadata;
  if (host === 'localhost' || host.endsWith('.localhost')) return refusal('127.0.0.1', port, policy);
  if (ipaddr.isValid(host)) return refusal(host, port, policy);
  return null;
}
