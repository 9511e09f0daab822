import 'server-only';
import type { ClusterConfig } from '../config/types';
import { LogBuffer, type LogQuery } from '../logs/buffer';
import { followFile, type Follower } from '../logs/follow';
import { parseLine } from '../logs/parse';
import type { LogLine } from '../logs/types';
import { auditFromStartLine, type CorruptionAudit } from '../ring/corruption-audit';
import type { RingState } from '../ring/types';

/**
 * Collects a cluster's etcd log lines from its configured files: parses and classifies each
 * line, names its member, keeps a bounded buffer per member, and reads the corruption-check
 * settings each member announces when it starts.
 */
export class LogCollector {
  private readonly buffer = new LogBuffer();
  private readonly followers: Follower[] = [];
  private readonly audits = new Map<string, CorruptionAudit>();
  /** Member a file belongs to, learned from its own "starting an etcd server" line. */
  private readonly fileMember = new Map<string, string>();

  constructor(
    private readonly cluster: ClusterConfig,
    private readonly ring: () => RingState | null,
    private readonly emit: (line: LogLine) => void,
  ) {}

  get sources(): string[] {
    return this.cluster.logs?.files.map((f) => f.path) ?? [];
  }

  start(): void {
    for (const file of this.cluster.logs?.files ?? []) {
      const follower = followFile(file.path, (lines) => lines.forEach((raw) => this.ingest(raw, file.path, file.member)), {
        fromStart: true,
        onError: (e) => console.error(`[ringside] log file ${file.path}: ${e.message}`),
      });
      this.followers.push(follower);
    }
  }

  stop(): void {
    for (const f of this.followers.splice(0)) f.close();
  }

  /** Parses one raw line from `source` and files it under its member. */
  ingest(raw: string, source: string, memberHint?: string): LogLine | null {
    if (raw.trim() === '') return null;
    const line = parseLine(raw, source);
    if (line.message === 'starting an etcd server' && typeof line.fields.name === 'string') {
      this.fileMember.set(source, line.fields.name);
    }
    line.member = memberHint ?? this.fileMember.get(source) ?? this.memberFromFields(line.fields);
    if (line.message === 'starting an etcd server' && line.member) {
      this.audits.set(line.member, auditFromStartLine(line.member, line.fields));
    }
    this.buffer.push(line);
    this.emit(line);
    return line;
  }

  query(q: LogQuery): LogLine[] {
    return this.buffer.query(q);
  }

  /** Each member's corruption-check settings, as its latest startup line announced them. */
  corruptionAudits(): CorruptionAudit[] {
    return [...this.audits.values()].sort((a, b) => a.member.localeCompare(b.member, undefined, { numeric: true }));
  }

  /** zap lines name their member by ID ("local-member-id"); show the name the ring knows. */
  private memberFromFields(fields: Record<string, unknown>): string | null {
    const id = fields['local-member-id'];
    if (typeof id !== 'string') return null;
    const m = this.ring()?.members.find((x) => x.id === id);
    return m?.name || id;
  }
}
