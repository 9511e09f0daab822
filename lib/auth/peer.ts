import { BlockList, isIP } from 'node:net';

/**
 * Who is on the other end of a request, decided once at the edge (lib/http/edge.ts) from the
 * socket and, only when the socket is a trusted reverse proxy, from what that proxy forwarded.
 * Pure: tested without a server.
 */

/** Set by the edge from the socket, after removing any client-sent copy. Nothing else sets it. */
export const PEER_HEADER = 'x-ringside-peer';

/** Headers only a trusted proxy may send; from anyone else they are removed before Next sees them. */
export const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded', 'x-real-ip'] as const;

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) is 127.0.0.1. */
export function normalizeAddress(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const a = raw.trim().toLowerCase();
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  const out = v4 ? v4[1] : a;
  return isIP(out) ? out : undefined;
}

/** Addresses and CIDRs (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`) as one matcher. Throws on a bad entry. */
export class AddressSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const parsed = parseCidr(e);
      if (!parsed) throw new Error(`"${e.slice(0, 60)}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)`);
      this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.size = entries.length;
  }

  has(address: string | undefined): boolean {
    const a = normalizeAddress(address);
    if (!a) return false;
    return this.list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  }
}

export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry.trim());
  if (!m) return undefined;
  const address = normalizeAddress(m[1]);
  if (!address) return undefined;
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const max = family === 'ipv6' ? 128 : 32;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  return prefix <= max ? { address, prefix, family } : undefined;
}

type HeaderGet = (name: string) => string | null | undefined;

/**
 * The client's address: the socket peer, or, when the peer is a trusted proxy, the rightmost
 * X-Forwarded-For hop that is not itself a trusted proxy (the left part is whatever the client
 * wrote and proves nothing). `unknown` when the edge did not run (tests calling lib directly).
 */
export function clientAddress(get: HeaderGet, trusted: AddressSet): string {
  const peer = normalizeAddress(get(PEER_HEADER));
  if (!peer) return 'unknown';
  if (!trusted.has(peer)) return peer;
  const hops = (get('x-forwarded-for') ?? '').split(',').map((h) => normalizeAddress(h)).filter((h): h is string => h !== undefined);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i])) return hops[i];
  return hops[0] ?? peer;
}

/** True when the request came through a configured trusted proxy (so its X-Forwarded-* count). */
export function viaTrustedProxy(get: HeaderGet, trusted: AddressSet): boolean {
  return trusted.has(normalizeAddress(get(PEER_HEADER)));
}

/**
 * The key an address is throttled under: IPv6 clients usually own a whole /64, so one of them
 * rotating through its addresses is still one key.
 */
export function throttleKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const full = expandIpv6(address);
  return full ? `${full.slice(0, 4).join(':')}::/64` : address;
}

function expandIpv6(a: string): string[] | undefined {
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  if (t.some((x) => x.includes('.')) || h.some((x) => x.includes('.'))) return undefined;
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  const parts = [...h, ...fill, ...t];
  return parts.length === 8 ? parts.map((p) => p.padStart(4, '0')) : undefined;
}
