import type { EtcdPod } from './types';

/** A member as `member list` shows it (ID in hex). */
export interface MemberRef {
  id: string;
  name: string;
  clientURLs: string[];
  peerURLs: string[];
}

/**
 * Which member runs in this pod: its ID, or null when nothing identifies one member.
 *
 * 1. By address: a member whose peer or client URL host is the pod's IP (for kubeadm's
 *    hostNetwork etcd that is the node's IP), else the pod's hostIP.
 * 2. By name, when the address names no member or several (e.g. every member on one host):
 *    kubeadm names the pod `etcd-<node>` and the member `<node>`; a StatefulSet names both alike,
 *    and its members advertise `<pod>.<service>...` URLs.
 * Ambiguity is never guessed away: two candidates left means null.
 */
export function mapPodToMember(pod: Pick<EtcdPod, 'name' | 'ip' | 'hostIP'>, members: MemberRef[]): string | null {
  const byAddress = membersAt(pod, members);
  if (byAddress.length === 1) return byAddress[0].id;
  const pool = byAddress.length > 1 ? byAddress : members;
  const byName = pool.filter((m) => nameMatches(pod.name, m));
  return byName.length === 1 ? byName[0].id : null;
}

function membersAt(pod: Pick<EtcdPod, 'ip' | 'hostIP'>, members: MemberRef[]): MemberRef[] {
  for (const ip of [pod.ip, pod.hostIP]) {
    if (!ip) continue;
    const want = normalizeHost(ip);
    const hits = members.filter((m) => [...m.peerURLs, ...m.clientURLs].some((u) => hostOf(u) === want));
    if (hits.length > 0) return hits;
  }
  return [];
}

function nameMatches(podName: string, m: MemberRef): boolean {
  // An added-but-unstarted member has an empty name and no client URLs: never match on "".
  if (m.name && (m.name === podName || `etcd-${m.name}` === podName)) return true;
  return m.peerURLs.some((u) => hostOf(u)?.split('.')[0] === podName);
}

function hostOf(url: string): string | null {
  try {
    return normalizeHost(new URL(url).hostname);
  } catch {
    return null;
  }
}

/** URL hostnames keep IPv6 brackets and may differ in case; pod IPs have neither. */
function normalizeHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}
