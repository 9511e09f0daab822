import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { hostileString } from '../text/testing';
import { eventIdOf, fingerprintOf, labelsOf, linksOf, notificationOf, textOf, type AlertLike } from './alert';
import { alertmanagerAlert, jsonBody, slackBody, slackText, type DeliveryEvent } from './formats';
import { sign, signatureHeaders } from './signature';
import { FakeClock, TrackedRing } from './testing';

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const EXT = 'https://ringside.example.com';

/** etcdMembersDown on m3 exactly as the tracker hands it over: 20 polls down, then firing. */
function membersDown(): AlertLike {
  const clock = new FakeClock(T0);
  const ring = new TrackedRing(clock, 'prod');
  for (let s = 0; s <= 20; s++, clock.advance(1000)) ring.poll({ down: ['m3'] });
  const [alert] = ring.tracker.firing();
  expect(alert).toMatchObject({ rule: 'etcdMembersDown', state: 'firing', memberName: 'm3' });
  return alert;
}

describe('labels and identity', () => {
  test('a per-member alert: alertname, cluster, member (name and ID), severity, source', () => {
    const a = membersDown();
    expect(labelsOf(a)).toEqual({ alertname: 'etcdMembersDown', cluster: 'prod', severity: 'critical', source: 'ringside', member: 'm3', member_id: 'fd422379fda50e48' });
  });

  test('a cluster-wide alert has no member label; a peer alert names the peer', () => {
    const base: AlertLike = { ...membersDown(), memberId: undefined, memberName: undefined, rule: 'etcdInsufficientMembers' };
    expect(labelsOf(base)).toEqual({ alertname: 'etcdInsufficientMembers', cluster: 'prod', severity: 'critical', source: 'ringside' });
    expect(labelsOf({ ...base, memberId: 'a1', memberName: 'm1', peerId: 'b2', peerName: 'm2' })).toMatchObject({ member: 'm1', member_id: 'a1', peer: 'm2', peer_id: 'b2' });
    // A member not yet named (added, not started) is shown by its ID.
    expect(labelsOf({ ...base, memberId: 'a1', memberName: '' }).member).toBe('a1');
  });

  test('the fingerprint is stable, ignores label order, and differs with any label (severity too)', () => {
    const l = labelsOf(membersDown());
    const fp = fingerprintOf(l);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintOf(Object.fromEntries(Object.entries(l).reverse()))).toBe(fp);
    expect(fingerprintOf({ ...l, severity: 'warning' })).not.toBe(fp);
    expect(fingerprintOf({ ...l, cluster: 'prod2' })).not.toBe(fp);
    // Not fooled by a value that contains what looks like another label.
    expect(fingerprintOf({ a: 'b","c' })).not.toBe(fingerprintOf({ a: 'b', c: '' }));
  });

  test('event ids name the incident and the change: a re-send keeps its id, a new incident gets a new one', () => {
    const fp = 'a'.repeat(16);
    expect(eventIdOf(fp, new Date(T0).toISOString(), 'firing')).toBe(`${fp}-${T0}-firing`);
    expect(eventIdOf(fp, new Date(T0).toISOString(), 'resolved')).not.toBe(eventIdOf(fp, new Date(T0).toISOString(), 'firing'));
    expect(eventIdOf(fp, new Date(T0 + 1).toISOString(), 'firing')).not.toBe(eventIdOf(fp, new Date(T0).toISOString(), 'firing'));
  });
});

describe('links', () => {
  test('the cluster page, and the incident window on the timeline (open while firing, closed once resolved)', () => {
    const start = new Date(T0).toISOString();
    const firing = linksOf(EXT, 'prod', start, null);
    expect(firing.clusterURL).toBe('https://ringside.example.com/clusters/prod');
    expect(firing.timelineURL).toBe('https://ringside.example.com/timeline?cluster=prod&from=2026-11-23T02%3A55%3A00.000Z');
    const resolved = linksOf(`${EXT}/`, 'prod', start, new Date(T0 + 60_000).toISOString());
    expect(new URL(resolved.timelineURL).searchParams.get('to')).toBe('2026-11-23T03:06:00.000Z');
  });
});

describe('Alertmanager', () => {
  test('a firing alert: labels, annotations with the next step and links, generatorURL the permalink, endsAt ahead by the validity', () => {
    const a = membersDown();
    const labels = labelsOf(a);
    const n = notificationOf({ fingerprint: fingerprintOf(labels), labels, text: textOf(a), startsAt: a.activeSince, endsAt: null }, EXT);
    const now = T0 + 21_000;
    const body = alertmanagerAlert(n, now, 240_000);
    expect(body).toEqual({
      labels,
      annotations: {
        summary: 'm3 is down: connection refused',
        description: expect.stringMatching(/^A member is down or cut off from its peers.* Fires when a member does not answer/),
        action: 'Restart the member; if its data is lost or corrupt, replace it through a learner.',
        cluster_url: 'https://ringside.example.com/clusters/prod',
        timeline_url: n.generatorURL,
      },
      startsAt: '2026-11-23T03:00:00.000Z',
      endsAt: new Date(now + 240_000).toISOString(),
      generatorURL: 'https://ringside.example.com/timeline?cluster=prod&from=2026-11-23T02%3A55%3A00.000Z',
    });
  });

  test('a resolved alert carries its real end', () => {
    const a = membersDown();
    const labels = labelsOf(a);
    const end = new Date(T0 + 90_000).toISOString();
    const n = notificationOf({ fingerprint: fingerprintOf(labels), labels, text: textOf(a), startsAt: a.activeSince, endsAt: end }, EXT);
    expect(alertmanagerAlert(n, T0 + 95_000, 240_000).endsAt).toBe(end);
  });
});

