import { oneLine } from '../text/markdown';
import type { Notification } from './alert';

/**
 * The bodies Ringside sends: Alertmanager's v2 alerts, a generic signed JSON event, and Slack's
 * incoming-webhook message. Pure: the same event always gives the same bytes for a given send time.
 */

/** One change of one alert, as queued for a webhook (and persisted with the queue). */
export interface DeliveryEvent {
  /** Idempotency key: receivers drop an `id` they have seen (see eventIdOf). */
  id: string;
  status: 'firing' | 'resolved';
  notification: Notification;
  /** The operator's "Send test alert". */
  test?: boolean;
}

/** Alertmanager's PostableAlert (api/v2/openapi.yaml). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/**
 * A firing alert carries an endsAt `validForMs` ahead, as Prometheus sends 4 x its resend
 * interval: re-sent in time it never ends; if Ringside goes away, Alertmanager resolves it by
 * itself instead of paging about a stale alert forever. A resolved one carries its real end.
 */
export function alertmanagerAlert(n: Notification, now: number, validForMs: number): AlertmanagerAlert {
  return {
    labels: n.labels,
    annotations: { ...n.annotations },
    startsAt: n.startsAt,
    endsAt: n.endsAt ?? new Date(now + validForMs).toISOString(),
    generatorURL: n.generatorURL,
  };
}

/**
 * The generic webhook's body. `sentAt` is inside the signed bytes, so the signature covers the
 * time too: a receiver rejects a body whose `sentAt` is far from its clock (a replay) and drops an
 * `id` it has already seen (a retry after a lost answer).
 */
export function jsonBody(ev: DeliveryEvent, sentAt: string): string {
  const n = ev.notification;
  return JSON.stringify({
    version: 1,
    id: ev.id,
    status: ev.status,
    ...(ev.test ? { test: true } : {}),
    fingerprint: n.fingerprint,
    labels: n.labels,
    annotations: n.annotations,
    startsAt: n.startsAt,
    endsAt: n.endsAt,
    generatorURL: n.generatorURL,
    sentAt,
  });
}

// ---------------------------------------------------------------------------------------- Slack

/**
 * Text for Slack's mrkdwn (the `text` fallback, which notifications and Slack-compatible chats
 * such as Mattermost show): one line (lib/text/markdown's oneLine, so a name cannot start a line
 * of its own), and &, <, > as entities, the only escaping Slack defines: `<!channel>`,
 * `<@U123>` and `<http://x|y>` from a member name stay text instead of pinging or linking.
 * CommonMark readers decode the same entities. Slack has no backslash escapes (markdownText's
 * `\*` would show its backslash), so in blocks untrusted text goes in plain_text, never formatted.
 */
export function slackText(s: string): string {
  return oneLine(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's limits: header 150, section text 3000, a field 2000 characters. */
function cut(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

const plain = (text: string, max: number) => ({ type: 'plain_text', text: cut(oneLine(text), max), emoji: false });

export function slackBody(ev: DeliveryEvent): string {
  const n = ev.notification;
  const { alertname, cluster, severity, member, member_id: memberId, peer } = n.labels;
  const status = ev.test ? 'TEST' : ev.status === 'resolved' ? 'RESOLVED' : 'FIRING';
  const icon = ev.test ? '🧪' : ev.status === 'resolved' ? '✅' : severity === 'critical' ? '🔴' : '🟠';
  const fields = [
    cluster && `Cluster: ${cluster}`,
    `Severity: ${severity}`,
    member && `Member: ${member}${memberId && memberId !== member ? ` (${memberId})` : ''}`,
    peer && `Peer: ${peer}`,
    `Since: ${n.startsAt}`,
    n.endsAt && ev.status === 'resolved' && `Resolved: ${n.endsAt}`,
  ].filter((f): f is string => Boolean(f));
  return JSON.stringify({
    text: `${icon} *${status}* ${slackText(alertname)}${cluster ? ` on ${slackText(cluster)}` : ''}: ${slackText(n.annotations.summary)}`,
    blocks: [
      { type: 'header', text: plain(`${icon} ${status} · ${alertname}`, 150) },
      { type: 'section', text: plain(n.annotations.summary, 3000) },
      { type: 'section', fields: fields.map((f) => plain(f, 2000)) },
      { type: 'section', text: plain(`Next step: ${n.annotations.action}`, 3000) },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: plain('Cluster page', 75), url: n.annotations.cluster_url },
          { type: 'button', text: plain('Timeline', 75), url: n.annotations.timeline_url },
        ],
      },
    ],
  });
}
