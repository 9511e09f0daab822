import { describe, expect, test } from 'vitest';
import { corruptCheckFlags, parseEtcdFlags } from './flags';

/** kubeadm's etcd static pod command, as `kubectl get pod -o yaml` shows it. */
const kubeadm = (...extra: string[]) => [
  'etcd',
  '--advertise-client-urls=https://10.0.0.5:2379',
  '--data-dir=/var/lib/etcd',
  '--initial-cluster=cp-1=https://10.0.0.5:2380',
  '--name=cp-1',
  ...extra,
];

describe('corruptCheckFlags', () => {
  test("KubeOne's 3.4/3.5 flags", () => {
    expect(corruptCheckFlags(kubeadm('--experimental-corrupt-check-time=240m', '--experimental-initial-corrupt-check=true'))).toMatchObject({
      initialCheck: true,
      periodicCheck: '240m',
      compactHashCheck: null,
    });
  });

  test('nothing set reads as unknown-default (null), not as off', () => {
    expect(corruptCheckFlags(kubeadm())).toMatchObject({ initialCheck: null, periodicCheck: null, compactHashCheck: null });
    expect(corruptCheckFlags([])).toMatchObject({ initialCheck: null, periodicCheck: null, compactHashCheck: null });
  });

  test("3.6 feature gates and --corrupt-check-time", () => {
    expect(corruptCheckFlags(kubeadm('--feature-gates=InitialCorruptCheck=true,CompactHashCheck=true', '--corrupt-check-time=240m'))).toMatchObject({
      initialCheck: true,
      periodicCheck: '240m',
      compactHashCheck: true,
    });
  });

  test('feature gates merge across repeats; unrelated gates are ignored', () => {
    const f = corruptCheckFlags(kubeadm('--feature-gates=StopGRPCServiceOnDefrag=true,InitialCorruptCheck=true', '--feature-gates=CompactHashCheck=false'));
    expect(f.initialCheck).toBe(true);
    expect(f.compactHashCheck).toBe(false);
  });

  test("Go's flag syntax: single dash, bare boolean, separate value, last one wins", () => {
    expect(corruptCheckFlags(['etcd', '-experimental-initial-corrupt-check'])).toMatchObject({ initialCheck: true });
    expect(corruptCheckFlags(['etcd', '--experimental-corrupt-check-time', '4h'])).toMatchObject({ periodicCheck: '4h' });
    expect(
      corruptCheckFlags(['etcd', '--experimental-initial-corrupt-check=true', '--experimental-initial-corrupt-check=false']),
    ).toMatchObject({ initialCheck: false });
    // The harness restarts a member with an override appended: the last flag is what etcd uses.
    expect(corruptCheckFlags(['etcd', '--experimental-corrupt-check-time=5s', '--experimental-corrupt-check-time=0s'])).toMatchObject({
      periodicCheck: '0s',
    });
  });

  test('Go boolean spellings; an invalid one says nothing', () => {
    expect(corruptCheckFlags(['etcd', '--experimental-initial-corrupt-check=1']).initialCheck).toBe(true);
    expect(corruptCheckFlags(['etcd', '--experimental-initial-corrupt-check=F']).initialCheck).toBe(false);
    expect(corruptCheckFlags(['etcd', '--experimental-initial-corrupt-check=yes']).initialCheck).toBeNull();
  });

  test('3.5 compaction hash check flag', () => {
    expect(corruptCheckFlags(['etcd', '--experimental-compact-hash-check-enabled=true']).compactHashCheck).toBe(true);
  });

  test('etcd run through a shell script', () => {
    const cmd = ['/bin/sh', '-c', "exec etcd --name=m1 --experimental-initial-corrupt-check='true' --experimental-corrupt-check-time=\"240m\""];
    expect(corruptCheckFlags(cmd)).toMatchObject({ initialCheck: true, periodicCheck: '240m', compactHashCheck: null });
  });

  test('every flag, for the version model to judge; booleans never take the next word (fs.BoolVar in etcd 3.4-3.6)', () => {
    expect(parseEtcdFlags(['etcd', '--enable-v2', '--name', 'cp-1', '--experimental-corrupt-check-time', '240m', '-debug'])).toEqual([
      { name: 'enable-v2', value: null },
      { name: 'name', value: 'cp-1' },
      { name: 'experimental-corrupt-check-time', value: '240m' },
      { name: 'debug', value: null },
    ]);
    expect(corruptCheckFlags(kubeadm('--experimental-initial-corrupt-check=true')).flags.map((f) => f.name)).toContain('experimental-initial-corrupt-check');
  });

  test('flags spread over command and args (the pod lists both)', () => {
    expect(corruptCheckFlags(['etcd', '--name=a', '--experimental-corrupt-check-time=5s'])).toMatchObject({ periodicCheck: '5s' });
  });
});
