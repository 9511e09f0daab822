import 'server-only';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { TlsMaterial } from '../config/types';

/**
 * What a member's client URL answers on /version: its own version, the cluster version it runs
 * at, and from 3.6 its storage version ({"etcdserver":"3.6.0","etcdcluster":"3.6.0","storage":"3.6.0"},
 * server/etcdserver/api/etcdhttp/version.go; 3.4 and 3.5 have no `storage`). The cluster version
 * is "not_decided" while a starting member has not learned it, the storage version "unknown".
 */
export interface ServerVersions {
  server: string | null;
  cluster: string | null;
  storage: string | null;
}

/** /version is a few dozen bytes; anything far larger is not etcd. */
const MAX_BYTES = 64 * 1024;

/** One GET of `${clientURL}/version`, with the cluster's TLS material (a client certificate where the ring asks for one). */
export function fetchVersions(clientURL: string, tls: TlsMaterial | undefined, timeoutMs: number): Promise<ServerVersions> {
  const secure = clientURL.startsWith('https:');
  const get = secure ? https.get : http.get;
  const options = secure ? { ca: tls?.ca ?? rootCertificates.join('\n'), cert: tls?.cert, key: tls?.key } : {};
  return new Promise((resolve, reject) => {
    const req = get(`${clientURL.replace(/\/$/, '')}/version`, { ...options, agent: false, headers: { Accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`/version answered HTTP ${res.statusCode}`));
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        if (text.length > MAX_BYTES) req.destroy(new Error('/version answered more than 64 kB: not etcd'));
      });
      res.on('end', () => {
        try {
          const v = JSON.parse(text) as Record<string, unknown>;
          const str = (x: unknown) => (typeof x === 'string' && x !== '' && x !== 'not_decided' && x !== 'unknown' ? x : null);
          resolve({ server: str(v.etcdserver), cluster: str(v.etcdcluster), storage: str(v.storage) });
        } catch {
          reject(new Error('/version did not answer JSON'));
        }
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`/version timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e: Error & { code?: string }) => reject(new Error(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message.split('\n')[0].slice(0, 200))));
    req.on('close', () => clearTimeout(timer));
  });
}
