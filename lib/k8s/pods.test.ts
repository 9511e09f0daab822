import { describe, expect, test } from 'vitest';
import { asPodList, toEtcdPod, type PodWire } from './pods';

const running: PodWire = {
  metadata: { name: 'etcd-cp-1', namespace: 'kube-system' },
  spec: {
    nodeName: 'cp-1',
    containers: [{ name: 'etcd', command: ['etcd', '--name=cp-1'], args: ['--experimental-corrupt-check-time=240m'] }],
  },
  status: {
    phase: 'Running',
    podIP: '10.0.0.5',
    hostIP: '10.0.0.5',
    containerStatuses: [{ name: 'etcd', ready: true, restartCount: 2, state: { running: { startedAt: '2026-11-22T06:00:00Z' } } }],
  },
};

describe('toEtcdPod', () => {
  test('a running kubeadm etcd pod', () => {
    expect(toEtcdPod(running)).toEqual({
      name: 'etcd-cp-1',
      namespace: 'kube-system',
      ip: '10.0.0.5',
      hostIP: '10.0.0.5',
      nodeName: 'cp-1',
      phase: 'Running',
      restarts: 2,
      ready: true,
      reason: null,
      command: ['etcd', '--name=cp-1', '--experimental-corrupt-check-time=240m'],
      startedAt: '2026-11-22T06:00:00Z',
    });
  });

  test('a crash-looping etcd still lists as phase Running: the reason says why it is down', () => {
    const p = toEtcdPod({
      ...running,
      status: { ...running.status, containerStatuses: [{ name: 'etcd', ready: false, restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
    });
    expect(p).toMatchObject({ phase: 'Running', ready: false, restarts: 7, reason: 'CrashLoopBackOff', startedAt: null });
  });

  test('the etcd container is found by name next to a sidecar', () => {
    const p = toEtcdPod({
      ...running,
      spec: { containers: [{ name: 'backup', command: ['sleep'] }, { name: 'etcd', command: ['etcd'] }] },
      status: { containerStatuses: [{ name: 'backup', restartCount: 9 }, { name: 'etcd', restartCount: 1, state: { terminated: { exitCode: 1 } } }] },
    });
    expect(p).toMatchObject({ command: ['etcd'], restarts: 1, reason: 'exit code 1' });
  });

  test('a pending pod without status', () => {
    expect(toEtcdPod({ metadata: { name: 'etcd-x', namespace: 'ns' } })).toMatchObject({
      ip: null,
      hostIP: null,
      nodeName: null,
      phase: 'Unknown',
      restarts: 0,
      ready: false,
      reason: null,
      command: [],
    });
  });
});

describe('asPodList', () => {
  test('accepts a PodList, refuses anything else', () => {
    expect(asPodList({ kind: 'PodList', items: [] })).not.toBeNull();
    expect(asPodList({ kind: 'Status', message: 'x' })).toBeNull();
    expect(asPodList([])).toBeNull();
    expect(asPodList(null)).toBeNull();
  });
});
