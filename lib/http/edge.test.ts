import { describe, expect, test } from 'vitest';
import { decide, EDGE_MAX_BODY, type EdgePolicy, type EdgeRequest } from './edge';
import { HostPolicy, hostName, isHostPattern } from './hosts';
import { AddressSet, clientAddress, normalizeAddress, PEER_HEADER, throttleKey } from '../auth/peer';

const policy = (over: Partial<EdgePolicy> = {}): EdgePolicy => ({
  trusted: new AddressSet(['10.9.0.0/24']),
  hosts: new HostPolicy(['ringside.example.com', '*.corp.example'], 'ringside-host'),
  proxyUserHeader: 'x-forwarded-user',
  dev: false,
  ...over,
});

const req = (over: Partial<EdgeRequest> & { headers?: EdgeRequest['headers'] } = {}): EdgeRequest => ({
  method: 'GET',
  url: '/clusters/prod',
  peer: '192.0.2.10',
  encrypted: false,
  ...over,
  headers: { host: '127.0.0.1:3000', ...over.headers },
});

describe('hosts (DNS rebinding)', () => {
  test('IP literals, localhost, the machine name and configured names pass; other names do not', () => {
    const h = policy().hosts;
    for (const ok of ['127.0.0.1:3000', '10.0.0.5', '[::1]:3000', 'localhost:3000', 'app.localhost', 'ringside-host:3000', 'RINGSIDE.example.com', 'a.corp.example', 'ringside.example.com.']) {
      expect(h.allows(ok), ok).toBe(true);
    }
    for (const bad of ['rebind.attacker.example', 'corp.example', 'ringside.example.com.evil', '127.0.0.1.nip.io', '', undefined, 'a b', 'x..y', '[::1', 'localhost:3000:1']) {
      expect(h.allows(bad), String(bad)).toBe(false);
    }
    expect(hostName('[::1]:80')).toBe('::1');
    expect(isHostPattern('*.example.com')).toBe(true);
    expect(isHostPattern('exa mple')).toBe(false);
  });

  test('a request whose Host is not ours is refused with 421 before Next sees it', () => {
    const d = decide(req({ headers: { host: 'rebind.attacker.example:3000', origin: 'http://rebind.attacker.example:3000' } }), policy());
    expect(d.kind).toBe('refuse');
    expect(d.kind === 'refuse' && d.status).toBe(421);
  });

  test("X-Forwarded-Host counts only from a trusted proxy (and must then be one of ours)", () => {
    expect(decide(req({ headers: { 'x-forwarded-host': 'evil.example' } }), policy()).kind).toBe('pass');
    const viaProxy = decide(req({ peer: '10.9.0.2', headers: { 'x-forwarded-host': 'evil.example' } }), policy());
    expect(viaProxy.kind === 'refuse' && viaProxy.status).toBe(421);
    expect(decide(req({ peer: '10.9.0.2', headers: { host: '10.9.0.9', 'x-forwarded-host': 'ringside.example.com' } }), policy()).kind).toBe('pass');
  });
});

