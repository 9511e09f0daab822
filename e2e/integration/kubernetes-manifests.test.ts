import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { api } from '@/lib/api/contract';
import { parseConfig } from '@/lib/config/parse';
import type { RingsideConfig } from '@/lib/config/types';
import { generateTls, type TlsFiles } from '../harness/tls';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const base = path.join(root, 'deploy', 'kubernetes');

// Only the fields this test reads.
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [k: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}
interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
  emptyDir?: Record<string, unknown>;
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  hostPID?: boolean;
}
interface Deployment extends K8sObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: Meta; spec: PodSpec } };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * The kustomize base as `kubectl kustomize` renders it, object by object: what a cluster would be
 * given. scripts/ensure-etcd.sh installs Debian's kubectl (kubernetes-client) when none is there.
 */
describe('deploy/kubernetes rendered by kubectl kustomize', () => {
  let objects: K8sObject[];
  let deployment: Deployment;
  let pod: PodSpec;
  let container: Container;
  let tlsDir: string;
  let tls: TlsFiles;

  const one = <T extends K8sObject>(kind: string): T => {
    const found = objects.filter((o) => o.kind === kind);
    expect(found.map((o) => o.metadata.name), `exactly one ${kind}`).toHaveLength(1);
    return found[0] as T;
  };
  const mountOf = (volume: string) => container.volumeMounts?.find((m) => m.name === volume);
  const envOf = (name: string) => container.env?.find((e) => e.name === name)?.value;

  beforeAll(async () => {
    let out: string;
    try {
      out = (await run('kubectl', ['kustomize', base], { timeout: 60_000 })).stdout;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      throw new Error(
        err.code === 'ENOENT' ? 'kubectl is not installed: `bash scripts/ensure-etcd.sh kubernetes-client` installs Debian\'s' : `kubectl kustomize ${base} failed: ${err.stderr || err.message}`,
      );
    }
    objects = parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter(Boolean);
    deployment = one<Deployment>('Deployment');
    pod = deployment.spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    container = pod.containers[0];
    tlsDir = mkdtempSync(path.join(os.tmpdir(), 'ringside-manifest-tls-'));
    tls = await generateTls(tlsDir);
  });
  afterAll(() => {
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  test('renders exactly the objects of the base, nothing cluster-wide but the namespace', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    const ns = one('Namespace').metadata.name;
    for (const o of objects.filter((x) => !['Namespace', 'Role', 'RoleBinding'].includes(x.kind))) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(ns);
  });

  test('2 replicas, and a PodDisruptionBudget keeping at least one of them through a drain', () => {
    expect(deployment.spec.replicas).toBe(2);
    const labels = deployment.spec.template.metadata.labels ?? {};
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
    const pdb = one<K8sObject & { spec: { minAvailable?: number; maxUnavailable?: unknown; selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.maxUnavailable).toBeUndefined();
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    const svc = one<K8sObject & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }>('Service');
    expect(labels).toMatchObject(svc.spec.selector);
    for (const p of svc.spec.ports) expect(container.ports?.some((c) => c.name === p.targetPort || c.containerPort === p.targetPort), String(p.targetPort)).toBe(true);
  });

  test('probes: startup and liveness on /api/healthz, readiness on /api/readyz, routes that exist, on the container port', () => {
    expect(container.startupProbe?.httpGet?.path).toBe(api.healthz.path);
    expect(container.livenessProbe?.httpGet?.path).toBe(api.healthz.path);
    expect(container.readinessProbe?.httpGet?.path).toBe(api.readyz.path);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      const route = path.join(root, 'app', `${probe!.httpGet!.path}`, 'route.ts');
      expect(existsSync(route), route).toBe(true);
      const port = probe!.httpGet!.port;
      const declared = container.ports?.find((c) => c.name === port || c.containerPort === port);
      expect(declared, `probe port ${port}`).toBeDefined();
      expect(String(declared!.containerPort)).toBe(envOf('PORT'));
    }
    // Next's standalone server listens on $HOSTNAME, which Kubernetes sets to the pod's name.
    expect(envOf('HOSTNAME')).toBe('0.0.0.0');
  });

  test('non-root, read-only root filesystem, no capabilities, no privilege escalation, RuntimeDefault seccomp', () => {
    const podSc = pod.securityContext ?? {};
    const sc = container.securityContext ?? {};
    expect(podSc.runAsNonRoot).toBe(true);
    expect(sc.runAsNonRoot).toBe(true);
    for (const uid of [podSc.runAsUser, sc.runAsUser]) expect(uid === undefined || (typeof uid === 'number' && uid > 0)).toBe(true);
    expect(sc.runAsUser ?? podSc.runAsUser).toBeGreaterThan(0);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.privileged ?? false).toBe(false);
    expect(sc.capabilities?.drop).toEqual(['ALL']);
    expect(sc.capabilities?.add ?? []).toEqual([]);
    expect((sc.seccompProfile ?? podSc.seccompProfile) as unknown).toEqual({ type: 'RuntimeDefault' });
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.initContainers ?? []).toEqual([]);
  });

  test('the image runs as the user the Deployment names, and reads its config where the Deployment mounts it', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const user = /^USER\s+(\d+)(?::(\d+))?\s*$/m.exec(dockerfile);
    expect(user, 'a numeric USER in the Dockerfile').not.toBeNull();
    expect(container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser).toBe(Number(user![1]));
    expect(dockerfile).toContain(`RINGSIDE_CONFIG=${envOf('RINGSIDE_CONFIG')}`);
    expect(dockerfile).toContain(`VOLUME ["${mountOf('data')?.mountPath}"]`);
    expect(container.image).toMatch(/^ringside:\d+\.\d+\.\d+$/);
  });

  test('resources: requests and limits for CPU and memory', () => {
    for (const k of ['requests', 'limits'] as const) {
      expect(Object.keys(container.resources?.[k] ?? {}).sort(), k).toEqual(['cpu', 'memory']);
    }
  });

  test('RBAC: one Role in the etcd namespace allowing only list pods and get pods/log, bound to the Deployment\'s service account', () => {
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    const role = one<K8sObject & { rules: Rule[] }>('Role');
    const binding = one<K8sObject & { roleRef: { apiGroup: string; kind: string; name: string }; subjects: { kind: string; name: string; namespace?: string }[] }>('RoleBinding');
    const sa = one('ServiceAccount');
    expect(role.metadata.namespace).toBe('kube-system');
    const grants = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}${r.resourceNames ? '(named)' : ''}`)))).sort();
    expect(grants).toEqual(['/pods/log:get', '/pods:list']);
    expect(binding.metadata.namespace).toBe(role.metadata.namespace);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: deployment.metadata.namespace }]);
    expect(sa.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    // The in-cluster credentials the log source uses.
    expect(pod.automountServiceAccountToken).not.toBe(false);
  });

  describe('the config', () => {
    let configFile: string;
    let config: RingsideConfig;
    let secretMount: string;
    let secretFiles: Map<string, string>;

    beforeAll(() => {
      configFile = envOf('RINGSIDE_CONFIG')!;
      const configVolume = pod.volumes?.find((v) => v.configMap && mountOf(v.name)?.mountPath === path.dirname(configFile));
      expect(configVolume, `a ConfigMap volume mounted at ${path.dirname(configFile)}`).toBeDefined();
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configVolume!.configMap!.name) as (K8sObject & { data: Record<string, string> }) | undefined;
      expect(configMap, `the ConfigMap ${configVolume!.configMap!.name} in the render`).toBeDefined();
      const text = configMap!.data[path.basename(configFile)];
      expect(text, `key ${path.basename(configFile)} in the ConfigMap`).toBeDefined();

      const secretVolume = pod.volumes!.find((v) => v.secret?.secretName === 'ringside-etcd-client')!;
      secretMount = mountOf(secretVolume.name)!.mountPath;
      const generated: Record<string, string> = { 'ca.crt': tls.ca, 'client.crt': tls.cert, 'client.key': tls.key };
      secretFiles = new Map((secretVolume.secret!.items ?? []).map((i) => [path.join(secretMount, i.path), generated[i.key]]));
      // Ringside's own loader, reading the config from the ConfigMap and the TLS files from what
      // the Secret's volume puts in the pod; any other path is a file the pod does not have.
      config = parseConfig(configFile, (p) => {
        if (p === configFile) return Buffer.from(text);
        const file = secretFiles.get(p);
        if (file) return readFileSync(file);
        throw Object.assign(new Error(`ENOENT: ${p} is not in the pod`), { code: 'ENOENT' });
      });
    });

    test('is mounted where RINGSIDE_CONFIG points, from the generated ConfigMap, and passes Ringside\'s config loader', () => {
      expect(mountOf('config')?.readOnly).toBe(true);
      expect(config.source).toBe(configFile);
      expect(config.clusters.length).toBeGreaterThan(0);
    });

    test('dataDir is the writable volume, and the only writable mount', () => {
      const data = container.volumeMounts!.find((m) => m.mountPath === config.dataDir);
      expect(data, `a volume at dataDir ${config.dataDir}`).toBeDefined();
      const volume = pod.volumes!.find((v) => v.name === data!.name)!;
      expect(Boolean(volume.emptyDir || volume.persistentVolumeClaim)).toBe(true);
      expect(container.volumeMounts!.filter((m) => !m.readOnly).map((m) => m.mountPath)).toEqual([config.dataDir]);
    });

    test('the etcd client certificate comes from the Secret, mounted read-only and readable only by its group', () => {
      const secretVolume = pod.volumes!.find((v) => v.secret?.secretName === 'ringside-etcd-client')!;
      expect(mountOf(secretVolume.name)?.readOnly).toBe(true);
      expect(secretVolume.secret!.defaultMode).toBe(0o440);
      for (const c of config.clusters) {
        expect(c.tls, `clusters ${c.name}: tls`).toBeDefined();
      }
      // Every TLS file the config names was read from the Secret's mount (the loader would have failed otherwise).
      expect([...secretFiles.keys()].sort()).toEqual(['ca.crt', 'client.crt', 'client.key'].map((f) => path.join(secretMount, f)));
      // Nothing secret in the ConfigMap.
      const cm = objects.find((o) => o.kind === 'ConfigMap') as K8sObject & { data: Record<string, string> };
      expect(JSON.stringify(cm.data)).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY|passwordHash|tokenHash|secretAccessKey/);
    });

    test('the Kubernetes log source looks where the Role allows, with the in-cluster credentials', () => {
      const role = one('Role');
      for (const c of config.clusters) {
        if (!c.logs?.kubernetes) continue;
        expect(c.logs.kubernetes.namespace).toBe(role.metadata.namespace);
        expect(c.logs.kubernetes.kubeconfig).toBeUndefined();
      }
      expect(config.clusters.some((c) => c.logs?.kubernetes)).toBe(true);
    });
  });
});
