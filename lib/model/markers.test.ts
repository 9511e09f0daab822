import { describe, expect, test } from 'vitest';
import type { RingEvent, RingEventKind } from '../ring/types';
import { groupMarkers, markersIn } from './markers';

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const ev = (id: string, kind: RingEventKind, ms: number): RingEvent => ({ id, cluster: 'demo', at: new Date(T0 + ms).toISOString(), kind, severity: 'info', message: id });

describe('chart markers', () => {
  test('only ring events that explain the lines, within the range', () => {
    const events = [ev('a', 'leader-changed', 1000), ev('b', 'alarm-raised', 2000), ev('c', 'member-down', 9000)];
    expect(markersIn(events, T0, T0 + 5000).map((e) => e.id)).toEqual(['a']);
  });

  test('a leader killed is one marker: down, no leader, no quorum, elected, quorum back', () => {
    const burst = [ev('down', 'member-down', 0), ev('none', 'leader-changed', 0), ev('lost', 'quorum-lost', 0), ev('elected', 'leader-changed', 1000), ev('back', 'quorum-regained', 1000)];
    const later = ev('up', 'member-up', 60_000);
    const groups = groupMarkers([later, ...burst.reverse(), ev('x', 'alarm-raised', 500)], 3000);
    expect(groups.map((g) => [g.id, g.at - T0, g.events.map((e) => e.id)])).toEqual([
      ['down', 0, ['down', 'lost', 'none', 'back', 'elected']],
      ['up', 60_000, ['up']],
    ]);
  });
});
