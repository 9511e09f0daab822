import 'server-only';
import { appendFile, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AuditLog } from '../audit/log';
import type { HistorySample } from '../model/series';
import { JsonStateFile } from '../notify/state-file';
import { interruptedOperation } from '../ops/interrupted';
import type { Operation } from '../ops/types';
import { SOLE_LEASE } from './lease';
import type { HistoryLog, Lease, MinuteRow, OperationLocks, RingsideStore, StateCell } from './types';

/**
 * The default store: files in `dataDir`, for one process. The audit log and the state files are
 * today's; operations need no lock beyond the runner's own (one process) but are written down
 * while they run (see FileOperations), the schedule's lease is always held, and sessions stay in
 * memory.
 */
export class FilesStore implements RingsideStore {
  readonly kind = 'files' as const;
  readonly sessions = null;
  readonly signIns = null;
  readonly timeline = null;
  readonly audit: AuditLog;
  readonly locks: FileOperations;
  readonly history: HistoryLog;

  constructor(
    readonly dataDir: string,
    auditFile: string,
    readonly replica: string,
  ) {
    this.audit = new AuditLog(auditFile);
    this.history = new FilesHistory(path.join(dataDir, 'history'));
    this.locks = new FileOperations(this.cell<RunningFile>('operations'), replica, this.audit);
  }

  /** `<dataDir>/<name>.json`, replaced atomically. */
  cell<T>(name: string): StateCell<T> {
    return new JsonStateFile<T>(path.join(this.dataDir, `${name}.json`));
  }

  lease(): Lease {
    return SOLE_LEASE;
  }

  async close(): Promise<void> {
    await this.audit.close();
  }
}

interface RunningFile {
  version: 1;
  replica: string;
  running: Operation[];
}

/** Operations that ended as interrupted at a start, kept to be shown this long. */
const INTERRUPTED_SHOWN = 50;

/**
 * One process needs no lock beyond the runner's own, but an operation cut off by a kill -9 or a
 * crash must not vanish: while one runs it is kept in `<dataDir>/operations.json` (its steps as
 * they change), and the next start finds it there, ends it as interrupted at the step it stood
 * at (in the audit log too, as Ringside itself), and shows it with the cluster's operations,
 * as a replica on PostgreSQL shows another's.
 */
export class FileOperations implements OperationLocks {
  private readonly running = new Map<string, Operation>();
  private interrupted: Operation[] = [];
  private loaded: Promise<void> | null = null;
  onChange: ((op: Operation) => void) | null = null;

  constructor(
    private readonly file: StateCell<RunningFile>,
    private readonly replica: string,
    private readonly audit: AuditLog,
    private readonly log: (line: string) => void = (l) => console.warn(l),
  ) {}

  async acquire(op: Operation): Promise<void> {
    await this.loaded;
    this.running.set(op.id, op);
    // Written before the operation touches the ring: a crash from here on is seen at the next start.
    await this.save();
  }

  update(op: Operation): void {
    if (!this.running.has(op.id)) return;
    void this.save().catch((e: Error) => this.log(`[ringside] cannot keep the running ${op.action} on ${op.cluster} in operations.json: ${e.message}`));
  }

  async release(op: Operation): Promise<void> {
    if (!this.running.delete(op.id)) return;
    await this.save().catch((e: Error) => this.log(`[ringside] cannot clear the ended ${op.action} on ${op.cluster} from operations.json: ${e.message}`));
  }

  others(cluster: string): Operation[] {
    return this.interrupted.filter((o) => o.cluster === cluster);
  }

  /** Reads what a process that stopped without ending its operations left, once. */
  start(): void {
    this.loaded ??= this.recover().catch((e: Error) => this.log(`[ringside] cannot read operations.json (operations cut off before this start are not shown): ${e.message}`));
  }

  /** Resolves once the last start's leftovers are read and recorded. */
  ready(): Promise<void> {
    return this.loaded ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.loaded;
  }

