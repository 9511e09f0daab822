// Makes the real etcd fixtures in this folder from a 1-member etcd 3.4 ring started by the test
// harness, with a small Kubernetes-shaped keyspace (e2e/support/keyspace.ts) plus what real
// rings also hold: a compaction in the middle of a key's rewrites, pods deleted after it
// (tombstones with history), a key deleted and created again, a key rewritten at varied sizes,
// and a lease holding no key.
//
//   etcd-3.4.23-keyspace.db.gz   `etcdctl snapshot save` of it (bbolt file + SHA-256 trailer), gzipped
//   etcd-3.4.23-keyspace.json    what etcd itself says of that keyspace, independently of our reader:
//                                live keys from `etcdctl get "" --prefix -w json`; each key's history
//                                held since the compaction from a watch replaying every revision
//                                after it plus `etcdctl get --rev=<compaction>`; leases from
//                                `etcdctl lease list` and `lease timetolive --keys`
//   records.json                 a few raw records of buckets "key", "lease" and "meta" (hex),
//                                each beside what etcd's watch said of that revision
//
//   npx tsx --conditions=react-server lib/capacity/testdata/capture.ts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { noop } from 'cockatiel';
import { Etcd3, type IKeyValue } from 'etcd3';
import { EtcdRing, parseJsonBig } from '../../../e2e/harness/ring';
import { writeKubernetesKeyspace } from '../../../e2e/support/keyspace';
import { BoltTree } from '../../snapshot/bolt-walk';

const here = __dirname;
const NAME = 'etcd-3.4.23-keyspace';

async function ctl(ring: EtcdRing, args: string[]): Promise<string> {
  const r = await ring.etcdctl(args);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease?: number | string;
}

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64');
const hexLease = (l: number | string | undefined) => (l === undefined || String(l) === '0' ? '0' : BigInt(l).toString(16).padStart(16, '0'));

async function getAll(ring: EtcdRing, rev?: number): Promise<JsonKv[]> {
  const out = parseJsonBig(await ctl(ring, ['get', '', '--prefix', '-w', 'json', ...(rev ? [`--rev=${rev}`] : [])])) as { kvs?: JsonKv[] };
  return out.kvs ?? [];
}

async function headRevision(ring: EtcdRing): Promise<number> {
  const out = parseJsonBig(await ctl(ring, ['get', 'x', '-w', 'json'])) as { header: { revision: number | string } };
  return Number(out.header.revision);
}

