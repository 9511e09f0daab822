/**
 * What Ringside reads about etcd from Kubernetes: the etcd pods (kubeadm's static pods in
 * kube-system, label component=etcd) and their log lines. Display shapes only; the API's wire
 * shapes live in ./pods.ts.
 */
export interface EtcdPod {
  name: string;
  namespace: string;
  /** status.podIP: the node's IP for kubeadm's hostNetwork etcd. */
  ip: string | null;
  hostIP: string | null;
  nodeName: string | null;
  /** status.phase: Pending, Running, Succeeded, Failed, Unknown. */
  phase: string;
  /** restartCount of the etcd container. */
  restarts: number;
  /** The etcd container is ready (its probes pass). */
  ready: boolean;
  /** Why the etcd container is not running (CrashLoopBackOff, Error, ...); null while it runs. */
  reason: string | null;
  /** The etcd container's command followed by its args: what the corruption-check audit reads. */
  command: string[];
  /** When the etcd container's current run started (RFC3339); null when not running. */
  startedAt: string | null;
}

export interface PodLogLine {
  pod: string;
  /** The RFC3339Nano timestamp the kubelet put in front of the line (timestamps=true); null without one. */
  at: string | null;
  /** The line exactly as etcd wrote it (zap JSON, or text from stderr). */
  text: string;
}

export interface FollowOptions {
  /** Default: the pod's only container; kubeadm's etcd pod has one, named "etcd". */
  container?: string;
  /** Start with only the last N lines instead of the whole log. Later reconnects resume instead. */
  tailLines?: number;
  /** Connection trouble, secret-free and human-readable. The follower keeps retrying regardless. */
  onError?: (message: string) => void;
}

export interface LogFollow {
  /** Stops following for good (idempotent). */
  close(): void;
}
