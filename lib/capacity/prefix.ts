/**
 * Which prefix a key counts under. Pure. Keys arrive as latin1 strings (one char per byte),
 * so any bytes pass through exactly and prefixes compare as etcd compares keys.
 *
 * Kubernetes (the API server's `--etcd-prefix`, /registry by default; OpenShift also writes
 * /kubernetes.io and /openshift.io) stores each object at
 *   <root>/<resource>/<namespace>/<name>             namespaced, e.g. /registry/pods/default/web-0
 *   <root>/<resource>/<name>                         cluster-scoped, e.g. /registry/namespaces/default
 *   <root>/<group>/<resource>/[<namespace>/]<name>   API groups stored with their group: custom
 *                                                    resources and e.g. apiregistration.k8s.io
 * A group is a DNS name, so it holds a dot and a resource never does. Services are the one
 * built-in kept a level deeper (/registry/services/specs/..., /registry/services/endpoints/...).
 * Every other key counts under its first `depth` path segments (`/calico/ipam/x` ->
 * `/calico/` at depth 1); a key with fewer segments counts under its parent (`/health` -> `/`).
 */

export interface PrefixLayout {
  /** Roots holding Kubernetes' layout, each ending in "/". */
  kubernetesRoots: readonly string[];
  /** Path segments that make a prefix for other keys (at least 1). */
  depth: number;
}

export const DEFAULT_LAYOUT: PrefixLayout = {
  kubernetesRoots: ['/registry/', '/kubernetes.io/', '/openshift.io/'],
  depth: 1,
};

export interface PrefixClass {
  /** latin1, byte-exact: `etcdctl get <prefix> --prefix` lists exactly the keys counted here. */
  prefix: string;
  kind: 'kubernetes' | 'path';
  /** The API group when the path holds one (custom resources, apiregistration.k8s.io, ...). */
  group: string | null;
  /** The resource (`pods`, `services/specs`); null for a path prefix or a key right under the root. */
  resource: string | null;
  /** Kubernetes Events (core/v1 and events.k8s.io both live under <root>/events/). */
  events: boolean;
}

const SPLIT_RESOURCES = new Set(['services']);

export function classifyKey(key: string, layout: PrefixLayout = DEFAULT_LAYOUT): PrefixClass {
  for (const root of layout.kubernetesRoots) {
    if (key.startsWith(root)) return kubernetes(key, root);
  }
  return { prefix: pathPrefix(key, layout.depth), kind: 'path', group: null, resource: null, events: false };
}

function kubernetes(key: string, root: string): PrefixClass {
  let at = root.length;
  const next = (): string | null => {
    const slash = key.indexOf('/', at);
    if (slash < 0) return null; // what is left is the last segment: a name, not a level
    const seg = key.slice(at, slash);
    at = slash + 1;
    return seg;
  };
  const first = next();
  if (first === null) return { prefix: root, kind: 'kubernetes', group: null, resource: null, events: false };
  let group: string | null = null;
  let resource = first;
  if (first.includes('.')) {
    const r = next();
    if (r === null) return { prefix: `${root}${first}/`, kind: 'kubernetes', group: first, resource: null, events: false };
    group = first;
    resource = r;
  } else if (SPLIT_RESOURCES.has(first)) {
    const save = at;
    const sub = next();
    if (sub === 'specs' || sub === 'endpoints') resource = `${first}/${sub}`;
    else at = save;
  }
  return {
    prefix: `${root}${group ? `${group}/` : ''}${resource}/`,
    kind: 'kubernetes',
    group,
    resource,
    events: resource === 'events' && (group === null || group === 'events.k8s.io'),
  };
}

function pathPrefix(key: string, depth: number): string {
  let at = key.startsWith('/') ? 1 : 0;
  for (let i = 0; i < depth; i++) {
    const slash = key.indexOf('/', at);
    if (slash < 0) break;
    at = slash + 1;
  }
  return key.slice(0, at);
}
