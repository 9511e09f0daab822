import 'server-only';
import type { ClusterConfig } from '../config/types';
import { RingsideError } from '../errors';
import { formatBytes } from '../model/format';
import type { MemberState, RingState } from '../ring/types';
import type { Principal } from './principal';
import { safeMessage, type OpRequest, type StepHandle } from './runner';
import type { MemberConnection, MonitorView, OpsDeps } from './deps';
import type { Operation } from './types';

/** Deadlines of operation calls: membership changes go through raft; a defrag rewrites the db. */
export const MEMBERSHIP_MS = 10_000;
export const DEFRAG_MS = 10 * 60_000;
export const SETTLE_MS = 30_000;
export const REPLACEMENT_ACTIONS = ['member-remove', 'member-add', 'member-promote'];
export const SNAPSHOT_ACTIONS = ['snapshot-download', 'snapshot-backup'];

export type Started = { operation: Operation; done: Promise<Operation> };
export const label = (m: { name: string; id: string }) => m.name || m.id;
/** Long enough for etcd's election (1 s timeout, randomised) to finish a few times over. */
const ELECTION_WAIT_MS = 5_000;

/** Most voters answer, yet none leads: an election is under way. */
export function electing(ring: RingState): boolean {
  const voters = ring.members.filter((m) => !m.isLearner);
  return ring.leader === null && voters.filter((m) => m.reachable).length >= ring.quorum.needed;
}

export function usesTls(cluster: ClusterConfig): boolean {
  return Boolean(cluster.tls) || cluster.endpoints.some((e) => e.startsWith('https:'));
}

export function leaderOf(ring: RingState): MemberState {
  const leader = ring.members.find((m) => m.isLeader && m.endpoint);
  if (!leader) throw new RingsideError('UNAVAILABLE', 'the ring has no reachable leader right now');
  return leader;
}

export function memberArg(ring: RingState, id: string, field = 'memberId'): MemberState {
  const m = ring.members.find((x) => x.id === id);
  if (!m) throw new RingsideError('NOT_FOUND', `${field}: no member ${id} in ${ring.cluster}`, field);
  return m;
}

export function confirmArg(given: string, expected: string, what: string) {
  if (given !== expected) throw new RingsideError('INVALID', `confirm: type ${what} ("${expected}") to confirm`, 'confirm');
}

/** `http://10.0.0.3:2380/` as etcd lists it: scheme, host and port. */
export function normalizeURL(v: string): string {
  const u = new URL(v);
  return `${u.protocol}//${u.host}`;
}

export function req(p: Principal, monitor: MonitorView, action: OpRequest['action'], params: Record<string, unknown>, member?: MemberState | { id: string; name: string }): OpRequest {
  return { principal: p, cluster: monitor.cluster.name, action, params, ...(member ? { member: { id: member.id, name: member.name } } : {}) };
}

export const mb = formatBytes;

/**
 * What every guided operation stands on, with its parts handed in (lib/ops/deps.ts): a fresh
 * look at the ring before each decision, waiting for a condition with a bound, a member
 * connection for a few calls, and etcd's brief "unhealthy cluster" window waited out.
 */
export abstract class RingAccess {
  constructor(protected readonly deps: OpsDeps) {}

  /**
   * A fresh poll: every decision is made on what the members say now, not a second ago. When a
   * majority of voters answers but none leads yet (an election under way, e.g. just after the
   * leader died), it waits up to ELECTION_WAIT_MS for the new leader instead of refusing on a
   * ring that is a second from healthy.
   */
  protected async freshRing(monitor: MonitorView): Promise<RingState> {
    const deadline = this.deps.clock.now() + ELECTION_WAIT_MS;
    for (;;) {
      const ring = await monitor.pollNow();
      if (!ring) throw new RingsideError('UNAVAILABLE', `no state of ${monitor.cluster.name} yet`);
      if (!electing(ring) || this.deps.clock.now() >= deadline) return ring;
      await this.deps.clock.sleep(250);
    }
  }

  protected async withClient<T>(monitor: MonitorView, endpoint: string, timeoutMs: number, fn: (c: MemberConnection) => Promise<T>): Promise<T> {
    const client = this.deps.connect(endpoint, monitor.cluster.tls, timeoutMs);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  /** Polls until `pred` holds on a fresh ring state; fails naming `what` after `timeoutMs`. */
  protected async settle(monitor: MonitorView, pred: (r: RingState) => boolean, what: string, timeoutMs = SETTLE_MS): Promise<RingState> {
    const deadline = this.deps.clock.now() + timeoutMs;
    for (;;) {
      const ring = await this.freshRing(monitor);
      if (pred(ring)) return ring;
      if (this.deps.clock.now() > deadline) throw new RingsideError('TIMEOUT', `gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await this.deps.clock.sleep(300);
    }
  }

  /**
   * etcd refuses membership changes ("unhealthy cluster") until every voter has been connected for
   * 5 s, so right after a member (re)started. Our preflight already found the ring healthy, so this
   * is that window: retry briefly, then give etcd's answer.
   */
  protected async retryUnhealthy<T>(s: StepHandle, fn: () => Promise<T>, what: string): Promise<T> {
    const deadline = this.deps.clock.now() + 15_000;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!/unhealthy cluster/.test(safeMessage(e)) || this.deps.clock.now() > deadline) throw new RingsideError('UNSAFE', `etcd refused the ${what}: ${safeMessage(e)}`);
        s.detail('etcd says "unhealthy cluster": a voter (re)connected less than 5 s ago; retrying');
        await this.deps.clock.sleep(1000);
      }
    }
  }
}
