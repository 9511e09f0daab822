import 'server-only';
import type { ClusterConfig } from '../config/types';
import { LogBuffer, type LogQuery } from '../logs/buffer';
import { followFile, type Follower } from '../logs/follow';
import { parseLine } from '../logs/parse';
import { CheckRounds } from '../logs/rounds';
import type { LogLine } from '../logs/types';
import { corruptCheckFlags, EtcdPods, loadKubeConfig, mapPodToMember, parseEtcdFlags, type EtcdPod, type LogFollow } from '../k8s/etcd-pods';
import type { ParsedFlag } from '../model/etcd-versions';
import { attributeFinding } from '../model/check-evidence';
import type { VersionRefusal } from '../ring/advisories';
import { auditFromFlags, auditFromStartLine, type CorruptionAudit } from '../ring/corruption-audit';
import type { RingState } from '../ring/types';

/** A version line at these levels is a member refusing to start (the others say the cluster version moved). */
const REFUSAL_LEVELS = new Set(['fatal', 'panic', 'error']);

/** "it runs 3.5.33, the ring 3.6" from the refusal's fields (membership/downgrade.go), or 3.6's schema error. */
function refusalDetail(fields: Record<string, unknown>): string | null {
  const own = fields['current-server-version'];
  const ring = fields['determined-cluster-version'] ?? fields['target-cluster-version'];
  if (typeof own === 'string' && typeof ring === 'string') return `it runs ${own}, the ring ${ring}`;
  return typeof fields.error === 'string' ? fields.error.slice(0, 200) : null;
}

/** How often etcd pods are listed again, to follow new or replaced pods. */
const POD_LIST_MS = 15_000;

/** An etcd pod as the log panel reports it: phase and restarts next to the member it runs. */
export interface PodState extends Omit<EtcdPod, 'command'> {
  member: string | null;
}

/**
 * Collects a cluster's etcd log lines from its configured files and Kubernetes pods: parses and
 * classifies each line, names its member, keeps a bounded buffer per member, and reads the
 * corruption-check settings each member announces (startup line) or runs with (pod command).
 */
export class LogCollector {
  private readonly buffer = new LogBuffer();
  private readonly followers: Follower[] = [];
  private readonly audits = new Map<string, CorruptionAudit>();
  /** Each member's latest refusal to start over versions; derive shows it while the member stays down. */
  private readonly refusals = new Map<string, VersionRefusal>();
  /** Member a file belongs to, learned from its own "starting an etcd server" line. */
  private readonly fileMember = new Map<string, string>();
  private readonly podFollows = new Map<string, LogFollow>();
  private pods: EtcdPod[] = [];
  private podError: string | null = null;
  private podTimer: NodeJS.Timeout | null = null;
  private kube: EtcdPods | null = null;
  private readonly rounds = new CheckRounds();
  private seq = 0;

  constructor(
    private readonly cluster: ClusterConfig,
    private readonly ring: () => RingState | null,
    private readonly emit: (line: LogLine) => void,
  ) {}

  get sources(): string[] {
    const k = this.cluster.logs?.kubernetes;
    return [...(this.cluster.logs?.files.map((f) => f.path) ?? []), ...(k ? [`kubernetes: ${k.namespace}/${k.labelSelector}`] : [])];
  }

  /** etcd pods and the last error listing them, when a Kubernetes source is configured. */
  podStatus(): { pods: PodState[]; error: string | null } {
    // Members are named at read time: pods are often listed before the first poll knows the ring.
    const pods = this.pods.map((pod): PodState => {
      const { command, ...rest } = pod;
      void command; // the flags are reported through corruptionAudits()
      return { ...rest, member: this.memberOfPod(pod) };
    });
    return { pods, error: this.podError };
  }

  start(): void {
    for (const file of this.cluster.logs?.files ?? []) {
      const follower = followFile(file.path, (lines) => lines.forEach((raw) => this.ingest(raw, file.path, file.member)), {
        // The end of each file, not all of it: production logs run to gigabytes.
        backlogBytes: this.cluster.logs?.backlogBytes ?? 0,
        onError: (e) => console.error(`[ringside] log file ${file.path}: ${e.message}`),
      });
      this.followers.push(follower);
    }
    const k = this.cluster.logs?.kubernetes;
    if (k) {
      try {
        this.kube = new EtcdPods(loadKubeConfig(k), { namespace: k.namespace, labelSelector: k.labelSelector });
        void this.syncPods();
      } catch (e) {
        this.podError = e instanceof Error ? e.message : String(e);
      }
    }
  }

