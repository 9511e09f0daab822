// Whom etcd's corruption checks raise the CORRUPT alarm on, read in server/etcdserver/corrupt.go
// (etcdserver/corrupt.go on 3.4) at each release tag (github.com/etcd-io/etcd).

export interface AlarmAtTag {
  tag: string;
  /** The leader's periodic check (--experimental-corrupt-check-time / --corrupt-check-time). */
  periodic: 'checked-member' | 'member-0';
  /** The leader's compaction hash check (3.5.5+); null where it does not exist. */
  compactHash: 'checked-member' | 'member-0' | 'quorum-minority' | null;
  /** The lines that decide it. */
  evidence: string;
}

export const CORRUPT_ALARM_AT: AlarmAtTag[] = [
  { tag: 'v3.4.20', periodic: 'checked-member', compactHash: null, evidence: 'mismatch := func(id uint64) { ... MemberID: id }; mismatch(id) with id := p.resp.Header.MemberId (lines 205-261)' },
  { tag: 'v3.4.22', periodic: 'checked-member', compactHash: null, evidence: 'MemberID: uint64(id); mismatch(p.id) (lines 205-263)' },
  // "Fix Remove memberID from data corrupt alarm" (CHANGELOG-3.4.md, v3.4.23; etcd PR 14853).
  { tag: 'v3.4.23', periodic: 'member-0', compactHash: null, evidence: '"intentionally set the memberID as 0 ... identify the corrupted members using quorum in 3.6" MemberID: 0 (lines 205-218)' },
  { tag: 'v3.5.4', periodic: 'checked-member', compactHash: null, evidence: 'MemberID: id (line 179)' },
  { tag: 'v3.5.5', periodic: 'checked-member', compactHash: 'checked-member', evidence: 'cm.hasher.TriggerCorruptAlarm(id) (line 197); TriggerCorruptAlarm(p.id) (line 279)' },
  // etcd commit ba122c9d5 "intentionally set the memberID as 0 in corruption alarm", first in v3.5.7.
  { tag: 'v3.5.33', periodic: 'member-0', compactHash: 'member-0', evidence: 'cm.hasher.TriggerCorruptAlarm(types.ID(0)) (lines 213, 299)' },
  { tag: 'v3.6.0', periodic: 'checked-member', compactHash: 'quorum-minority', evidence: 'mismatch(id) -> TriggerCorruptAlarm(id) (line 204); TriggerCorruptAlarm(0) without quorum (366), TriggerCorruptAlarm(pid) for the minority (374)' },
  { tag: 'v3.6.14', periodic: 'checked-member', compactHash: 'quorum-minority', evidence: 'same as v3.6.0: lines 204, 366, 374' },
];
