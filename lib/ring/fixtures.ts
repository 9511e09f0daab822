import type { MemberListEntry, MemberProbe, MemberStatus, PollResult } from '../etcd/types';

/** Builders for unit tests of the ring model: real-shaped etcd answers, no etcd needed. */
export const ids = { m1: '8e9e05c52164694d', m2: '91bc3c398fb3c146', m3: 'fd422379fda50e48' };

export function listEntry(name: keyof typeof ids, extra: Partial<MemberListEntry> = {}): MemberListEntry {
  const n = name.slice(1);
  return {
    id: ids[name],
    name,
    peerURLs: [`http://127.0.0.1:2${n}80`],
    clientURLs: [`http://127.0.0.1:2${n}79`],
    isLearner: false,
    ...extra,
  };
}

export function okProbe(name: keyof typeof ids, leader: string, extra: Partial<MemberStatus> = {}): MemberProbe {
  const n = name.slice(1);
  return {
    endpoint: `http://127.0.0.1:2${n}79`,
    ok: true,
    latencyMs: 1.5,
    status: {
      memberId: ids[name],
      clusterId: 'cdf818194e3a8c32',
      leader,
      version: '3.4.23',
      revision: 42,
      raftTerm: 2,
      raftIndex: 100,
      raftAppliedIndex: 100,
      dbSize: 20480,
      dbSizeInUse: 16384,
      errors: [],
      isLearner: false,
      ...extra,
    },
  };
}

export function downProbe(name: keyof typeof ids, error = 'connection refused'): MemberProbe {
  const n = name.slice(1);
  return { endpoint: `http://127.0.0.1:2${n}79`, ok: false, code: 'UNAVAILABLE', error, latencyMs: 0.8 };
}

export function poll(seq: number, probes: MemberProbe[], extra: Partial<PollResult> = {}): PollResult {
  return {
    cluster: 'demo',
    seq,
    at: Date.UTC(2026, 10, 22, 3, 0, seq),
    durationMs: 3,
    members: [listEntry('m1'), listEntry('m2'), listEntry('m3')],
    probes,
    alarms: [],
    ...extra,
  };
}