  stop(): void {
    for (const f of this.followers.splice(0)) f.close();
    for (const f of this.podFollows.values()) f.close();
    this.podFollows.clear();
    if (this.podTimer) clearTimeout(this.podTimer);
    this.podTimer = null;
    this.kube = null;
  }

  /** Lists etcd pods, follows the ones not followed yet, audits their flags; again every POD_LIST_MS. */
  private async syncPods(): Promise<void> {
    const kube = this.kube;
    if (!kube) return;
    try {
      const pods = await kube.list();
      this.podError = null;
      this.pods = pods;
      for (const pod of pods) {
        if (this.podFollows.has(pod.name) || !this.kube) continue;
        const source = `pod/${pod.namespace}/${pod.name}`;
        this.podFollows.set(
          pod.name,
          kube.follow(pod.name, (lines) => lines.forEach((l) => this.ingest(l.text, source, this.memberOfPod(pod) ?? undefined)), {
            onError: (message) => console.error(`[ringside] ${source}: ${message}`),
          }),
        );
      }
      for (const [name, follow] of this.podFollows) {
        if (!pods.some((p) => p.name === name)) {
          follow.close();
          this.podFollows.delete(name);
        }
      }
    } catch (e) {
      this.podError = e instanceof Error ? e.message : String(e);
    }
    if (this.kube) this.podTimer = setTimeout(() => void this.syncPods(), POD_LIST_MS);
  }

  /** The member a pod runs, by its IP or name in the ring's member list; null while unknown. */
  private memberOfPod(pod: Pick<EtcdPod, 'name' | 'ip' | 'hostIP'>): string | null {
    const members = this.ring()?.members ?? [];
    const id = mapPodToMember(pod, members);
    return members.find((m) => m.id === id)?.name || id;
  }

  /** Parses one raw line from `source` and files it under its member. */
  ingest(raw: string, source: string, memberHint?: string): LogLine | null {
    if (raw.trim() === '') return null;
    const parsed = parseLine(raw, source);
    if (parsed.message === 'starting an etcd server' && typeof parsed.fields.name === 'string') {
      this.fileMember.set(source, parsed.fields.name);
    }
    parsed.member = memberHint ?? this.fileMember.get(source) ?? this.memberFromFields(parsed.fields);
    const judged = this.rounds.judge(parsed);
    // Which member a check line is about, and whether Ringside knows it is down right now: a
    // hash request to a member that is down is a consequence of that outage.
    const check = judged.check?.peer ? attributeFinding(judged.check, this.ring()) : judged.check;
    const line = { ...judged, check, seq: ++this.seq };
    if (line.message === 'starting an etcd server' && line.member) {
      this.audits.set(line.member, auditFromStartLine(line.member, line.fields));
    }
    if (line.member && line.category === 'version' && REFUSAL_LEVELS.has(line.level)) {
      this.refusals.set(line.member, { member: line.member, at: line.at, message: line.message, detail: refusalDetail(line.fields) });
    }
    this.buffer.push(line);
    this.emit(line);
    return line;
  }

  versionRefusals(): VersionRefusal[] {
    return [...this.refusals.values()];
  }

  query(q: LogQuery): LogLine[] {
    return this.buffer.query(q);
  }

  /**
   * Each member's corruption-check settings: from its pod's command when it runs on Kubernetes
   * (what it will run with after a restart too), else as its latest startup line announced them.
   */
  corruptionAudits(): CorruptionAudit[] {
    const audits = new Map(this.audits);
    const members = this.ring()?.members ?? [];
    for (const pod of this.pods) {
      const member = this.memberOfPod(pod) ?? pod.name;
      // Each pod judged for its own member's version: mid-upgrade, members differ.
      const id = mapPodToMember(pod, members);
      const version = members.find((m) => m.id === id)?.version ?? this.audits.get(member)?.version ?? null;
      audits.set(member, auditFromFlags(member, corruptCheckFlags(pod.command), version));
    }
    return [...audits.values()].sort((a, b) => a.member.localeCompare(b.member, undefined, { numeric: true }));
  }

  /** Each member's etcd flags from its pod's command, by member ID (Kubernetes sources only). */
  podFlags(): Map<string, ParsedFlag[]> {
    const members = this.ring()?.members ?? [];
    const out = new Map<string, ParsedFlag[]>();
    for (const pod of this.pods) {
      const id = mapPodToMember(pod, members);
      if (id) out.set(id, parseEtcdFlags(pod.command));
    }
    return out;
  }

  /** zap lines name their member by ID ("local-member-id"); show the name the ring knows. */
  private memberFromFields(fields: Record<string, unknown>): string | null {
    const id = fields['local-member-id'];
    if (typeof id !== 'string') return null;
    const m = this.ring()?.members.find((x) => x.id === id);
    return m?.name || id;
  }
}
