import { describe, expect, test } from 'vitest';
import { mapPodToMember, type MemberRef } from './map-member';

const member = (id: string, name: string, ip: string, port = 2380): MemberRef => ({
  id,
  name,
  peerURLs: [`https://${ip}:${port}`],
  clientURLs: name ? [`https://${ip}:2379`] : [],
});
const pod = (name: string, ip: string | null, hostIP: string | null = ip) => ({ name, ip, hostIP });

describe('mapPodToMember', () => {
  const kubeadm = [member('a1', 'cp-1', '10.0.0.5'), member('b2', 'cp-2', '10.0.0.6'), member('c3', 'cp-3', '10.0.0.7')];

  test('kubeadm: hostNetwork pod IP is the node IP, which the member advertises', () => {
    expect(mapPodToMember(pod('etcd-cp-2', '10.0.0.6'), kubeadm)).toBe('b2');
  });

  test('the address wins over a misleading name', () => {
    expect(mapPodToMember(pod('etcd-cp-1', '10.0.0.7'), kubeadm)).toBe('c3');
  });

  test('no pod IP yet: the hostIP', () => {
    expect(mapPodToMember(pod('etcd-x', null, '10.0.0.5'), kubeadm)).toBe('a1');
  });

  test('every member on one host (the test ring on 127.0.0.1): the name decides among them', () => {
    const local = [member('11', 'm1', '127.0.0.1', 2001), member('22', 'm2', '127.0.0.1', 2002), member('33', 'm3', '127.0.0.1', 2003)];
    expect(mapPodToMember(pod('etcd-m2', '127.0.0.1'), local)).toBe('22');
    expect(mapPodToMember(pod('m3', '127.0.0.1'), local)).toBe('33');
    expect(mapPodToMember(pod('etcd-m9', '127.0.0.1'), local)).toBeNull();
  });

  test('no address match: by name, pod name minus "etcd-"', () => {
    expect(mapPodToMember(pod('etcd-cp-3', '192.168.1.1'), kubeadm)).toBe('c3');
    expect(mapPodToMember(pod('cp-1', null, null), kubeadm)).toBe('a1');
  });

  test('StatefulSet: members advertise <pod>.<service> URLs', () => {
    const sts: MemberRef[] = [0, 1, 2].map((i) => ({
      id: `f${i}`,
      name: `member-${i}`,
      peerURLs: [`http://etcd-${i}.etcd-headless.db.svc.cluster.local:2380`],
      clientURLs: [`http://etcd-${i}.etcd-headless.db.svc.cluster.local:2379`],
    }));
    expect(mapPodToMember(pod('etcd-1', '10.244.1.9', '10.0.0.6'), sts)).toBe('f1');
  });

  test('an added, unstarted member (empty name) never matches by name', () => {
    const ring = [...kubeadm, member('d4', '', '10.0.0.8')];
    expect(mapPodToMember(pod('etcd-', null, null), ring)).toBeNull();
    expect(mapPodToMember(pod('etcd-cp-4', '10.0.0.8'), ring)).toBe('d4');
  });

  test('IPv6 addresses in brackets', () => {
    const v6 = [member('e5', 'cp-5', '[fd00::5]')];
    expect(mapPodToMember(pod('etcd-whatever', 'fd00::5'), v6)).toBe('e5');
  });

  test('nothing identifies one member: null', () => {
    expect(mapPodToMember(pod('etcd-other', '192.168.1.1'), kubeadm)).toBeNull();
    expect(mapPodToMember(pod('etcd-cp-1', '10.0.0.5'), [])).toBeNull();
  });
});