describe('what the edge passes on', () => {
  test('forwarded headers and the proxy user header are removed unless the peer is a trusted proxy', () => {
    const headers = { 'x-forwarded-for': '10.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-user': 'olga', forwarded: 'for=1.2.3.4' };
    const direct = decide(req({ headers }), policy());
    expect(direct.kind === 'pass' && direct.removeHeaders).toEqual(expect.arrayContaining(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-user', 'forwarded']));
    expect(direct.kind === 'pass' && direct.requestHeaders[PEER_HEADER]).toBe('192.0.2.10');
    expect(direct.kind === 'pass' && direct.responseHeaders['Strict-Transport-Security']).toBeUndefined();
    const proxied = decide(req({ peer: '10.9.0.2', headers }), policy());
    expect(proxied.kind === 'pass' && proxied.removeHeaders).not.toContain('x-forwarded-user');
    expect(proxied.kind === 'pass' && proxied.responseHeaders['Strict-Transport-Security']).toBe('max-age=31536000');
  });

  test('pages get a fresh nonce in a CSP without unsafe-eval, frame-ancestors none, and the other headers', () => {
    const a = decide(req(), policy());
    const b = decide(req(), policy());
    if (a.kind !== 'pass' || b.kind !== 'pass') throw new Error('refused');
    const csp = a.responseHeaders['Content-Security-Policy'];
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'/);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(a.requestHeaders['content-security-policy']).toBe(csp);
    expect(b.responseHeaders['Content-Security-Policy']).not.toBe(csp);
    expect(a.responseHeaders).toMatchObject({ 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' });
    expect(decide(req(), policy({ dev: true })).kind === 'pass' && (decide(req(), policy({ dev: true })) as { responseHeaders: Record<string, string> }).responseHeaders['Content-Security-Policy']).toContain("'unsafe-eval'");
    const api = decide(req({ url: '/api/clusters' }), policy());
    expect(api.kind === 'pass' && api.responseHeaders['Content-Security-Policy']).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  test('bodies: none on pages, and nothing announced above the cap anywhere', () => {
    const page = decide(req({ method: 'POST', headers: { 'transfer-encoding': 'chunked' } }), policy());
    expect(page.kind === 'refuse' && page.status).toBe(405);
    const big = decide(req({ method: 'POST', url: '/api/auth/login', headers: { 'content-length': String(EDGE_MAX_BODY + 1) } }), policy());
    expect(big.kind === 'refuse' && big.status).toBe(413);
    const chunked = decide(req({ method: 'POST', url: '/api/auth/login', headers: { 'transfer-encoding': 'chunked' } }), policy());
    expect(chunked.kind === 'pass' && chunked.responseHeaders.Connection).toBe('close');
  });

  test('anonymous: none: pages go to sign-in, API reads are 401, sign-in itself and the probes stay open', () => {
    const p = policy({ signedIn: (get) => get('cookie') === 'ringside_session=ok' });
    const page = decide(req({ url: '/noc?cycle=30' }), p);
    expect(page.kind === 'refuse' && [page.status, page.responseHeaders.Location]).toEqual([303, '/signin?next=%2Fnoc%3Fcycle%3D30']);
    const api = decide(req({ url: '/api/fleet/stream' }), p);
    expect(api.kind === 'refuse' && api.status).toBe(401);
    for (const url of ['/signin?next=%2F', '/api/auth/login', '/api/auth/session', '/api/healthz', '/api/readyz', '/_next/static/chunks/x.js', '/icon.svg']) {
      expect(decide(req({ url, method: url.endsWith('login') ? 'POST' : 'GET' }), p).kind, url).toBe('pass');
    }
    expect(decide(req({ url: '/api/clusters', headers: { cookie: 'ringside_session=ok' } }), p).kind).toBe('pass');
    // `//evil.example` is not a path on this site.
    const odd = decide(req({ url: '//evil.example/x' }), p);
    expect(odd.kind === 'refuse' && odd.responseHeaders.Location).toBe('/signin?next=%2F');
  });
});

describe('kubelet probes', () => {
  test('with anonymous: none, a probe from kubelet (the pod IP as Host, no session) passes; only the two probe paths do', () => {
    const p = policy({ signedIn: () => false });
    for (const host of ['10.244.1.7:3000', '[fd00:10:244::7]:3000']) {
      for (const url of ['/api/healthz', '/api/readyz']) expect(decide(req({ url, peer: '10.244.1.1', headers: { host } }), p).kind, `${host}${url}`).toBe('pass');
      for (const url of ['/api/readyz/x', '/api/healthzx', '/api/clusters', '/api/metrics']) {
        const d = decide(req({ url, peer: '10.244.1.1', headers: { host } }), p);
        expect(d.kind === 'refuse' && d.status, url).toBe(401);
      }
    }
    // The Host check still applies to them: a rebinding name is refused there too.
    const rebound = decide(req({ url: '/api/readyz', headers: { host: 'rebind.attacker.example' } }), p);
    expect(rebound.kind === 'refuse' && rebound.status).toBe(421);
  });
});

describe('client address', () => {
  const trusted = new AddressSet(['10.9.0.0/24', 'fd00::/8']);
  const from = (h: Record<string, string>) => (n: string) => h[n] ?? null;

  test('the socket peer, whatever X-Forwarded-For says, unless the peer is a trusted proxy', () => {
    expect(clientAddress(from({ [PEER_HEADER]: '192.0.2.1', 'x-forwarded-for': '10.0.0.1' }), trusted)).toBe('192.0.2.1');
    expect(clientAddress(from({ [PEER_HEADER]: '10.9.0.3', 'x-forwarded-for': 'spoofed, 198.51.100.7, 10.9.0.4' }), trusted)).toBe('198.51.100.7');
    expect(clientAddress(from({ [PEER_HEADER]: '::ffff:192.0.2.1' }), trusted)).toBe('192.0.2.1');
    expect(clientAddress(from({}), trusted)).toBe('unknown');
  });

  test('IPv6 clients are throttled per /64', () => {
    expect(throttleKey('2001:db8:1:2:aaaa::1')).toBe('2001:0db8:0001:0002::/64');
    expect(throttleKey('2001:db8:1:2::ffff')).toBe(throttleKey('2001:db8:1:2:1:2:3:4'));
    expect(throttleKey('192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress('not an ip')).toBeUndefined();
  });

  test('trusted proxies are addresses or CIDRs; anything else is refused', () => {
    expect(trusted.has('fd12::1')).toBe(true);
    expect(trusted.has('10.9.1.1')).toBe(false);
    expect(() => new AddressSet(['10.0.0.0/33'])).toThrow(/not an IP address or CIDR/);
    expect(() => new AddressSet(['proxy.example'])).toThrow(/not an IP address or CIDR/);
  });
});

describe('paths', () => {
  test('dot segments and encoded slashes, which browsers never send, are refused (400 naming the path)', () => {
    for (const url of ['/api/clusters/c/operations/%2E%2E', '/api/clusters/%2e/ring', '/api/clusters/c/../x', '/clusters/a%2Fb', '/api/x%5c..']) {
      const d = decide(req({ url }), policy());
      expect(d.kind === 'refuse' && [d.status, JSON.parse(d.body).error.field], url).toEqual([400, 'path']);
    }
    expect(decide(req({ url: '/clusters/prod.eu?x=..' }), policy()).kind).toBe('pass');
  });
});
