import 'server-only';
import type { ServerVersions } from '../etcd/version-endpoint';
import type { ClusterMonitor } from '../monitor/cluster-monitor';
import { RingsideError } from '../errors';
import type { TlsMaterial } from '../config/types';
import type { Membership } from './membership';
import type { UpgradeView } from './types';
import { upgradeView, type VersionsReply } from './upgrade';

/** /version answers in a few ms; a member that takes longer is reported, not waited on. */
const VERSION_MS = 3000;

/** What a plan reads of a cluster's monitor (a test stands in with the same shape). */
export type UpgradeSource = Pick<ClusterMonitor, 'cluster' | 'ring' | 'hashHistory' | 'podFlags'>;

export type FetchVersions = (clientURL: string, tls: TlsMaterial | undefined, timeoutMs: number) => Promise<ServerVersions>;

/**
 * Rolling upgrades and 3.6 -> 3.5 downgrades, read-only: Ringside cannot replace a binary, so the
 * plan says what to do and where the ring stands (lib/ops/upgrade.ts), from the monitor's latest
 * state, its HashKV checks, each member's /version (cluster and storage versions) and, on
 * Kubernetes, each member's flags. Snapshot freshness comes from the audit log, as for a replacement.
 */
export class Upgrades {
  constructor(
    private readonly membership: Membership,
    private readonly fetchVersions: FetchVersions,
  ) {}

  async planOf(monitor: UpgradeSource, target: string): Promise<UpgradeView> {
    const ring = monitor.ring;
    if (!ring) throw new RingsideError('UNAVAILABLE', `no state of ${monitor.cluster.name} yet`);
    const [snapshot, versions] = await Promise.all([this.membership.snapshotFreshness(ring.cluster), this.versionsOf(monitor)]);
    return upgradeView({ ring, target, hashes: monitor.hashHistory(), snapshot, versions, flags: monitor.podFlags() });
  }

  /** Every reachable member's /version, in parallel; one that fails says why and never fails the plan. */
  private async versionsOf(monitor: UpgradeSource): Promise<Map<string, VersionsReply>> {
    const members = monitor.ring?.members.filter((m) => m.reachable && m.endpoint) ?? [];
    const replies = await Promise.all(
      members.map(async (m): Promise<[string, VersionsReply]> => {
        try {
          return [m.id, await this.fetchVersions(m.endpoint!, monitor.cluster.tls, VERSION_MS)];
        } catch (e) {
          return [m.id, { error: e instanceof Error ? e.message : String(e) }];
        }
      }),
    );
    return new Map(replies);
  }
}
