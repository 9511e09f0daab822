import 'server-only';
import type { TlsMaterial } from '../config/types';
import { memberLabel } from '../model/labels';
import type { RingState } from '../ring/types';
import { readPresentedChain, type PresentedChain } from './probe';
import { describeCertificate, parsePemCertificates, type CertificateInfo } from './x509';

/** Where to look for one member's certificates. */
export interface CertificateTarget {
  memberId: string;
  memberName: string;
  /** The client URL Ringside reaches the member on. */
  clientURL: string | null;
  /** Its /metrics URL; read too when it is https on a listener of its own. */
  metricsURL: string | null;
}

export interface EndpointCertificates extends PresentedChain {
  source: 'client-url' | 'metrics-url';
}

export interface MemberCertificates {
  memberId: string;
  memberName: string;
  endpoints: EndpointCertificates[];
}

/** Everything that can expire for one cluster, as read at `checkedAt`. */
export interface ClusterCertificates {
  cluster: string;
  checkedAt: string;
  members: MemberCertificates[];
  /** The CA file the config names (tls.ca), every certificate in it. */
  ca: CertificateInfo[];
  /** Ringside's own client certificate (tls.cert), every certificate in it. */
  client: CertificateInfo[];
}

/** The members of a ring as targets: the endpoint Ringside polls, else the first advertised client URL. */
export function targetsOf(ring: RingState): CertificateTarget[] {
  return ring.members
    .filter((m) => m.started)
    .map((m) => ({ memberId: m.id, memberName: memberLabel(m), clientURL: m.endpoint ?? m.clientURLs[0] ?? null, metricsURL: m.metricsURL }));
}

/**
 * Reads every certificate of one cluster: each member's chain on its client URL and (when it is
 * https and a listener of its own) its metrics URL, all members at once, each handshake bounded by
 * `timeoutMs`; and the configured CA and client certificate from the PEM already loaded. No
 * request is made to etcd. Never throws: a member that cannot be read says why.
 */
export async function readClusterCertificates(input: { cluster: string; tls?: TlsMaterial; members: CertificateTarget[]; timeoutMs: number; now: number }): Promise<ClusterCertificates> {
  const members = await Promise.all(
    input.members.map(async (m): Promise<MemberCertificates> => {
      const urls: { source: EndpointCertificates['source']; url: string }[] = [];
      const client = httpsOrigin(m.clientURL);
      const metrics = httpsOrigin(m.metricsURL);
      if (client) urls.push({ source: 'client-url', url: client });
      if (metrics && metrics !== client) urls.push({ source: 'metrics-url', url: metrics });
      const endpoints = await Promise.all(urls.map(async ({ source, url }) => ({ source, ...(await readPresentedChain(url, input.tls, input.timeoutMs)) })));
      return { memberId: m.memberId, memberName: m.memberName, endpoints };
    }),
  );
  const pem = (b?: Buffer) => (b ? parsePemCertificates(b).map(describeCertificate) : []);
  return { cluster: input.cluster, checkedAt: new Date(input.now).toISOString(), members, ca: pem(input.tls?.ca), client: pem(input.tls?.cert) };
}

function httpsOrigin(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}
