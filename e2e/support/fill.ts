import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Runs in a child: etcd3 puts of 100 kB values, 20 in flight, no fault handling. */
const FILL = `
const { Etcd3 } = require('etcd3');
const { noop } = require('cockatiel');
const [endpoints, bytes, prefix] = JSON.parse(process.argv[1]);
(async () => {
  const client = new Etcd3({ hosts: endpoints, faultHandling: { host: () => noop, global: noop } });
  const value = Buffer.alloc(100000, 'r');
  const keys = Math.ceil(bytes / value.length);
  for (let i = 0; i < keys; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, keys - i) }, (_, j) => client.put(prefix + (i + j)).value(value)));
  }
  client.close();
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

/**
 * Writes about `bytes` of data into a ring: keys `<prefix><n>` with 100 kB values. In a child
 * process, so the memory the client spends writing never counts against a test or benchmark
 * that measures its own. The ring needs a quota above the size (e.g.
 * --quota-backend-bytes=1073741824 for 100+ MB).
 */
export function fillRing(endpoints: string[], bytes: number, prefix = '/fill/'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', FILL, JSON.stringify([endpoints, bytes, prefix])], { cwd: ROOT, timeout: 300_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`fillRing failed: ${stderr.trim() || err.message}`)) : resolve(),
    );
  });
}