function event(overrides: Partial<AlertLike> = {}, status: 'firing' | 'resolved' = 'firing'): DeliveryEvent {
  const a = { ...membersDown(), ...overrides };
  const labels = labelsOf(a);
  const fp = fingerprintOf(labels);
  const n = notificationOf({ fingerprint: fp, labels, text: textOf(a), startsAt: a.activeSince, endsAt: status === 'resolved' ? new Date(T0 + 60_000).toISOString() : null }, EXT);
  return { id: eventIdOf(fp, a.activeSince, status), status, notification: n };
}

describe('generic JSON webhook', () => {
  test('the same fields as Alertmanager, plus the id and the signed send time', () => {
    const ev = event();
    const sentAt = new Date(T0 + 21_000).toISOString();
    const body = JSON.parse(jsonBody(ev, sentAt));
    expect(body).toEqual({
      version: 1,
      id: ev.id,
      status: 'firing',
      fingerprint: ev.notification.fingerprint,
      labels: ev.notification.labels,
      annotations: ev.notification.annotations,
      startsAt: ev.notification.startsAt,
      endsAt: null,
      generatorURL: ev.notification.generatorURL,
      sentAt,
    });
  });

  test('HMAC-SHA256 over the exact body bytes, and a timestamp header equal to the signed sentAt', () => {
    const secret = Buffer.from('0123456789abcdef-secret');
    const sentAt = '2026-11-23T03:00:21.000Z';
    const body = jsonBody(event(), sentAt);
    const h = signatureHeaders(secret, body, sentAt);
    expect(h['x-ringside-signature']).toBe(`sha256=${createHmac('sha256', secret).update(Buffer.from(body)).digest('hex')}`);
    expect(h['x-ringside-timestamp']).toBe(String(Date.parse(sentAt) / 1000));
    // One byte changed (even whitespace a re-serialiser would add) breaks it.
    expect(sign(secret, body.replace('{', '{ '))).not.toBe(h['x-ringside-signature']);
    expect(sign(Buffer.from('another-secret-0123'), body)).not.toBe(h['x-ringside-signature']);
  });
});

describe('Slack incoming webhook', () => {
  test('text for notifications, and blocks: header, the message, the facts, the next step, buttons to the links', () => {
    const ev = event();
    const body = JSON.parse(slackBody(ev));
    expect(body.text).toBe('🔴 *FIRING* etcdMembersDown on prod: m3 is down: connection refused');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions']);
    expect(body.blocks[0].text).toEqual({ type: 'plain_text', text: '🔴 FIRING · etcdMembersDown', emoji: false });
    expect(body.blocks[2].fields.map((f: { text: string }) => f.text)).toEqual(['Cluster: prod', 'Severity: critical', 'Member: m3 (fd422379fda50e48)', 'Since: 2026-11-23T03:00:00.000Z']);
    expect(body.blocks[4].elements.map((e: { url: string }) => e.url)).toEqual([ev.notification.annotations.cluster_url, ev.notification.generatorURL]);
    const resolved = JSON.parse(slackBody(event({}, 'resolved')));
    expect(resolved.text).toMatch(/^✅ \*RESOLVED\* /);
    expect(resolved.blocks[2].fields.at(-1).text).toBe('Resolved: 2026-11-23T03:01:00.000Z');
  });

  test('a hostile member name cannot mention, link or break lines: entities in text, plain_text in blocks', () => {
    const name = '<!channel> <http://evil.example|click> & <@U123>\n*bold*';
    const body = JSON.parse(slackBody(event({ memberName: name, message: `${name} is down` })));
    expect(body.text).toBe('🔴 *FIRING* etcdMembersDown on prod: &lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; &lt;@U123&gt;\\n*bold* is down');
    expect(body.text).not.toMatch(/[<>\n]/);
    for (const block of body.blocks) {
      for (const t of [block.text, ...(block.fields ?? [])].filter(Boolean)) {
        expect(t.type).toBe('plain_text');
        expect(t.text).not.toContain('\n');
      }
    }
    expect(body.blocks[2].fields[2].text).toBe('Member: <!channel> <http://evil.example|click> & <@U123>\\n*bold* (fd422379fda50e48)');
  });

  test('slackText: any string stays one line with no <, > or bare & left for Slack to read', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const t = slackText(s);
        expect(t).not.toMatch(/[<>\n\r\u2028\u2029]/);
        expect(t).not.toMatch(/&(?!amp;|lt;|gt;)/);
        // Entities decode back to exactly the one-line text.
        expect(t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')).not.toMatch(/\n/);
      }),
    );
  });

  test('Slack limits: a very long name is cut, not rejected', () => {
    const body = JSON.parse(slackBody(event({ memberName: 'x'.repeat(5000), message: 'y'.repeat(5000) })));
    expect(Array.from(body.blocks[1].text.text as string).length).toBe(3000);
    expect(Array.from(body.blocks[2].fields[2].text as string).length).toBeLessThanOrEqual(2000);
  });
});
