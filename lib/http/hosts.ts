import { isIP } from 'node:net';

/**
 * Which Host names Ringside answers to. A browser tricked by DNS rebinding (an attacker's name
 * resolving to Ringside's address) sends the attacker's name as Host, so refusing unknown names
 * closes that door. Rebinding needs a DNS name, so IP literals are always safe to accept; so are
 * `localhost` and the machine's own host name. Everything else must be configured
 * (`http.allowedHosts`: exact names, or `*.example.com` for any sub-domain).
 */
export class HostPolicy {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(allowed: readonly string[], machineHostname?: string) {
    for (const raw of allowed) {
      const h = raw.trim().toLowerCase();
      if (h.startsWith('*.')) this.suffixes.push(h.slice(1));
      else this.exact.add(h);
    }
    if (machineHostname) this.exact.add(machineHostname.toLowerCase());
  }

  /** `host` is a Host header value: name or IP, with an optional port; IPv6 in brackets. */
  allows(host: string | null | undefined): boolean {
    const name = hostName(host);
    if (!name) return false;
    if (isIP(name)) return true;
    if (name === 'localhost' || name.endsWith('.localhost')) return true;
    return this.exact.has(name) || this.suffixes.some((s) => name.endsWith(s) && name.length > s.length);
  }
}

/** The name part of a Host value, lower-cased, or undefined when it is not a valid host. */
export function hostName(host: string | null | undefined): string | undefined {
  if (!host || host.length > 300) return undefined;
  const h = host.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h);
  if (v6) return isIP(v6[1]) === 6 ? v6[1] : undefined;
  const m = /^([a-z0-9.-]+?)\.?(?::\d{1,5})?$/.exec(h);
  if (!m || m[1].startsWith('.') || m[1].includes('..')) return undefined;
  return m[1];
}

/** A `http.allowedHosts` entry as the config check sees it: a host name, or `*.` and one. */
export function isHostPattern(entry: string): boolean {
  const h = entry.startsWith('*.') ? entry.slice(2) : entry;
  return /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(h) || (!entry.startsWith('*.') && isIP(h) !== 0);
}
