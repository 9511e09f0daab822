// A Kubernetes-shaped keyspace written into a real ring, for the capacity tests and bench (i):
// pods, secrets and configmaps of varied sizes in a few namespaces, Events attached to a few
// shared leases (as the API server attaches them), cluster-scoped objects (namespaces,
// minions), services under their two sub-levels, API-group paths (apiregistration.k8s.io and a
// custom resource), some pods deleted again, one key rewritten many times (a controller's
// leader-election lease), and a prefix outside /registry (/calico/).
//
// Written with the etcd3 client in transactions of up to 128 puts (etcd's --max-txn-ops) and
// 1 MiB (under its 1.5 MiB request limit), a few in flight. Deterministic for a seed.
//
// In process:  await writeKubernetesKeyspace(endpoints, smallShape())
// As a child:  tsx e2e/support/keyspace.ts '<json: { endpoints, keys, seed }>'   (prints the manifest as JSON)
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';

export interface KeyspaceShape {
  namespaces: number;
  pods: number;
  secrets: number;
  configMaps: number;
  events: number;
  /** Leases the Events share. */
  eventLeases: number;
  /** TTL of those leases, seconds (long enough that nothing expires during a test). */
  leaseTtl: number;
  /** Pods deleted again after they were written: history without a live key. */
  deletedPods: number;
  /** Times the hot key is rewritten. */
  rewrites: number;
  calico: number;
  seed: number;
  /** Values from repeated text instead of random bytes, so a captured snapshot gzips small. */
  compressible?: boolean;
}

export interface KeyspaceManifest {
  rewrittenKey: string;
  rewrites: number;
  /** As etcdctl prints them: 16 hex digits. */
  leases: string[];
  keysWritten: number;
  bytesWritten: number;
}

/** A keyspace of about 3,000 keys for integration tests. */
export function smallShape(seed = 17): KeyspaceShape {
  return { namespaces: 4, pods: 600, secrets: 200, configMaps: 300, events: 1200, eventLeases: 3, leaseTtl: 3600, deletedPods: 40, rewrites: 300, calico: 150, seed };
}

