// A member launcher for demo and test rings, standing in for the people who run etcd on each
// member's machine: Ringside's replacement wizard asks it to start the member it just added
// ("Start it" button), and the disaster restore wizard to stop every member, restore each from
// a snapshot file and start them again. It listens on 127.0.0.1 only, and only acts on etcd
// members of this ring through the harness (which tracks and ends them), with structured
// parameters: it never runs a command line it was sent. Production members are started by
// people on their own machines.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EtcdRing, MemberHandle } from './ring';

export interface Launcher {
  url: string;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;
const str = (b: Body, k: string) => (typeof b[k] === 'string' ? (b[k] as string) : null);

/** Each route: the fields it needs (strings), and what it does with them. */
const ROUTES: Record<string, { fields: string[]; run: (ring: EtcdRing, b: Body) => Promise<MemberHandle | void> }> = {
  '/start': {
    fields: ['name', 'peerURL', 'clientURL', 'initialCluster'],
    run: (ring, b) => ring.launchJoining({ name: str(b, 'name')!, peerURL: str(b, 'peerURL')!, clientURL: str(b, 'clientURL')!, initialCluster: str(b, 'initialCluster')! }),
  },
  '/stop': { fields: ['name'], run: (ring, b) => ring.stop(str(b, 'name')!) },
  '/restore': {
    fields: ['name', 'peerURL', 'clientURL', 'initialCluster', 'token', 'snapshot', 'tool'],
    run: (ring, b) => {
      const tool = str(b, 'tool');
      if (tool !== 'etcdctl' && tool !== 'etcdutl') throw new Error('tool: expected etcdctl or etcdutl');
      const bump = typeof b.bumpRevision === 'number' ? b.bumpRevision : null;
      return ring.restoreMember({ name: str(b, 'name')!, peerURL: str(b, 'peerURL')!, clientURL: str(b, 'clientURL')!, initialCluster: str(b, 'initialCluster')!, token: str(b, 'token')!, snapshot: str(b, 'snapshot')!, tool, bumpRevision: bump });
    },
  },
  '/start-restored': { fields: ['name'], run: (ring, b) => ring.startRestored(str(b, 'name')!) },
};

export async function startLauncher(ring: EtcdRing, onStart?: () => void): Promise<Launcher> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = req.method === 'POST' ? ROUTES[req.url ?? ''] : undefined;
    if (!route) return reply(404, { error: `POST ${Object.keys(ROUTES).join(', ')} only` });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
      if (text.length > 16_384) req.destroy();
    });
    req.on('end', async () => {
      let body: Body;
      try {
        body = JSON.parse(text);
      } catch {
        return reply(400, { error: 'body: not JSON' });
      }
      const missing = route.fields.filter((f) => str(body, f) === null);
      if (missing.length) return reply(400, { error: `expected { ${route.fields.join(', ')} } strings; missing ${missing.join(', ')}` });
      try {
        const m = await route.run(ring, body);
        onStart?.();
        reply(200, m ? { name: m.name, pid: m.pid, clientURL: m.clientURL } : {});
      } catch (e) {
        reply(500, { error: (e instanceof Error ? e.message : String(e)).split('\n')[0] });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
