import 'server-only';
import type { KubeConfig } from '@kubernetes/client-node';
import { RingsideError } from '../errors';
import { apiServer, kubeGet, networkError, readBody, statusError } from './kube-http';
import { PodLogFollower } from './pod-log-follower';
import { asPodList, toEtcdPod } from './pods';
import type { EtcdPod, FollowOptions, LogFollow, PodLogLine } from './types';

export type { EtcdPod, FollowOptions, LogFollow, PodLogLine } from './types';
export { mapPodToMember, type MemberRef } from './map-member';
export { corruptCheckFlags, parseEtcdFlags, type CorruptCheckFlags } from './flags';
export { loadKubeConfig } from './kubeconfig';

export interface EtcdPodsOptions {
  /** Default kube-system, where kubeadm runs etcd as static pods. */
  namespace?: string;
  /** Default component=etcd, kubeadm's label. */
  labelSelector?: string;
  /** Bound on one list call and on opening a log stream. Default 10 s. */
  requestTimeoutMs?: number;
}

/** The etcd pods of one cluster, and their logs, through the Kubernetes API. */
export class EtcdPods {
  readonly namespace: string;
  readonly labelSelector: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly kc: KubeConfig,
    opts: EtcdPodsOptions = {},
  ) {
    this.namespace = opts.namespace ?? 'kube-system';
    this.labelSelector = opts.labelSelector ?? 'component=etcd';
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  /** `kubectl get pods -n <namespace> -l <labelSelector>`, sorted by name. Rejects with a RingsideError. */
  async list(): Promise<EtcdPod[]> {
    const doing = `listing pods in namespace ${this.namespace} with labels ${this.labelSelector}`;
    const server = apiServer(this.kc);
    const query = new URLSearchParams({ labelSelector: this.labelSelector });
    const signal = AbortSignal.timeout(this.timeoutMs);
    let text: string;
    try {
      const { res } = await kubeGet(this.kc, `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods?${query}`, {
        timeoutMs: this.timeoutMs,
        signal,
      });
      if (res.statusCode !== 200) throw await statusError(res, doing, server);
      text = await readBody(res);
    } catch (e) {
      if (signal.aborted) throw new RingsideError('TIMEOUT', `${doing}: Kubernetes API ${server} did not answer within ${this.timeoutMs} ms`);
      throw networkError(e, server);
    }
    const list = asPodList(safeJson(text));
    if (!list) throw new RingsideError('INTERNAL', `${doing}: Kubernetes API ${server} did not answer with a PodList`);
    return (list.items ?? []).map(toEtcdPod).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * `kubectl logs -f --timestamps` that survives disconnects: reconnects with backoff (0.5 s
   * doubling to 10 s) and resumes from the last line delivered, neither losing nor repeating lines
   * (see ResumeFilter). `onLines` gets each chunk's complete lines in order. Never throws.
   */
  follow(pod: string, onLines: (lines: PodLogLine[]) => void, opts: FollowOptions = {}): LogFollow {
    const follower = new PodLogFollower(this.kc, this.namespace, pod, onLines, opts, this.timeoutMs);
    follower.start();
    return { close: () => follower.close() };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
