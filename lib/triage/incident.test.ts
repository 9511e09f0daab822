import { describe, expect, test } from 'vitest';
import type { Alert } from '../alerts/tracker';
import { deriveRing } from '../ring/derive';
import { downProbe, ids, listEntry, okProbe, poll } from '../ring/fixtures';
import { markdownNodes } from '../text/testing';
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
      { severity: 'critical', sentence: 'm3 is down: connection refused. A member is down or cut off from its peers; the ring can lose fewer members before it stops.', link: { label: 'Replace m3 (if it will not come back)', href: `/clusters/demo/replace?member=${ids.m3}` } },
    ]);
    expect(t.changes.map((e) => e.id)).toEqual(['4', '3', '2', '1']);
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
    // One list item per member, alert, event, log line and action: no name started a line of its own.
    expect(nodes.filter((n) => n.type === 'item')).toHaveLength(3 + 1 + 1 + 1 + 1);
    const text = nodes.filter((n) => n.type === 'text').map((n) => n.literal).join('');
    for (const name of [link, html, 'm3\\n# Resolved\\n- [all clear](http://evil.example)']) expect(text).toContain(name);
    expect(nodes.filter((n) => n.type === 'code').map((n) => n.literal)).toEqual([raw]);
  });
});