  private async recover(): Promise<void> {
    const { state } = await this.file.load(Date.now());
    const left = state?.version === 1 ? state.running : [];
    if (!left.length) return;
    const at = new Date().toISOString();
    for (const op of left) {
      const ended = interruptedOperation(op, state!.replica, at);
      this.interrupted.unshift(ended);
      await this.audit
        .append({ at, id: op.id, user: op.user, via: 'system', cluster: op.cluster, action: op.action, ...(op.member ? { member: op.member } : {}), result: 'failed', durationMs: Date.parse(at) - Date.parse(op.startedAt), params: op.params, error: ended.error })
        .catch((e: Error) => this.log(`[ringside] cannot audit the interrupted ${op.action} on ${op.cluster}: ${e.message}`));
      this.onChange?.(ended);
    }
    this.interrupted.splice(INTERRUPTED_SHOWN);
    await this.save();
  }

  private save(): Promise<void> {
    return this.file.save({ version: 1, replica: this.replica, running: [...this.running.values()] });
  }
}

const HOUR = 3_600_000;

/**
 * History as JSON lines, one file per cluster and hour: `<dir>/<cluster>/samples-<hour>.jsonl`
 * (every poll, appended in batches) and `minutes-<hour>.jsonl` (a minute's buckets when it
 * closes). Pruning deletes whole hours. A torn last line after a crash is skipped on reading.
 * Cluster names are URL-safe by the config's rule, so they are safe as directory names.
 */
class FilesHistory implements HistoryLog {
  constructor(private readonly dir: string) {}

  appendSamples(cluster: string, samples: readonly HistorySample[]): Promise<void> {
    return this.append(cluster, 'samples', samples.map((s) => [s.at, s]));
  }

  appendMinutes(cluster: string, rows: readonly MinuteRow[]): Promise<void> {
    return this.append(cluster, 'minutes', rows.map((r) => [r.bucket * 60_000, r]));
  }

  async load(cluster: string, samplesFrom: number, minutesFrom: number): Promise<{ samples: HistorySample[]; minutes: MinuteRow[] }> {
    const samples = (await this.read<HistorySample>(cluster, 'samples', samplesFrom)).filter((s) => s.at >= samplesFrom);
    const minutes = (await this.read<MinuteRow>(cluster, 'minutes', minutesFrom * 60_000)).filter((m) => m.bucket >= minutesFrom);
    // Written in batches per hour file: sorted here once, so a late batch cannot reorder the replay.
    samples.sort((a, b) => a.at - b.at);
    minutes.sort((a, b) => a.bucket - b.bucket);
    return { samples, minutes };
  }

  async prune(cluster: string, samplesBefore: number, minutesBefore: number): Promise<void> {
    for (const [kind, before] of [['samples', samplesBefore], ['minutes', minutesBefore * 60_000]] as const) {
      for (const { file, hour } of await this.files(cluster, kind)) {
        if ((hour + 1) * HOUR <= before) await unlink(file).catch(() => undefined);
      }
    }
  }

  private async append(cluster: string, kind: string, items: [number, unknown][]): Promise<void> {
    if (!items.length) return;
    const byHour = new Map<number, string[]>();
    for (const [at, v] of items) {
      const h = Math.floor(at / HOUR);
      const lines = byHour.get(h) ?? [];
      lines.push(`${JSON.stringify(v)}\n`);
      byHour.set(h, lines);
    }
    const dir = path.join(this.dir, cluster);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Each batch starts on a line of its own: after a crash tore the last line, the next batch is
    // not glued to it (the reader skips the blank line this leaves between batches).
    for (const [h, lines] of byHour) await appendFile(path.join(dir, `${kind}-${h}.jsonl`), `\n${lines.join('')}`, { mode: 0o600 });
  }

  private async files(cluster: string, kind: string): Promise<{ file: string; hour: number }[]> {
    const dir = path.join(this.dir, cluster);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const re = new RegExp(`^${kind}-(\\d+)\\.jsonl$`);
    return names.flatMap((n) => {
      const m = re.exec(n);
      return m ? [{ file: path.join(dir, n), hour: Number(m[1]) }] : [];
    });
  }

  private async read<T>(cluster: string, kind: string, from: number): Promise<T[]> {
    const out: T[] = [];
    for (const { file, hour } of await this.files(cluster, kind)) {
      if ((hour + 1) * HOUR <= from) continue;
      const text = await readFile(file, 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          out.push(JSON.parse(line) as T);
        } catch {
          // a torn line from a crash
        }
      }
    }
    return out;
  }
}
