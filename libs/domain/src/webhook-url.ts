/**
 * Which URLs webhooks may be sent to (server-side request forgery): http(s) only, and only to
 * public addresses, so a tenant cannot make the platform POST to its own network, to loopback
 * services or to a cloud metadata endpoint. The rule is checked when an endpoint is registered and
 * again against the addresses resolved when each webhook is sent (a name may resolve elsewhere by
 * then: DNS rebinding).
 *
 * Pure: name resolution is the caller's (`resolve`), so the one rule serves the gateway and the
 * activity alike.
 */

/** Why an address or URL is refused. */
export type WebhookUrlRefusalReason =
  'malformed' | 'scheme' | 'unresolvable' | 'loopback' | 'private' | 'link_local' | 'shared' | 'unspecified' | 'multicast' | 'reserved';

/** A refused URL: the reason, and a message that names it and says what to send instead. */
export interface WebhookUrlRefusal {
  reason: WebhookUrlRefusalReason;
  message: string;
}

/** How {@link webhookUrlRefusal} decides. */
export interface WebhookUrlPolicy {
  /**
   * Lets loopback, private, link-local and carrier-grade NAT addresses through: for development and
   * tests, whose receivers run on 127.0.0.1 (`WEBHOOK_ALLOW_PRIVATE_URLS`). Unspecified, multicast
   * and reserved addresses stay refused: nothing answers a webhook there.
   */
  allowPrivate: boolean;
  /** Every address `host` resolves to (rejects when it resolves to none). */
  resolve(host: string): Promise<string[]>;
}

/** A name that has not resolved by then is refused as unresolvable: a registration or an attempt never hangs on DNS. */
const RESOLVE_TIMEOUT_MS = 5_000;

/** Reasons {@link WebhookUrlPolicy.allowPrivate} lifts. */
const PRIVATE_REASONS: ReadonlySet<WebhookUrlRefusalReason> = new Set(['loopback', 'private', 'link_local', 'shared']);

const DESCRIPTIONS: Record<Exclude<WebhookUrlRefusalReason, 'malformed' | 'scheme' | 'unresolvable'>, string> = {
  loopback: 'a loopback address',
  private: 'a private address (RFC 1918 or IPv6 unique local)',
  link_local: 'a link-local address (where cloud metadata services answer)',
  shared: 'a carrier-grade NAT address (100.64.0.0/10)',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/**
 * Why a webhook may not be sent to `text`, or undefined when it may: not an http(s) URL, a host
 * that does not resolve, or any of its addresses not public ({@link addressesRefusal}).
 */
export async function webhookUrlRefusal(text: string, policy: WebhookUrlPolicy): Promise<WebhookUrlRefusal | undefined> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { reason: 'malformed', message: `${text} is not a URL: send an absolute http(s) URL such as https://example.com/webhooks` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { reason: 'scheme', message: `${url.protocol} URLs are refused: webhooks are sent over http or https only` };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = parseIp(host) !== undefined;
  let addresses: string[];
  try {
    addresses = literal ? [host] : await withTimeout(policy.resolve(host), RESOLVE_TIMEOUT_MS);
  } catch (error) {
    return { reason: 'unresolvable', message: `${host} does not resolve (${(error as Error).message}): send a URL whose host has a public DNS name` };
  }
  return addressesRefusal(literal ? undefined : host, addresses, policy.allowPrivate);
}

/**
 * Why a webhook may not go to a host that resolved to `addresses` (any one refused refuses them
 * all: the connection could go to either); `host` is undefined for an address written in the URL.
 * Also what a connection checks the addresses it is about to use against.
 */
export function addressesRefusal(host: string | undefined, addresses: readonly string[], allowPrivate: boolean): WebhookUrlRefusal | undefined {
  if (addresses.length === 0) return { reason: 'unresolvable', message: `${host} resolves to no address: send a URL whose host has a public DNS name` };
  for (const address of addresses) {
    const reason = addressRefusal(address);
    if (reason === undefined || (allowPrivate && PRIVATE_REASONS.has(reason))) continue;
    const where = host === undefined ? `${address} is` : `${host} resolves to ${address},`;
    return { reason, message: `${where} ${DESCRIPTIONS[reason]}: webhooks are sent to public addresses only` };
  }
  return undefined;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why no webhook may go to the IP address `address` (IPv4 dotted quad or IPv6, as URLs and DNS
 * write them); undefined for a public address, and for text that is not an address. IPv4 addresses
 * embedded in IPv6 (mapped, NAT64, 6to4) are judged as the IPv4 address they reach.
 */
export function addressRefusal(address: string): Exclude<WebhookUrlRefusalReason, 'malformed' | 'scheme' | 'unresolvable'> | undefined {
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  if (bytes.length === 4) return ipv4Refusal(bytes);
  const embedded = embeddedIpv4(bytes);
  if (embedded) return ipv4Refusal(embedded);
  return IPV6_RANGES.find(([prefix, bits]) => inRange(bytes, prefix, bits))?.[2];
}

type Reason = NonNullable<ReturnType<typeof addressRefusal>>;
type Range = readonly [prefix: readonly number[], bits: number, reason: Reason];

const IPV4_RANGES: readonly Range[] = [
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link_local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'reserved'],
  [[203, 0, 113, 0], 24, 'reserved'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

const IPV6_RANGES: readonly Range[] = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128, 'unspecified'],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'],
  // The rest of ::/8: IPv4-compatible (deprecated) and unassigned.
  [[0], 8, 'reserved'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'],
  [[0xfc], 7, 'private'],
  [[0xfe, 0x80], 10, 'link_local'],
  [[0xfe, 0xc0], 10, 'private'],
  [[0xff], 8, 'multicast'],
];

function ipv4Refusal(bytes: readonly number[]): Reason | undefined {
  return IPV4_RANGES.find(([prefix, bits]) => inRange(bytes, prefix, bits))?.[2];
}

/** The IPv4 address an IPv6 address reaches: mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIpv4(bytes: readonly number[]): number[] | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return bytes.slice(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

function inRange(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((prefix[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/** The bytes of an IPv4 (4) or IPv6 (16) address; undefined for anything else (a host name). */
function parseIp(text: string): number[] | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  // A zone (fe80::1%eth0) says which interface, not which address.
  let rest = text.replace(/%.*$/, '');
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (dotted) {
    const [, head, dottedQuad] = dotted as unknown as [string, string, string];
    const v4 = parseIpv4(dottedQuad);
    if (!v4) return undefined;
    const [a, b, c, d] = v4 as [number, number, number, number];
    rest = `${head}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((list) => list.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group)))) return undefined;
  const [head = [], tail = []] = groups;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((group) => parseInt(group, 16));
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}