/** Every event from `from` to `to` inclusive, as etcd's watch replays them. */
async function replay(endpoint: string, from: number, to: number): Promise<{ type: 'put' | 'delete'; kv: IKeyValue }[]> {
  const client = new Etcd3({ hosts: [endpoint], faultHandling: { host: () => noop, global: noop } });
  try {
    const events: { type: 'put' | 'delete'; kv: IKeyValue }[] = [];
    const watcher = await client.watch().prefix('/').startRevision(String(from)).create();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch replay stopped before revision ${to}`)), 20_000);
      watcher.on('data', (res) => {
        for (const e of res.events) events.push({ type: e.type === 'Delete' ? 'delete' : 'put', kv: e.kv });
        if (res.events.length && Number(res.events[res.events.length - 1].kv.mod_revision) >= to) {
          clearTimeout(timer);
          resolve();
        }
      });
      watcher.on('error', reject);
    });
    await watcher.cancel();
    return events;
  } finally {
    client.close();
  }
}

async function main() {
  const ring = await EtcdRing.start({ size: 1, name: 'cap' });
  try {
    const endpoint = ring.endpoints()[0];
    const manifest = await writeKubernetesKeyspace(ring.endpoints(), {
      namespaces: 3, pods: 40, secrets: 10, configMaps: 30, events: 60, eventLeases: 2, leaseTtl: 86_400,
      deletedPods: 4, rewrites: 60, calico: 10, seed: 17, compressible: true,
    });
    // Compact in the middle of the rewrites: the key keeps one record at or below the compaction.
    const compactRevision = (await headRevision(ring)) - 25;
    await ctl(ring, ['compaction', String(compactRevision), '--physical']);
    for (const k of ['/registry/pods/team-1/web-10', '/registry/pods/team-2/web-11']) await ctl(ring, ['del', k]);
    await ctl(ring, ['del', '/registry/configmaps/kube-system/config-0']);
    await ctl(ring, ['put', '/registry/configmaps/kube-system/config-0', 'recreated']);
    for (const n of [10, 2000, 9000, 300, 50]) await ctl(ring, ['put', '/registry/configmaps/team-1/config-1', 'c'.repeat(n)]);
    const idle = /lease ([0-9a-f]+) granted/.exec(await ctl(ring, ['lease', 'grant', '600']))?.[1];
    if (!idle) throw new Error('lease grant printed no lease ID');
    const head = await headRevision(ring);

    const file = path.join(ring.baseDir, 'snapshot.db');
    await ctl(ring, ['snapshot', 'save', file]);
    const status = JSON.parse(await ctl(ring, ['snapshot', 'status', file, '-w', 'json'])) as { revision: number };
    if (status.revision !== head) throw new Error(`snapshot revision ${status.revision}, expected ${head}`);

    const live = await getAll(ring);
    const kept = await getAll(ring, compactRevision);
    const events = await replay(endpoint, compactRevision + 1, head);
    const history = new Map<string, { revisions: number; historyBytes: number }>();
    const add = (key: string, bytes: number) => {
      const h = history.get(key) ?? { revisions: 0, historyBytes: 0 };
      h.revisions++;
      h.historyBytes += bytes;
      history.set(key, h);
    };
    for (const kv of kept) add(b64(kv.key).toString('latin1'), b64(kv.key).length + b64(kv.value).length);
    for (const e of events) add(e.kv.key.toString('latin1'), e.kv.key.length + (e.type === 'put' ? e.kv.value.length : 0));
    const liveKeys = new Set(live.map((kv) => b64(kv.key).toString('latin1')));

    const leases: { id: string; ttl: number; keys: number }[] = [];
    for (const line of (await ctl(ring, ['lease', 'list'])).split('\n')) {
      const id = /^([0-9a-f]+)$/.exec(line.trim())?.[1];
      if (!id) continue;
      const t = parseJsonBig(await ctl(ring, ['lease', 'timetolive', id, '--keys', '-w', 'json'])) as { 'granted-ttl': number; keys?: string[] };
      leases.push({ id, ttl: t['granted-ttl'], keys: t.keys?.length ?? 0 });
    }

    const expected = {
      etcd: '3.4.23',
      revision: head,
      compactRevision,
      rewrittenKey: manifest.rewrittenKey,
      idleLease: idle,
      keys: live.map((kv) => {
        const key = b64(kv.key);
        return {
          key: key.toString('latin1'),
          valueSize: b64(kv.value).length,
          createRevision: kv.create_revision,
          modRevision: kv.mod_revision,
          version: kv.version,
          lease: hexLease(kv.lease),
          ...history.get(key.toString('latin1'))!,
        };
      }),
      deleted: [...history].filter(([k]) => !liveKeys.has(k)).map(([key, h]) => ({ key, ...h })),
      leases,
    };

    // Raw records, found by revision in the file as etcd wrote it, beside what the watch said of them.
    const bytes = readFileSync(file);
    const tree = await BoltTree.open(async (o, n) => bytes.subarray(o, o + n));
    const buckets = await tree.buckets();
    const want = new Map<number, { type: string; kv: IKeyValue }>();
    const pick = (f: (e: { type: string; kv: IKeyValue }) => boolean) => {
      const e = events.find(f);
      if (!e) throw new Error('capture: no event of the wanted kind');
      want.set(Number(e.kv.mod_revision), e);
    };
    pick((e) => e.kv.key.toString() === manifest.rewrittenKey);
    pick((e) => e.type === 'delete');
    pick((e) => e.kv.value.length > 8000);
    const eventWithLease = live.find((kv) => hexLease(kv.lease) !== '0')!;
    const records: { bucket: string; key: string; value: string; etcd: unknown }[] = [];
    await tree.walk(buckets.get('key')!, (k, v) => {
      const rev = k.readUInt32BE(0) * 2 ** 32 + k.readUInt32BE(4);
      // A transaction's puts share a main revision: the record is the one holding the key.
      const holds = (key: Buffer) => v.includes(key);
      const e = want.get(rev);
      const withLease = rev === eventWithLease.mod_revision && holds(b64(eventWithLease.key));
      if (e && holds(e.kv.key)) {
        const etcd = e.type === 'delete'
          ? { key: e.kv.key.toString('latin1'), tombstone: true }
          : { key: e.kv.key.toString('latin1'), createRevision: Number(e.kv.create_revision), modRevision: Number(e.kv.mod_revision), version: Number(e.kv.version), valueSize: e.kv.value.length, lease: hexLease(e.kv.lease) };
        records.push({ bucket: 'key', key: k.toString('hex'), value: v.toString('hex'), etcd });
      } else if (withLease) {
        const kv = eventWithLease;
        const etcd = { key: b64(kv.key).toString('latin1'), createRevision: kv.create_revision, modRevision: kv.mod_revision, version: kv.version, valueSize: b64(kv.value).length, lease: hexLease(kv.lease) };
        records.push({ bucket: 'key', key: k.toString('hex'), value: v.toString('hex'), etcd });
      }
    });
    await tree.walk(buckets.get('lease')!, (k, v) => {
      const id = k.readBigUInt64BE(0).toString(16).padStart(16, '0');
      const l = leases.find((x) => x.id === id);
      if (l) records.push({ bucket: 'lease', key: k.toString('hex'), value: v.toString('hex'), etcd: { id, ttl: l.ttl } });
    });
    await tree.walk(buckets.get('meta')!, (k, v) => {
      if (k.toString() === 'finishedCompactRev') records.push({ bucket: 'meta', key: k.toString('hex'), value: v.toString('hex'), etcd: { compactRevision } });
    });

    writeFileSync(path.join(here, `${NAME}.db.gz`), gzipSync(bytes, { level: 9 }));
    writeFileSync(path.join(here, `${NAME}.json`), `${JSON.stringify({ ...expected, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length }, null, 1)}\n`);
    writeFileSync(path.join(here, 'records.json'), `${JSON.stringify(records, null, 1)}\n`);
    console.log(`captured ${bytes.length} bytes at revision ${head} (compacted at ${compactRevision}): ${live.length} keys, ${expected.deleted.length} deleted with history, ${leases.length} leases, ${records.length} raw records`);
  } finally {
    await ring.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