/** About `keys` keys averaging about 700 bytes of value (1,000,000 keys: about 0.7 GB of data, a db of about 1 GB). */
export function scaledShape(keys: number, seed = 17): KeyspaceShape {
  const n = (share: number) => Math.max(1, Math.round(keys * share));
  return {
    namespaces: Math.max(4, Math.round(keys / 20_000)),
    pods: n(0.25),
    secrets: n(0.1),
    configMaps: n(0.15),
    events: n(0.42),
    eventLeases: Math.max(3, Math.round(keys / 50_000)),
    leaseTtl: 3600,
    deletedPods: n(0.01),
    rewrites: Math.min(10_000, Math.max(300, Math.round(keys / 100))),
    calico: n(0.05),
    seed,
  };
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_TXN_OPS = 128;
const MAX_TXN_BYTES = 1 << 20;
const IN_FLIGHT = 6;

interface Put {
  key: string;
  value: Buffer;
  lease?: string;
}

export async function writeKubernetesKeyspace(endpoints: string[], shape: KeyspaceShape, onProgress?: (keys: number) => void): Promise<KeyspaceManifest> {
  const client = new Etcd3({ hosts: endpoints, faultHandling: { host: () => noop, global: noop } });
  const rnd = prng(shape.seed);
  // Values are slices of one random pool: protobuf-like bytes without generating a gigabyte of them.
  const pool = Buffer.alloc(1 << 20);
  if (shape.compressible) pool.fill('spec: {containers: [{name: web, image: nginx}]} ');
  else for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(Math.floor(rnd() * 2 ** 32), i);
  const value = (size: number): Buffer => {
    const at = Math.floor(rnd() * (pool.length - size));
    return Buffer.concat([Buffer.from('k8s\0'), pool.subarray(at, at + Math.max(0, size - 4))]);
  };
  const between = (lo: number, hi: number) => Math.round(lo + rnd() * (hi - lo));
  const logUniform = (lo: number, hi: number) => Math.round(lo * (hi / lo) ** rnd());
  const ns = (i: number) => (i % shape.namespaces === 0 ? 'kube-system' : `team-${i % shape.namespaces}`);

  let keysWritten = 0;
  let bytesWritten = 0;
  let batch: Put[] = [];
  let batchBytes = 0;
  const inFlight = new Set<Promise<void>>();
  const send = async (ops: Put[]) => {
    await client.kv.txn({
      compare: [],
      success: ops.map((o) => ({ request_put: { key: Buffer.from(o.key), value: o.value, ...(o.lease ? { lease: o.lease } : {}) } })),
      failure: [],
    });
    keysWritten += ops.length;
    onProgress?.(keysWritten);
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const p = send(batch).finally(() => inFlight.delete(p));
    inFlight.add(p);
    batch = [];
    batchBytes = 0;
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  const put = async (o: Put) => {
    const size = o.key.length + o.value.length;
    if (batch.length >= MAX_TXN_OPS || batchBytes + size > MAX_TXN_BYTES) await flush();
    batch.push(o);
    batchBytes += size;
    bytesWritten += size;
  };

  try {
    const leases: string[] = [];
    for (let i = 0; i < shape.eventLeases; i++) {
      const res = await client.leaseClient.leaseGrant({ TTL: shape.leaseTtl, ID: 0 });
      leases.push(res.ID);
    }
    for (let i = 0; i < shape.namespaces; i++) await put({ key: `/registry/namespaces/${ns(i)}`, value: value(between(300, 600)) });
    for (let i = 0; i < Math.max(3, Math.round(shape.pods / 30)); i++) await put({ key: `/registry/minions/node-${i}`, value: value(between(3000, 6000)) });
    for (const api of ['v1.', 'v1.apps', 'v1.batch', 'v1.networking.k8s.io', 'v1beta1.metrics.k8s.io']) {
      await put({ key: `/registry/apiregistration.k8s.io/apiservices/${api}`, value: value(between(400, 900)) });
    }
    for (let i = 0; i < Math.max(5, Math.round(shape.pods / 50)); i++) {
      await put({ key: `/registry/cert-manager.io/certificates/${ns(i)}/cert-${i}`, value: value(between(800, 2000)) });
      await put({ key: `/registry/services/specs/${ns(i)}/svc-${i}`, value: value(between(600, 1200)) });
      await put({ key: `/registry/services/endpoints/${ns(i)}/svc-${i}`, value: value(between(300, 3000)) });
    }
    for (let i = 0; i < shape.pods; i++) await put({ key: `/registry/pods/${ns(i)}/web-${i}`, value: value(between(700, 1600)) });
    for (let i = 0; i < shape.secrets; i++) await put({ key: `/registry/secrets/${ns(i)}/token-${i}`, value: value(between(300, 700)) });
    for (let i = 0; i < shape.configMaps; i++) await put({ key: `/registry/configmaps/${ns(i)}/config-${i}`, value: value(logUniform(100, 4000)) });
    for (let i = 0; i < shape.events; i++) {
      await put({ key: `/registry/events/${ns(i)}/web-${i % Math.max(1, shape.pods)}.${(0x17a0000000 + i).toString(16)}`, value: value(between(350, 650)), lease: leases[i % leases.length] });
    }
    for (let i = 0; i < shape.calico; i++) await put({ key: `/calico/ipam/v2/handle/k8s-pod-network.${i}`, value: value(between(100, 300)) });
    await flush();
    await Promise.all(inFlight);

    for (let i = 0; i < shape.deletedPods; i++) await client.delete().key(`/registry/pods/${ns(i)}/web-${i}`);

    // One key rewritten many times: each put is its own revision, so its history piles up.
    const rewrittenKey = '/registry/leases/kube-system/kube-controller-manager';
    for (let i = 0; i < shape.rewrites; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, shape.rewrites - i) }, () => client.put(rewrittenKey).value(value(between(400, 500)))));
    }
    keysWritten += 1;
    return { rewrittenKey, rewrites: shape.rewrites, leases: leases.map((id) => BigInt(id).toString(16).padStart(16, '0')), keysWritten, bytesWritten };
  } finally {
    client.close();
  }
}

if (require.main === module) {
  const { endpoints, keys, seed } = JSON.parse(process.argv[2] ?? '{}') as { endpoints: string[]; keys: number; seed?: number };
  let last = 0;
  writeKubernetesKeyspace(endpoints, scaledShape(keys, seed), (n) => {
    if (n - last >= 100_000) {
      last = n;
      process.stderr.write(`keyspace: ${n} keys written\n`);
    }
  }).then(
    (m) => process.stdout.write(`${JSON.stringify(m)}\n`),
    (e: unknown) => {
      process.stderr.write(`keyspace: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
