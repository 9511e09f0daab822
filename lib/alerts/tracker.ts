import type { RingEvent } from '../ring/types';
import { forMsOf, RULES, type AlertCondition, type AlertRuleName, type AlertSeverity, type AlertSubject } from './rules';

/** An alert as the API and the UI show it. */
export interface Alert extends AlertSubject {
  /** `${cluster}/${rule}/${subject}`: stable while the condition holds. */
  id: string;
  cluster: string;
  rule: AlertRuleName;
  origin: 'etcd-mixin' | 'ringside';
  severity: AlertSeverity;
  /** pending: the condition holds but not yet for `forMs`; firing: it has. */
  state: 'pending' | 'firing';
  value: number | null;
  message: string;
  /** The rule's condition, what it means, and the safe next step. */
  when: string;
  summary: string;
  action: string;
  /** ISO time the condition started to hold. */
  activeSince: string;
  /** ISO time it started firing, null while pending. */
  firingSince: string | null;
  forMs: number;
  /**
   * From the state saved before a restart and not yet seen again since: the condition may have
   * ended while the process was down (a crash between the end and the save).
   */
  restored?: true;
}

export interface AlertChange {
  change: 'firing' | 'resolved';
  alert: Alert;
  /** ISO time of the change. */
  at: string;
}

export interface AlertSettings {
  pollIntervalMs: number;
  /** How often the rules' scraped figures change (the cluster's /metrics scrape period). */
  metricsIntervalMs?: number;
  /** Per-rule overrides from the config. */
  overrides?: Partial<Record<AlertRuleName, { forMs?: number; disabled?: boolean }>>;
}

/**
 * Turns the conditions of each evaluation into pending, firing and resolved alerts, as Prometheus
 * does with `for`: a condition must hold on every evaluation for `forMs` before it fires, and an
 * alert resolves at the first evaluation where it no longer holds. Time comes from the caller,
 * so tests run on a fake clock.
 */
export class AlertTracker {
  private readonly active = new Map<string, Alert>();
  /** Alerts restored after a restart and not yet seen again, with when they must be seen by. */
  private readonly restored = new Map<string, number>();

  constructor(
    readonly cluster: string,
    private readonly settings: AlertSettings,
  ) {}

  forMs(rule: AlertRuleName): number {
    return this.settings.overrides?.[rule]?.forMs ?? forMsOf(rule, this.settings.pollIntervalMs, this.settings.metricsIntervalMs);
  }

  update(conditions: readonly AlertCondition[], now: number): AlertChange[] {
    const at = new Date(now).toISOString();
    const changes: AlertChange[] = [];
    const seen = new Set<string>();
    for (const c of conditions) {
      if (this.settings.overrides?.[c.rule]?.disabled) continue;
      const id = `${this.cluster}/${c.key}`;
      seen.add(id);
      const before = this.active.get(id);
      const forMs = this.forMs(c.rule);
      const activeSince = before?.activeSince ?? at;
      const due = now - Date.parse(activeSince) >= forMs;
      const state = before?.state === 'firing' || due ? 'firing' : 'pending';
      const { origin, when, summary, action } = RULES[c.rule];
      const alert: Alert = {
        id,
        cluster: this.cluster,
        rule: c.rule,
        origin,
        severity: c.severity,
        state,
        ...(c.memberId ? { memberId: c.memberId, memberName: c.memberName } : {}),
        ...(c.peerId ? { peerId: c.peerId, peerName: c.peerName } : {}),
        ...(c.labels ? { labels: c.labels } : {}),
        value: c.value,
        message: c.message,
        when,
        summary,
        action,
        activeSince,
        firingSince: before?.firingSince ?? (state === 'firing' ? at : null),
        forMs,
      };
      this.active.set(id, alert);
      if (state === 'firing' && before?.state !== 'firing') changes.push({ change: 'firing', alert, at });
    }
    for (const [id, alert] of this.active) {
      if (seen.has(id)) {
        this.restored.delete(id);
        continue;
      }
      // A restored alert is given time to be seen again: right after a restart some conditions
      // (HashKV, the metrics) are not evaluated yet, and the alert never stopped.
      const until = this.restored.get(id);
      if (until !== undefined && now < until) continue;
      this.restored.delete(id);
      this.active.delete(id);
      if (alert.state === 'firing') changes.push({ change: 'resolved', alert, at });
    }
    return changes;
  }

  /**
   * The state from before a restart: each alert keeps its `activeSince` and `firingSince`. One not
   * seen again within `settleMs` resolves then.
   */
  restore(alerts: readonly Alert[], now: number, settleMs: number): void {
    for (const saved of alerts) {
      if (saved.cluster !== this.cluster || this.active.has(saved.id)) continue;
      const a = { ...saved };
      delete a.restored;
      this.active.set(a.id, a);
      this.restored.set(a.id, now + settleMs);
    }
  }

  /** Pending and firing alerts, most severe and oldest first. */
  list(): Alert[] {
    return [...this.active.values()].map((a) => (this.restored.has(a.id) ? { ...a, restored: true as const } : a)).sort(compareAlerts);
  }

  firing(): Alert[] {
    return this.list().filter((a) => a.state === 'firing');
  }
}

const severityRank: Record<AlertSeverity, number> = { critical: 0, warning: 1 };

export function compareAlerts(a: Alert, b: Alert): number {
  return (
    (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) ||
    severityRank[a.severity] - severityRank[b.severity] ||
    a.activeSince.localeCompare(b.activeSince) ||
    a.id.localeCompare(b.id)
  );
}

/** An alert that fired or resolved, as an event for the feed and the timeline. */
export function alertEvent(c: AlertChange, id: string): RingEvent {
  const firing = c.change === 'firing';
  return {
    id,
    cluster: c.alert.cluster,
    at: c.at,
    kind: firing ? 'alert-firing' : 'alert-resolved',
    severity: firing ? c.alert.severity : 'good',
    ...(c.alert.memberId ? { memberId: c.alert.memberId, memberName: c.alert.memberName } : {}),
    rule: c.alert.rule,
    message: `${c.alert.rule} ${firing ? 'firing' : 'resolved'}: ${c.alert.message}`,
  };
}
