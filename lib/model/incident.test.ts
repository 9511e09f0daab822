import { describe, expect, test } from 'vitest';
import type { Alert } from '../alerts/tracker';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import { markdownNodes } from '../text/testing';
import { parseLine } from '../logs/parse';
import { zapLine } from '../logs/testdata/fixtures';
import { attributeFinding } from './check-evidence';
import type { RingState } from '../ring/types';
import { fromLogLine } from './timeline-entries';
import type { TimelineEntry } from '../timeline/types';
import { incidentMarkdown, triage } from './incident';

const L = ids.m1;
const ring = (down = true) => deriveRing(poll(1, [okProbe('m1', L), okProbe('m2', L), down ? downProbe('m3') : okProbe('m3', L)]), null, { bootId: 't', pollIntervalMs: 1000 });
const alert: Alert = {
  id: 'demo/etcdMembersDown/m3', cluster: 'demo', rule: 'etcdMembersDown', origin: 'etcd-mixin', severity: 'critical', state: 'firing', value: null,
  message: 'm3 is down: connection refused', when: '', summary: 'A member is down or cut off from its peers; the ring can lose fewer members before it stops.', action: '',
  activeSince: '2026-11-22T03:00:01.000Z', firingSince: '2026-11-22T03:00:21.000Z', forMs: 20_000, memberId: ids.m3, memberName: 'm3',
};
const entries: TimelineEntry[] = [
  { id: '1', at: '2026-11-22T03:00:01.000Z', cluster: 'demo', kind: 'member-down', source: 'ring', severity: 'critical', memberName: 'm3', message: 'Member m3 is down: connection refused' },
  { id: '2', at: '2026-11-22T03:00:05.000Z', cluster: 'demo', kind: 'log-corruption', source: 'log', severity: 'critical', memberName: 'm1', message: 'same compact revision then hashes must match', details: { raw: '{"msg":"same compact revision then hashes must match","follower-peer-id":"fd42"}' } },
  { id: '3', at: '2026-11-22T03:00:21.000Z', cluster: 'demo', kind: 'alert-firing', source: 'alert', severity: 'critical', memberName: 'm3', message: 'etcdMembersDown firing: m3 is down' },
  { id: '4', at: '2026-11-22T03:01:00.000Z', cluster: 'demo', kind: 'action', source: 'audit', severity: 'info', memberName: 'm2', message: 'alice saved a snapshot of m2' },
];

describe('triage', () => {
  test('each firing condition in one sentence, with the guided action that addresses it', () => {
    const t = triage('demo', ring(), [alert], null, entries);
    expect(t.trouble).toBe(true);
    expect(t.conditions).toEqual([
      { severity: 'critical', sentence: 'm3 is down: connection refused. A member is down or cut off from its peers; the ring can lose fewer members before it stops.', link: { label: 'Replace m3 (if it will not come back)', href: `/clusters/demo/replace?member=${ids.m3}` }, evidence: null },
    ]);
    // Ring events, alerts and actions first (newest first), then the members' own lines.
    expect(t.changes.map((e) => e.id)).toEqual(['4', '3', '1', '2']);
  });

  test('a healthy ring with nothing pending is no trouble', () => {
    expect(triage('demo', ring(false), [], null, []).trouble).toBe(false);
  });
});

