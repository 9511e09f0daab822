import 'server-only';
import type { TlsMaterial } from '../config/types';
import type { MonitorMessage } from '../monitor/cluster-monitor';
import { systemClock, type MonitorClock } from '../monitor/clock';
import type { RingEvent, RingState } from '../ring/types';
import { readClusterCertificates, targetsOf, type ClusterCertificates } from './inventory';

/** What the watcher needs of a cluster's monitor. */
export interface CertificateSubject {
  readonly cluster: { name: string; tls?: TlsMaterial };
  readonly ring: RingState | null;
  subscribe(fn: (msg: MonitorMessage) => void): () => void;
  setCertificates(read: ClusterCertificates): void;
}

export interface WatcherSettings {
  /** certificates.checkIntervalMinutes, in ms. */
  checkIntervalMs: number;
  /** One TLS handshake's bound. */
  timeoutMs: number;
}

export interface WatcherParts {
  clock?: MonitorClock;
  read?: typeof readClusterCertificates;
}

/**
 * A member that comes back may present a renewed certificate (renewing means restarting members
 * one at a time), and a new member has certificates of its own: read again then rather than up
 * to an interval later.
 */
const READ_AGAIN_ON: ReadonlySet<RingEvent['kind']> = new Set(['member-up', 'member-added', 'member-removed', 'member-promoted']);

interface Watch {
  subject: CertificateSubject;
  timer: unknown;
  inflight: Promise<void> | null;
  /** Something changed while a read ran: that read could not see it. */
  again: boolean;
  read: boolean;
  unsubscribe: () => void;
}

/**
 * Reads every cluster's certificates (lib/certs/inventory: one TLS handshake per member endpoint,
 * nothing sent to etcd) once its first poll has found the members, then every `checkIntervalMs`,
 * and again when membership changes or a member comes back; hands each read to the cluster's
 * monitor, whose alert rules judge it on every poll. One per server process, built by lib/root.ts.
 */
export class CertificateWatcher {
  private readonly watches: Watch[] = [];
  private readonly clock: MonitorClock;
  private readonly read: typeof readClusterCertificates;
  private running = false;

  constructor(
    subjects: Iterable<CertificateSubject>,
    private readonly settings: WatcherSettings,
    parts: WatcherParts = {},
  ) {
    this.clock = parts.clock ?? systemClock;
    this.read = parts.read ?? readClusterCertificates;
    for (const subject of subjects) this.watches.push({ subject, timer: null, inflight: null, again: false, read: false, unsubscribe: () => {} });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const w of this.watches) {
      w.unsubscribe = w.subject.subscribe((msg) => {
        if (msg.type === 'ring' && !w.read && !w.inflight) void this.readNow(w);
        else if (msg.type === 'ring-event' && READ_AGAIN_ON.has(msg.event.kind) && w.read) void this.readNow(w);
      });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.watches) {
      w.unsubscribe();
      this.clock.clearTimeout(w.timer);
      w.timer = null;
    }
    await Promise.all(this.watches.map((w) => w.inflight));
  }

  /** Reads one cluster now (or once more after the read under way); resolves when its read is handed over. */
  check(cluster: string): Promise<void> {
    const w = this.watches.find((x) => x.subject.cluster.name === cluster);
    return w ? this.readNow(w) : Promise.resolve();
  }

  private readNow(w: Watch): Promise<void> {
    if (w.inflight) {
      w.again = true;
      return w.inflight;
    }
    w.inflight = this.readOnce(w).finally(() => {
      w.inflight = null;
      if (w.again && this.running) {
        w.again = false;
        void this.readNow(w);
      }
    });
    return w.inflight;
  }

  private async readOnce(w: Watch): Promise<void> {
    const ring = w.subject.ring;
    if (!ring || !this.running) return;
    this.clock.clearTimeout(w.timer);
    try {
      const read = await this.read({ cluster: w.subject.cluster.name, tls: w.subject.cluster.tls, members: targetsOf(ring), timeoutMs: this.settings.timeoutMs, now: this.clock.now() });
      if (!this.running) return;
      w.subject.setCertificates(read);
      w.read = true;
    } catch (e) {
      // readClusterCertificates reports per member and never throws: this is a bug, not a member.
      console.error(`[ringside] reading the certificates of ${w.subject.cluster.name} failed:`, e instanceof Error ? e.message : e);
    }
    if (this.running) w.timer = this.clock.setTimeout(() => void this.readNow(w), this.settings.checkIntervalMs);
  }
}
