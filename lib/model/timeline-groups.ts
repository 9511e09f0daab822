import type { TimelineKind } from '../timeline/types';

/** The timeline's filter groups, as a person thinks of them. */
export const KIND_GROUPS: { key: string; label: string; kinds: TimelineKind[] }[] = [
  { key: 'ring', label: 'Members and leader', kinds: ['member-down', 'member-up', 'leader-changed', 'quorum-lost', 'quorum-regained', 'member-added', 'member-removed', 'member-promoted', 'cluster-id-changed'] },
  { key: 'alerts', label: 'Alerts', kinds: ['alert-firing', 'alert-resolved'] },
  { key: 'consistency', label: 'HashKV and corruption', kinds: ['hashkv-mismatch', 'hashkv-agree', 'log-corruption'] },
  { key: 'checks', label: 'Check rounds', kinds: ['log-check', 'log-check-config'] },
  { key: 'alarms', label: 'Alarms', kinds: ['alarm-raised', 'alarm-cleared', 'log-alarm'] },
  { key: 'actions', label: 'Operator actions', kinds: ['action'] },
];

export const WINDOWS = ['15m', '1h', '6h', '24h', '7d'] as const;
