import 'server-only';
import { rootCertificates } from 'node:tls';
import { noop } from 'cockatiel';
import { Etcd3, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import type { TlsMaterial } from '../config/types';
import { fromHexId, toHexId, toHexLeaseId } from './ids';
import type { HashReply } from '../ring/hashkv';
import type { AlarmEntry, MemberListEntry, MemberProbe, MemberStatus, ProbeErrorCode, RangePage, RangePageRequest } from './types';

interface RpcPool {
  exec(service: string, method: string, params: object, options: object): Promise<unknown>;
}

/**
 * A client bound to exactly one member endpoint. etcd3's multi-host client load-balances and
 * hides which member answered; its default circuit breaker keeps failing for ~4.5 s after a
 * member returns. A monitor needs neither, so fault handling is off and every call has a deadline.
 */
export class MemberClient {
  private readonly etcd: Etcd3;

  constructor(
    readonly endpoint: string,
    tls: TlsMaterial | undefined,
    private readonly timeoutMs: number,
  ) {
    this.etcd = new Etcd3({
      hosts: [endpoint],
      dialTimeout: timeoutMs,
      credentials: credentialsFor(endpoint, tls),
      faultHandling: { host: () => noop, global: noop },
      grpcOptions: {
        // Reconnect quickly after a member comes back instead of backing off for seconds.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1000,
        // grpc-js keeps HTTP/2's 64 KiB window, where Go's gRPC (etcdctl) grows its own: a
        // snapshot stream then waits for a window update every two of etcd's 32 KiB chunks.
        // 4 MiB bounds what an unread stream can buffer; status replies never come near it.
        'grpc-node.flow_control_window': 4 << 20,
      },
    });
  }

  private opts() {
    return { deadline: Date.now() + this.timeoutMs };
  }

  /** Status of this member, with the round trip it took. Never throws. */
  async probe(): Promise<MemberProbe> {
    const started = performance.now();
    try {
      const s = await this.etcd.maintenance.status(this.opts());
      const latencyMs = round(performance.now() - started);
      return { endpoint: this.endpoint, ok: true, status: mapStatus(s), latencyMs };
    } catch (e) {
      const latencyMs = round(performance.now() - started);
      return { endpoint: this.endpoint, ok: false, ...describeError(e), latencyMs };
    }
  }

  async memberList(): Promise<MemberListEntry[]> {
    const res = await this.etcd.cluster.memberList({}, this.opts());
    return res.members.map((m) => ({
      id: toHexId(m.ID),
      name: m.name ?? '',
      peerURLs: m.peerURLs ?? [],
      clientURLs: m.clientURLs ?? [],
      isLearner: Boolean(m.isLearner),
    }));
  }

  async alarms(): Promise<AlarmEntry[]> {
    const res = await this.etcd.maintenance.alarm({ action: 'Get', memberID: '0', alarm: 'None' }, this.opts());
    return res.alarms
      .filter((a) => a.alarm === 'Nospace' || a.alarm === 'Corrupt')
      .map((a) => ({ memberId: toHexId(a.memberID), alarm: a.alarm === 'Corrupt' ? 'CORRUPT' : 'NOSPACE' }));
  }

  /**
   * HashKV at one revision. etcd3 1.1.2's `maintenance.hashKV()` calls a method that does not
   * exist (it is registered as `hashKv`), so this goes through the pool directly.
   */
  async hashKv(revision: number): Promise<HashReply & { memberId?: string }> {
    const pool = (this.etcd as unknown as { pool: RpcPool }).pool;
    try {
      const res = (await pool.exec('Maintenance', 'hashKv', { revision }, this.opts())) as {
        header: { member_id: string };
        hash: number | string;
        compact_revision: string | number;
      };
      return { ok: true, hash: Number(res.hash), compactRevision: Number(res.compact_revision), memberId: toHexId(res.header.member_id) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/has been compacted/.test(msg)) return { ok: false, kind: 'compacted', error: 'required revision has been compacted' };
      if (/future revision/.test(msg)) return { ok: false, kind: 'future', error: 'required revision is a future revision' };
      const d = describeError(e);
      return { ok: false, kind: d.code === 'ERROR' ? 'error' : 'unavailable', error: d.error };
    }
  }

  // ---- guided operations: each takes its own deadline (a defrag or a promote retry is not a poll)

  private within(timeoutMs: number) {
    return { deadline: Date.now() + timeoutMs };
  }

  /** Adds a member (as a learner when asked); returns its hex ID. */
  async memberAdd(peerURLs: string[], isLearner: boolean, timeoutMs: number): Promise<string> {
    const res = await this.etcd.cluster.memberAdd({ peerURLs, isLearner }, this.within(timeoutMs));
    return toHexId(res.member.ID);
  }

  async memberRemove(hexId: string, timeoutMs: number): Promise<void> {
    await this.etcd.cluster.memberRemove({ ID: fromHexId(hexId) }, this.within(timeoutMs));
  }

  async memberPromote(hexId: string, timeoutMs: number): Promise<void> {
    await this.etcd.cluster.memberPromote({ ID: fromHexId(hexId) }, this.within(timeoutMs));
  }

  /** Defragments this member's backend; it answers nothing else meanwhile. */
  async defragment(timeoutMs: number): Promise<void> {
    await this.etcd.maintenance.defragment(this.within(timeoutMs));
  }

  /** Works only when this client talks to the current leader. */
  async moveLeader(targetHexId: string, timeoutMs: number): Promise<void> {
    await this.etcd.maintenance.moveLeader({ targetID: fromHexId(targetHexId) }, this.within(timeoutMs));
  }

  async alarmDisarm(memberHexId: string, alarm: 'NOSPACE' | 'CORRUPT', timeoutMs: number): Promise<void> {
    await this.etcd.maintenance.alarm(
      { action: 'Deactivate', memberID: fromHexId(memberHexId), alarm: alarm === 'CORRUPT' ? 'Corrupt' : 'Nospace' },
      this.within(timeoutMs),
    );
  }

  /** Compacts the keyspace history up to `revision`, waiting until it is applied on disk. */
  async compact(revision: number, timeoutMs: number): Promise<void> {
    await this.etcd.kv.compact({ revision, physical: true }, this.within(timeoutMs));
  }

  /**
   * Keys live at `revision`, the `count` of `etcdctl get / --prefix --keys-only --rev=N -w json` over all keys: a
   * count-only range over the whole keyspace, so no key or value travels.
   */
  async countKeys(revision: number, timeoutMs: number): Promise<number> {
    return this.etcd.getAll().revision(revision).options(this.within(timeoutMs)).count();
  }

  /** This member's status with a caller's deadline; throws on failure. */
  async status(timeoutMs: number): Promise<MemberStatus> {
    return mapStatus(await this.etcd.maintenance.status(this.within(timeoutMs)));
  }

  /**
   * The snapshot stream: the bbolt file then a 32-byte SHA-256 trailer, as chunks. The first
   * chunk's `remaining_bytes` plus its length is the db's size, so a caller can send a length.
   */
  async snapshot(): Promise<AsyncIterable<{ blob: Buffer; remaining_bytes: string | number }> & { destroy(e?: Error): void }> {
    return (await this.etcd.maintenance.snapshot()) as never;
  }

  // ---- keyspace scans (lib/capacity/live-scan.ts): reads served by this member alone

  /**
   * One page of a range: a serializable read (this member answers from its own store, no round
   * trip through the leader) at `revision` (0: its newest), in key order. Values are reduced to
   * their sizes here, so a page's values live only as long as the gRPC reply.
   */
  async rangePage(req: RangePageRequest, timeoutMs: number): Promise<RangePage> {
    const res = await this.etcd.kv.range(
      {
        key: req.key,
        range_end: req.rangeEnd,
        revision: req.revision,
        limit: req.limit,
        serializable: true,
        keys_only: req.keysOnly ?? false,
        count_only: req.countOnly ?? false,
      },
      this.within(timeoutMs),
    );
    return {
      revision: Number(res.header.revision),
      count: Number(res.count),
      more: Boolean(res.more),
      kvs: (res.kvs ?? []).map((kv) => ({
        key: kv.key,
        valueSize: kv.value?.length ?? 0,
        createRevision: Number(kv.create_revision),
        modRevision: Number(kv.mod_revision),
        version: Number(kv.version),
        lease: kv.lease && kv.lease !== '0' ? toHexLeaseId(kv.lease) : '0',
      })),
    };
  }

  /** Every lease this member knows (LeaseLeases), as `etcdctl lease list` prints them (16 hex digits). */
  async leaseIds(timeoutMs: number): Promise<string[]> {
    const res = await this.etcd.leaseClient.leaseLeases(this.within(timeoutMs));
    return (res.leases ?? []).map((l) => toHexLeaseId(l.ID));
  }

  /** A lease's granted and remaining TTL in seconds (LeaseTimeToLive, answered by the leader); null once it has expired. */
  async leaseTimeToLive(hexId: string, timeoutMs: number): Promise<{ ttl: number; grantedTtl: number } | null> {
    const res = await this.etcd.leaseClient.leaseTimeToLive({ ID: fromHexId(hexId), keys: false }, this.within(timeoutMs));
    const ttl = Number(res.TTL);
    return ttl < 0 ? null : { ttl, grantedTtl: Number(res.grantedTTL) };
  }

  close(): void {
    this.etcd.close();
  }
}

function mapStatus(s: Awaited<ReturnType<Etcd3['maintenance']['status']>>): MemberStatus {
  return {
    memberId: toHexId(s.header.member_id),
    clusterId: toHexId(s.header.cluster_id),
    leader: toHexId(s.leader),
    version: s.version,
    revision: Number(s.header.revision),
    raftTerm: Number(s.raftTerm),
    raftIndex: Number(s.raftIndex),
    raftAppliedIndex: Number(s.raftAppliedIndex),
    dbSize: Number(s.dbSize),
    dbSizeInUse: Number(s.dbSizeInUse),
    errors: s.errors ?? [],
    isLearner: Boolean(s.isLearner),
  };
}

/**
 * TLS is chosen by credentials, not the URL scheme. An https endpoint without a configured CA
 * trusts the system roots, as etcdctl does.
 */
function credentialsFor(endpoint: string, tls: TlsMaterial | undefined) {
  if (!tls && !endpoint.startsWith('https:')) return undefined;
  return {
    rootCertificate: tls?.ca ?? Buffer.from(rootCertificates.join('\n')),
    privateKey: tls?.key,
    certChain: tls?.cert,
  };
}

/** A short, secret-free reason a person can act on. */
export function describeError(e: unknown): { code: ProbeErrorCode; error: string } {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof GRPCDeadlineExceededError || /deadline exceeded/i.test(msg)) {
    return { code: 'TIMEOUT', error: 'timed out (member hung or overloaded)' };
  }
  if (/certificate|handshake|SSL|TLS|wrong version number/i.test(msg)) {
    return { code: 'TLS', error: `TLS failure: ${firstLine(msg)}` };
  }
  if (e instanceof GRPCUnavailableError || /unavailable|ECONNREFUSED|No connection established/i.test(msg)) {
    return { code: 'UNAVAILABLE', error: /ECONNREFUSED|connection refused/i.test(msg) ? 'connection refused' : `unavailable: ${firstLine(msg)}` };
  }
  return { code: 'ERROR', error: firstLine(msg) };
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/^\d+ [A-Z_]+: /, '').slice(0, 200);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
