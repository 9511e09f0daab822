import type { EtcdPod } from './types';

/**
 * The parts of a v1 PodList that Ringside reads, as the API server sends them (JSON, times as
 * RFC3339 strings). Everything is optional: a pending pod has no status yet.
 */
export interface PodListWire {
  kind?: string;
  items?: PodWire[];
}

export interface PodWire {
  metadata?: { name?: string; namespace?: string };
  spec?: { nodeName?: string; containers?: ContainerWire[] };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    containerStatuses?: ContainerStatusWire[];
  };
}

interface ContainerWire {
  name?: string;
  command?: string[];
  args?: string[];
}

interface ContainerStatusWire {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string };
    terminated?: { reason?: string; exitCode?: number };
  };
}

/** The container etcd runs in: named "etcd" (kubeadm, most charts), else the first. */
export function etcdContainerName(pod: PodWire): string | null {
  const containers = pod.spec?.containers ?? [];
  return (containers.find((c) => c.name === 'etcd') ?? containers[0])?.name ?? null;
}

export function toEtcdPod(pod: PodWire): EtcdPod {
  const containerName = etcdContainerName(pod);
  const container = pod.spec?.containers?.find((c) => c.name === containerName);
  const status = pod.status?.containerStatuses?.find((s) => s.name === containerName);
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    ip: pod.status?.podIP || null,
    hostIP: pod.status?.hostIP || null,
    nodeName: pod.spec?.nodeName || null,
    phase: pod.status?.phase ?? 'Unknown',
    restarts: status?.restartCount ?? 0,
    ready: status?.ready === true,
    reason: notRunningReason(status),
    command: [...(container?.command ?? []), ...(container?.args ?? [])],
    startedAt: status?.state?.running?.startedAt ?? null,
  };
}

/** A pod lists as Running while its etcd crash-loops: the container state says why it is down. */
function notRunningReason(status: ContainerStatusWire | undefined): string | null {
  const state = status?.state;
  if (!state || state.running) return null;
  if (state.waiting) return state.waiting.reason || 'Waiting';
  if (state.terminated) return state.terminated.reason || `exit code ${state.terminated.exitCode ?? '?'}`;
  return null;
}

/** Checks the top level of a PodList answer; items are read defensively by toEtcdPod. */
export function asPodList(body: unknown): PodListWire | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const list = body as PodListWire;
  return Array.isArray(list.items) ? list : null;
}