describe('incident summary', () => {
  test('window, state, firing alerts, key events, evidence lines and actions, in Markdown', () => {
    const md = incidentMarkdown({ cluster: 'demo', ring: ring(), alerts: [alert], hash: null, entries, from: '2026-11-22T02:45:00.000Z', to: '2026-11-22T03:05:00.000Z' });
    expect(md).toContain('### Incident summary: demo');
    expect(md).toContain('**Window:** 2026-11-22 02:45:00Z to 2026-11-22 03:05:00Z');
    expect(md).toContain('DEGRADED');
    expect(md).toContain('- [critical] etcdMembersDown: m3 is down: connection refused (since 2026-11-22 03:00:21Z)');
    expect(md).toContain('- 2026-11-22 03:00:01Z member-down m3: Member m3 is down: connection refused');
    expect(md).toContain('`{"msg":"same compact revision then hashes must match","follower-peer-id":"fd42"}`');
    expect(md).toContain('- 2026-11-22 03:01:00Z alice saved a snapshot of m2');
    expect(md).toMatch(/m3 \(fd422379fda50e48\): follower, DOWN: connection refused/);
  });

  test('names, messages and log lines from members stay text: no link, no HTML, and one line each (issue 11)', () => {
    const link = '[x](http://evil.example)';
    const html = '<img src=x onerror=alert(1)>';
    const lines = 'm3\n# Resolved\n- [all clear](http://evil.example)';
    const hostile = deriveRing(
      poll(1, [okProbe('m1', L), okProbe('m2', L), downProbe('m3', `dial ${html}`)], { members: [listEntry('m1', { name: link }), listEntry('m2', { name: html }), listEntry('m3', { name: lines })] }),
      null,
      { bootId: 't', pollIntervalMs: 1000 },
    );
    const raw = 'a ``` fence, a ` tick, </code><script>x</script> and [y](http://evil.example)';
    const md = incidentMarkdown({
      cluster: 'demo',
      ring: hostile,
      alerts: [{ ...alert, message: `${lines} is down`, memberName: lines }],
      hash: null,
      entries: [
        { ...entries[0], memberName: lines, message: `Member ${link} is down` },
        { ...entries[1], memberName: html, details: { raw } },
        { ...entries[3], message: `alice saved a snapshot of ${html}` },
      ],
      from: '2026-11-22T02:45:00.000Z',
      to: '2026-11-22T03:05:00.000Z',
    });
    const nodes = markdownNodes(md);
    expect(nodes.filter((n) => ['link', 'image', 'html_inline', 'html_block', 'heading'].includes(n.type)).map((n) => n.type)).toEqual(['heading']);
    // One list item per member, alert, event, log line and action (and "none" for the checks): no
    // name started a line of its own.
    expect(nodes.filter((n) => n.type === 'item')).toHaveLength(3 + 1 + 1 + 1 + 1 + 1);
    const text = nodes.filter((n) => n.type === 'text').map((n) => n.literal).join('');
    for (const name of [link, html, 'm3\\n# Resolved\\n- [all clear](http://evil.example)']) expect(text).toContain(name);
    expect(nodes.filter((n) => n.type === 'code').map((n) => n.literal)).toEqual([raw]);
  });
});

describe('a follower killed on a ring whose leader checks every 5 s', () => {
  // The leader's real line for a hash request to a member that is down, every 5 s for two minutes.
  const failed = parseLine(zapLine('failed hash kv request', { error: /connection refused/ }));
  const down = { members: [{ id: ids.m3, name: 'm3', peerURLs: [failed.check!.peer!], clientURLs: [], reachable: false }] } as unknown as RingState;
  const checks = Array.from({ length: 24 }, (_, i) => {
    const at = new Date(Date.parse('2026-11-22T03:00:04.000Z') + i * 5000).toISOString();
    return fromLogLine('demo', { ...failed, at, member: 'm1', check: attributeFinding(failed.check!, down) })!;
  });
  const passed = fromLogLine('demo', { ...parseLine(zapLine('finished peer corruption check')), member: 'm1' });
  const window = [entries[0], entries[2], ...checks].sort((a, b) => a.at.localeCompare(b.at));

  test('"what changed": the member-down event near the top, the check failures once with a count, nothing called corruption', () => {
    expect(passed).toBeNull();
    const t = triage('demo', ring(), [alert], null, window);
    expect(t.changes.map((e) => e.kind)).toEqual(['alert-firing', 'member-down', 'log-check']);
    expect(t.changes[2]).toMatchObject({ message: 'failed hash kv request to m3', severity: 'info', evidence: 'check-health', repeat: { count: 24, firstAt: '2026-11-22T03:00:04.000Z' } });
    expect(t.conditions.every((c) => c.evidence === null)).toBe(true);
  });

  test('the incident summary says the same', () => {
    const md = incidentMarkdown({ cluster: 'demo', ring: ring(), alerts: [alert], hash: null, entries: window, from: '2026-11-22T02:45:00.000Z', to: '2026-11-22T03:05:00.000Z' });
    expect(md).toContain('- 2026-11-22 03:00:01Z member-down m3: Member m3 is down: connection refused');
    expect(md).toContain("**Evidence from the members' logs (0):**");
    expect(md).toContain('**Checks that could not compare (1):**');
    expect(md).toContain('- 2026-11-22 03:01:59Z m1: failed hash kv request to m3, 24 times, 2026-11-22 03:00:04Z to 2026-11-22 03:01:59Z (m3 is down: a consequence of that outage)');
    expect(md).not.toMatch(/corrupt/i);
  });
});
