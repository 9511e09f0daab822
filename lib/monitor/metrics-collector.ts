import 'server-only';
import type { ClusterConfig } from '../config/types';
import { MetricsEndpoint } from '../etcd/metrics-endpoint';
import type { MetricsResult } from '../etcd/types';
import { ExpositionError } from '../metrics/exposition';
import { MetricsTracker, readEtcdScrape } from '../metrics/member-metrics';
import type { MemberState } from '../ring/types';

/** What a benchmark replaces: the clock a scrape is timed on, and the network part of a scrape. */
export interface ScrapeParts {
  now?: () => number;
  /** A member's /metrics text from its URL. */
  fetchText?: (url: string) => Promise<string>;
}

/**
 * Scrapes every member's /metrics (every `intervalMs`, on the monitor's schedule, apart from the
 * status poll) and keeps, per member, the tracker that turns successive scrapes into rates and
 * quantiles over the real time between them.
 */
export class MetricsCollector {
  private readonly endpoints = new Map<string, MetricsEndpoint>();
  private readonly trackers = new Map<string, MetricsTracker>();
  private readonly now: () => number;

  constructor(
    private readonly cluster: ClusterConfig,
    private readonly timeoutMs: number,
    private readonly intervalMs: number,
    private readonly parts: ScrapeParts = {},
  ) {
    this.now = parts.now ?? Date.now;
  }

  /** Where a member's /metrics is: by name from the config, else its client host on the configured port, else its client URL. */
  urlOf(m: Pick<MemberState, 'name' | 'clientURLs' | 'endpoint'>): string | null {
    const source = this.cluster.metrics;
    if (source && !source.enabled) return null;
    const byName = m.name ? source?.urls[m.name] : undefined;
    if (byName) return `${byName}/metrics`;
    const client = m.endpoint ?? m.clientURLs[0];
    if (!client) return null;
    if (source?.port) return `${source.scheme}://${new URL(client).hostname}:${source.port}/metrics`;
    return `${client}/metrics`;
  }

  /** Scrapes the members that have a metrics URL, in parallel; never throws. Keyed by member ID. */
  async scrape(members: readonly MemberState[]): Promise<Record<string, MetricsResult>> {
    const out: Record<string, MetricsResult> = {};
    await Promise.all(
      members.map(async (m) => {
        const url = this.urlOf(m);
        if (!url || !m.started) return;
        out[m.id] = await this.scrapeOne(m.id, url);
      }),
    );
    this.forgetAllBut(members);
    return out;
  }

  private async scrapeOne(memberId: string, url: string): Promise<MetricsResult> {
    const at = this.now();
    let text: string;
    try {
      text = await (this.parts.fetchText ? this.parts.fetchText(url) : this.endpoint(url).fetch());
    } catch (e) {
      return { ok: false, url, error: `${url}: ${(e as Error).message}` };
    }
    try {
      const scrape = readEtcdScrape(text, at);
      if (scrape.memberId && scrape.memberId !== memberId) {
        return { ok: false, url, error: `${url} serves member ${scrape.memberId}, not ${memberId}: check metrics.urls in the config` };
      }
      let tracker = this.trackers.get(memberId);
      if (!tracker) this.trackers.set(memberId, (tracker = new MetricsTracker(this.intervalMs)));
      return { ok: true, url, metrics: tracker.update(scrape) };
    } catch (e) {
      const why = e instanceof ExpositionError ? e.message : String(e);
      return { ok: false, url, error: `${url} is not a Prometheus /metrics: ${why}` };
    }
  }

  private endpoint(url: string): MetricsEndpoint {
    let e = this.endpoints.get(url);
    if (!e) this.endpoints.set(url, (e = new MetricsEndpoint(url, this.cluster.tls, this.timeoutMs)));
    return e;
  }

  /** Members that left the ring take their connection and tracker with them. */
  private forgetAllBut(members: readonly MemberState[]) {
    if (members.length === 0) return;
    const ids = new Set(members.map((m) => m.id));
    for (const id of this.trackers.keys()) if (!ids.has(id)) this.trackers.delete(id);
    const urls = new Set(members.map((m) => this.urlOf(m)));
    for (const [url, e] of this.endpoints) {
      if (!urls.has(url)) {
        e.close();
        this.endpoints.delete(url);
      }
    }
  }

  close(): void {
    for (const e of this.endpoints.values()) e.close();
    this.endpoints.clear();
    this.trackers.clear();
  }
}
