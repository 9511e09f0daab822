import 'server-only';
import { accessSync, constants, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { RingsideError } from '../errors';
import { messageOf } from './kube-http';

/** Where the kubelet mounts a pod's service account: `token`, `ca.crt` and `namespace`. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Tests only: a directory standing in for SERVICE_ACCOUNT_DIR, since no kubelet mounts one on a
 * test machine (e2e/integration/k8s-in-cluster-standin.test.ts). Nothing else reads credentials
 * from the environment; a deployment never sets it.
 */
export const SERVICE_ACCOUNT_DIR_ENV = 'RINGSIDE_SERVICEACCOUNT_DIR';

/**
 * Credentials for the Kubernetes API, in kubectl's order: the kubeconfig file given, else the
 * pod's service account when running in a cluster (KUBERNETES_SERVICE_HOST), else $KUBECONFIG or
 * ~/.kube/config. A `context` names a kubeconfig context, so it skips the in-cluster step (a
 * service account has none). Throws a RingsideError (INVALID) that says what is wrong and where.
 */
export function loadKubeConfig(opts: { kubeconfig?: string; context?: string; serviceAccountDir?: string }): KubeConfig {
  const kc = new KubeConfig();
  let source: string;
  if (opts.kubeconfig) {
    source = opts.kubeconfig;
    loadFile(kc, opts.kubeconfig);
  } else if (process.env.KUBERNETES_SERVICE_HOST && !opts.context) {
    source = 'in-cluster service account';
    loadInCluster(kc, opts.serviceAccountDir ?? (process.env[SERVICE_ACCOUNT_DIR_ENV] || SERVICE_ACCOUNT_DIR));
  } else {
    source = loadDefault(kc);
  }
  if (opts.context) selectContext(kc, opts.context, source);
  checkCurrent(kc, source);
  return kc;
}

function loadFile(kc: KubeConfig, file: string): void {
  readable(file, 'kubeconfig');
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new RingsideError('INVALID', `kubeconfig ${file} is not a valid kubeconfig: ${messageOf(e)}`, 'kubeconfig');
  }
}

/**
 * What client-go's rest.InClusterConfig does: the API server at KUBERNETES_SERVICE_HOST and
 * _PORT over https, trusting the service account's CA, with its token. The token is given as a
 * file, which client-node re-reads every minute, so a projected token that the kubelet rotates
 * keeps working.
 */
function loadInCluster(kc: KubeConfig, dir: string): void {
  const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!port) {
    throw new RingsideError('INVALID', 'KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is not: cannot find the API server', 'kubeconfig');
  }
  const token = path.join(dir, 'token');
  const ca = path.join(dir, 'ca.crt');
  try {
    accessSync(token, constants.R_OK);
  } catch {
    throw new RingsideError(
      'INVALID',
      `running in a cluster but the service account token ${token} is not readable (automountServiceAccountToken: false?); set logs.kubernetes.kubeconfig instead`,
      'kubeconfig',
    );
  }
  readable(ca, 'kubeconfig', 'running in a cluster but the service account CA ');
  let namespace: string | undefined;
  try {
    namespace = readFileSync(path.join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    // optional: only the default namespace of the context, which Ringside never relies on
  }
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: ca, skipTLSVerify: false }],
    users: [{ name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: token } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account', ...(namespace ? { namespace } : {}) }],
    currentContext: 'in-cluster',
  });
}

/** $KUBECONFIG (a path list, merged as kubectl does) or ~/.kube/config; never client-node's silent localhost:8080 fallback. */
function loadDefault(kc: KubeConfig): string {
  const env = process.env.KUBECONFIG;
  if (env) {
    const files = env.split(path.delimiter).filter(Boolean);
    for (const f of files) readable(f, 'kubeconfig', '$KUBECONFIG names ');
    try {
      kc.loadFromDefault();
    } catch (e) {
      throw new RingsideError('INVALID', `$KUBECONFIG (${env}) is not a valid kubeconfig: ${messageOf(e)}`, 'kubeconfig');
    }
    return `$KUBECONFIG (${env})`;
  }
  const home = path.join(os.homedir(), '.kube', 'config');
  try {
    accessSync(home, constants.R_OK);
  } catch {
    throw new RingsideError(
      'INVALID',
      `no Kubernetes credentials: set logs.kubernetes.kubeconfig, or $KUBECONFIG, or create ${home}, or run Ringside in a pod with a service account`,
      'kubeconfig',
    );
  }
  loadFile(kc, home);
  return home;
}

function selectContext(kc: KubeConfig, context: string, source: string): void {
  const names = kc.getContexts().map((c) => c.name);
  if (!names.includes(context)) {
    throw new RingsideError('INVALID', `kubeconfig ${source} has no context "${context}" (it has: ${names.join(', ') || 'none'})`, 'context');
  }
  kc.setCurrentContext(context);
}

/** Fails now, with the file named, on what client-node would only trip over at the first request. */
function checkCurrent(kc: KubeConfig, source: string): void {
  const current = kc.getCurrentContext();
  if (!current || !kc.getContextObject(current)) {
    throw new RingsideError('INVALID', `kubeconfig ${source} has no current-context; name one with logs.kubernetes.context`, 'context');
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new RingsideError('INVALID', `kubeconfig ${source}: context "${current}" names a cluster that is not defined`, 'kubeconfig');
  if (!/^https?:\/\/[^/]/.test(cluster.server ?? '')) {
    throw new RingsideError('INVALID', `kubeconfig ${source}: cluster "${cluster.name}" has no valid server URL (got "${cluster.server ?? ''}")`, 'kubeconfig');
  }
  const user = kc.getCurrentUser();
  if (!user) throw new RingsideError('INVALID', `kubeconfig ${source}: context "${current}" names a user that is not defined`, 'kubeconfig');
  if (cluster.caFile) readable(cluster.caFile, 'kubeconfig', `cluster "${cluster.name}" certificate-authority: `);
  if (user.certFile) readable(user.certFile, 'kubeconfig', `user "${user.name}" client-certificate: `);
  if (user.keyFile) readable(user.keyFile, 'kubeconfig', `user "${user.name}" client-key: `);
}

function readable(file: string, field: string, what = 'kubeconfig '): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RingsideError('INVALID', `${what}${file} cannot be read (${code === 'ENOENT' ? 'no such file' : code ?? messageOf(e)})`, field);
  }
}
