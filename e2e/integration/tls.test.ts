import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing, parseJsonBig } from '../harness/ring';
import { RingsideServer } from '../support/ringside-server';

describe('a TLS ring with client certificates (--client-cert-auth)', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let noCert: RingsideServer;

  beforeAll(async () => {
    ring = await EtcdRing.start({ size: 3, tls: true });
    const t = ring.tls!;
    server = await RingsideServer.start({ clusters: [{ name: 'secure', endpoints: ring.endpoints(), tls: { ca: t.ca, cert: t.cert, key: t.key } }] });
    // The same ring with only the CA: the members must refuse us, and Ringside must say why.
    noCert = await RingsideServer.start({ rawConfig: `clusters:\n  - name: secure\n    endpoints: [${ring.endpoints()[0]}]\n    tls:\n      ca: ${t.ca}\n` });
  });
  afterAll(async () => {
    await server?.stop();
    await noCert?.stop();
    await ring?.close();
  });

  test('/ring agrees with etcdctl over TLS', async () => {
    const r = await ring.etcdctl(['endpoint', 'status', '--cluster', '-w', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const truth = parseJsonBig(r.stdout) as { Status: { header: { member_id: string | number }; leader: string | number } }[];
    let body!: RingState;
    await ring.waitFor(async () => {
      body = (await server.json<RingState>('/api/clusters/secure/ring')).body;
      return body.members.length === 3 && body.members.every((m) => m.reachable);
    }, { what: 'all three TLS members reachable' });
    expect(body.members.map((m) => m.id).sort()).toEqual(truth.map((t) => BigInt(t.Status.header.member_id).toString(16)).sort());
    expect(body.leader).toBe(BigInt(truth[0].Status.leader).toString(16));
    expect(body.members.every((m) => m.endpoint?.startsWith('https://'))).toBe(true);
    expect(body.health).toBe('healthy');
  });

  test('/metrics is scraped from each member’s client URL over TLS with the client certificate', async () => {
    let body!: RingState;
    await ring.waitFor(async () => {
      body = (await server.json<RingState>('/api/clusters/secure/ring')).body;
      return body.members.length === 3 && body.members.every((m) => m.metrics !== null);
    }, { what: 'metrics from all three TLS members' });
    for (const m of body.members) {
      expect(m.metricsURL).toBe(`${m.endpoint}/metrics`);
      expect(m.metricsURL).toMatch(/^https:/);
      expect(m.metrics!.memberId).toBe(m.id);
      expect(m.metricsError).toBeNull();
    }
    // Without the client certificate the scrape fails with a reason, never a key.
    const bare = (await noCert.json<RingState>('/api/clusters/secure/ring')).body;
    expect(JSON.stringify(bare)).not.toContain('PRIVATE KEY');
  });

  test('without a client certificate every member is unreachable with a TLS reason, and no key material leaks', async () => {
    let body!: RingState;
    await ring.waitFor(async () => {
      body = (await noCert.json<RingState>('/api/clusters/secure/ring')).body;
      return body.endpointErrors.length > 0;
    }, { what: 'the endpoint to be reported unreachable' });
    expect(body.health).toBe('unknown');
    expect(body.members).toEqual([]);
    expect(body.endpointErrors[0].endpoint).toBe(ring.endpoints()[0]);
    expect(body.endpointErrors[0].error).toMatch(/TLS|certificate|unavailable/i);
    expect(body.warnings.map((w) => w.kind)).toContain('endpoint-unreachable');
    const text = JSON.stringify(body) + noCert.log + server.log;
    expect(text).not.toContain('PRIVATE KEY');
  });
});
