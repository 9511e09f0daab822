import { describe, expect, test } from 'vitest';
import { classifyKey, DEFAULT_LAYOUT } from './prefix';

const of = (key: string, layout = DEFAULT_LAYOUT) => {
  const c = classifyKey(key, layout);
  return [c.prefix, c.kind, c.group, c.resource, c.events];
};

describe('prefixes: Kubernetes layout and the fallback', () => {
  test('namespaced and cluster-scoped resources count under /registry/<resource>/', () => {
    expect(of('/registry/pods/default/web-0')).toEqual(['/registry/pods/', 'kubernetes', null, 'pods', false]);
    expect(of('/registry/namespaces/default')).toEqual(['/registry/namespaces/', 'kubernetes', null, 'namespaces', false]);
    expect(of('/registry/minions/node-1')).toEqual(['/registry/minions/', 'kubernetes', null, 'minions', false]);
    expect(of('/registry/configmaps/kube-system/extension-apiserver-authentication')[0]).toBe('/registry/configmaps/');
  });

  test('API groups in the path (a DNS name holds a dot), namespaced or not', () => {
    expect(of('/registry/apiregistration.k8s.io/apiservices/v1.apps')).toEqual(['/registry/apiregistration.k8s.io/apiservices/', 'kubernetes', 'apiregistration.k8s.io', 'apiservices', false]);
    expect(of('/registry/cert-manager.io/certificates/team-1/cert-1')).toEqual(['/registry/cert-manager.io/certificates/', 'kubernetes', 'cert-manager.io', 'certificates', false]);
    expect(of('/registry/apiextensions.k8s.io/customresourcedefinitions/certificates.cert-manager.io')[0]).toBe('/registry/apiextensions.k8s.io/customresourcedefinitions/');
    // A name with dots is a name, not a group.
    expect(of('/registry/apiregistration.k8s.io/apiservices/v1beta1.metrics.k8s.io')[0]).toBe('/registry/apiregistration.k8s.io/apiservices/');
  });

  test('Events are called out; services keep their two sub-levels apart', () => {
    expect(of('/registry/events/default/web-0.17a0000000')).toEqual(['/registry/events/', 'kubernetes', null, 'events', true]);
    expect(of('/registry/services/specs/default/kubernetes')).toEqual(['/registry/services/specs/', 'kubernetes', null, 'services/specs', false]);
    expect(of('/registry/services/endpoints/default/kubernetes')[0]).toBe('/registry/services/endpoints/');
  });

  test('OpenShift roots, and a custom --etcd-prefix', () => {
    expect(of('/kubernetes.io/pods/ns/p')[0]).toBe('/kubernetes.io/pods/');
    expect(of('/openshift.io/routes/ns/r')[0]).toBe('/openshift.io/routes/');
    const layout = { kubernetesRoots: ['/k8s/'], depth: 1 };
    expect(of('/k8s/pods/ns/p', layout)[0]).toBe('/k8s/pods/');
    expect(of('/registry/pods/ns/p', layout)).toEqual(['/registry/', 'path', null, null, false]);
  });

  test('keys right under a root or a group count under it', () => {
    expect(of('/registry/health')).toEqual(['/registry/', 'kubernetes', null, null, false]);
    expect(of('/registry/example.com/x')).toEqual(['/registry/example.com/', 'kubernetes', 'example.com', null, false]);
  });

  test('other rings: the first path segments, a shorter key under its parent', () => {
    expect(of('/calico/ipam/v2/handle/x')).toEqual(['/calico/', 'path', null, null, false]);
    expect(of('/calico/ipam/v2/handle/x', { ...DEFAULT_LAYOUT, depth: 2 })[0]).toBe('/calico/ipam/');
    expect(of('/calico/ipam', { ...DEFAULT_LAYOUT, depth: 2 })[0]).toBe('/calico/');
    expect(of('/health')[0]).toBe('/');
    expect(of('config/app.yaml')[0]).toBe('config/');
    expect(of('plain')[0]).toBe('');
  });

  test('any bytes pass through exactly (keys are latin1, one char per byte)', () => {
    const key = Buffer.from('/app\xff\x00/x/y', 'latin1').toString('latin1');
    expect(of(key)[0]).toBe('/app\xff\x00/');
  });
});
