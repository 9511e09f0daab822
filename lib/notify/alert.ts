import { createHash } from 'node:crypto';
import type { AlertSeverity } from '../alerts/rules';

/**
 * An alert as delivery sees it: labels that identify it downstream, annotations that tell the
 * person paged what it is and what to do, and the links back. Pure.
 */

/**
 * What delivery needs of an alert. The tracker's `Alert` (lib/alerts/tracker.ts) has this shape;
 * so can alerts of other producers (stale backups, failed drills), whose `rule` need not be one of
 * lib/alerts' rule names.
 */
export interface AlertLike {
  /** The producer's stable id: `${cluster}/${rule}/${subject}` for the tracker. */
  id: string;
  cluster: string;
  rule: string;
  severity: AlertSeverity;
  state: 'pending' | 'firing';
  memberId?: string;
  memberName?: string;
  peerId?: string;
  peerName?: string;
  /** Labels that tell instances of one rule apart beyond the member and peer (a certificate's role). */
  labels?: Labels;
  /** This instance in one line. */
  message: string;
  /** What the rule means, its condition and the safe next step. */
  summary: string;
  when: string;
  action: string;
  /** ISO time the condition started to hold. */
  activeSince: string;
  /** Carried over from before a restart and not seen again yet (the tracker's `restored`). */
  restored?: true;
}

export type Labels = Record<string, string>;

/** The words of an alert; links are added when it is sent (the window ends when it resolves). */
export interface AlertText {
  summary: string;
  description: string;
  action: string;
}

export interface Annotations extends AlertText {
  cluster_url: string;
  timeline_url: string;
}

/** One alert as it leaves Ringside, whatever the format. */
export interface Notification {
  /** Hash of the labels: the alert's identity downstream (Alertmanager's own identity is its labels). */
  fingerprint: string;
  labels: Labels;
  annotations: Annotations;
  startsAt: string;
  /** Set once resolved. */
  endsAt: string | null;
  /** The timeline permalink of the incident window. */
  generatorURL: string;
}

/**
 * Alertmanager's identity of an alert is its label set, so the labels hold exactly what tells two
 * alerts apart: the rule, the cluster, the severity (a rule that turns critical is a new alert and
 * the warning one resolves, as with two Prometheus rules), the member and peer by name (for
 * people and routing) and by ID (names can repeat or be empty; IDs cannot), and what else the
 * producer says tells its instances apart (`labels`).
 */
export function labelsOf(a: AlertLike): Labels {
  return {
    // First, so that no producer's extra label can stand in for one of Ringside's own.
    ...a.labels,
    alertname: a.rule,
    cluster: a.cluster,
    severity: a.severity,
    source: 'ringside',
    ...(a.memberId ? { member: a.memberName || a.memberId, member_id: a.memberId } : {}),
    ...(a.peerId ? { peer: a.peerName || a.peerId, peer_id: a.peerId } : {}),
  };
}

/** 16 hex digits of SHA-256 over the sorted labels: stable across restarts and processes. */
export function fingerprintOf(labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex').slice(0, 16);
}

export function textOf(a: AlertLike): AlertText {
  return { summary: a.message, description: `${a.summary} Fires when ${a.when}.`, action: a.action };
}

/** The timeline shows this much before an incident and after it ends. */
const WINDOW_MARGIN_MS = 5 * 60_000;

/**
 * The cluster page, and the timeline of the incident: from a little before it started to a
 * little after it ended; while it fires the window is left open, so the link shows up to the
 * moment it is opened. Without a cluster (a test alert), Ringside's front page and every cluster.
 */
export function linksOf(externalURL: string, cluster: string | undefined, startsAt: string, endsAt: string | null): { clusterURL: string; timelineURL: string } {
  const base = externalURL.replace(/\/+$/, '');
  const q = new URLSearchParams(cluster ? { cluster } : {});
  q.set('from', new Date(Date.parse(startsAt) - WINDOW_MARGIN_MS).toISOString());
  if (endsAt) q.set('to', new Date(Date.parse(endsAt) + WINDOW_MARGIN_MS).toISOString());
  return { clusterURL: cluster ? `${base}/clusters/${encodeURIComponent(cluster)}` : `${base}/`, timelineURL: `${base}/timeline?${q}` };
}

export function notificationOf(
  n: { fingerprint: string; labels: Labels; text: AlertText; startsAt: string; endsAt: string | null },
  externalURL: string,
): Notification {
  const { clusterURL, timelineURL } = linksOf(externalURL, n.labels.cluster, n.startsAt, n.endsAt);
  return {
    fingerprint: n.fingerprint,
    labels: n.labels,
    annotations: { ...n.text, cluster_url: clusterURL, timeline_url: timelineURL },
    startsAt: n.startsAt,
    endsAt: n.endsAt,
    generatorURL: timelineURL,
  };
}

/** The idempotency key of one change of one incident: the same alert re-sent keeps it. */
export function eventIdOf(fingerprint: string, startsAt: string, status: 'firing' | 'resolved'): string {
  return `${fingerprint}-${Date.parse(startsAt)}-${status}`;
}
