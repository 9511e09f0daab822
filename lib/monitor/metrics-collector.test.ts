import { describe, expect, test } from 'vitest';
import { MetricsCollector } from './metrics-collector';

const member = (name: string, client = 'https://10.0.0.1:2379') => ({ name, clientURLs: [client], endpoint: client });
const collector = (metrics?: ConstructorParameters<typeof MetricsCollector>[0]['metrics']) =>
  new MetricsCollector({ name: 'prod', endpoints: ['https://10.0.0.1:2379'], metrics }, 800, 1000);

describe('where a member’s /metrics is scraped', () => {
  test('by default its client URL, with the cluster’s TLS', () => {
    expect(collector().urlOf(member('a'))).toBe('https://10.0.0.1:2379/metrics');
  });
  test('a member named in metrics.urls uses its own listener; the others fall back', () => {
    const c = collector({ enabled: true, urls: { a: 'http://10.0.0.1:2381' }, scheme: 'http' });
    expect(c.urlOf(member('a'))).toBe('http://10.0.0.1:2381/metrics');
    expect(c.urlOf(member('b', 'https://10.0.0.2:2379'))).toBe('https://10.0.0.2:2379/metrics');
  });
  test('metrics.port: the client host on that port and scheme (kubeadm’s :2381)', () => {
    const c = collector({ enabled: true, urls: {}, port: 2381, scheme: 'http' });
    expect(c.urlOf(member('b', 'https://10.0.0.2:2379'))).toBe('http://10.0.0.2:2381/metrics');
  });
  test('off, or a member with no client URL yet (added, not started): nothing to scrape', () => {
    expect(collector({ enabled: false, urls: {}, scheme: 'http' }).urlOf(member('a'))).toBeNull();
    expect(collector().urlOf({ name: '', clientURLs: [], endpoint: null })).toBeNull();
  });
});
