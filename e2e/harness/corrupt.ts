import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJsonBig, type EtcdRing } from './ring';

/**
 * Real data corruption, the recipe of ETCD.md: write a distinctive value, wait until one
 * follower has applied it, stop that follower, overwrite every copy of the value in its bbolt file in place (same
 * length, so the file stays readable), and leave the member stopped. The caller restarts it with
 * or without the initial corruption check.
 */
export async function corruptFollower(ring: EtcdRing, name: string, key = '/ringside/corrupt-me'): Promise<{ copies: number }> {
  const good = 'A'.repeat(64);
  const bad = 'B'.repeat(64);
  const put = await ring.etcdctl(['put', key, good, '-w', 'json']);
  if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
  const revision = Number((parseJsonBig(put.stdout) as { header: { revision: number | string } }).header.revision);
  // The value must be applied on the follower (then a graceful stop writes it to its db file).
  const endpoint = ring.member(name).clientURL;
  await ring.waitFor(
    async () => {
      const st = await ring.etcdctl(['endpoint', 'status', '-w', 'json'], { endpoints: [endpoint] });
      const [s] = st.code === 0 ? (parseJsonBig(st.stdout) as { Status: { header: { revision: number | string } } }[]) : [];
      return s !== undefined && Number(s.Status.header.revision) >= revision;
    },
    { what: `${name} to apply revision ${revision}`, timeoutMs: 10_000 },
  );
  await ring.stop(name);
  const db = path.join(ring.member(name).dataDir, 'member', 'snap', 'db');
  const bytes = await readFile(db);
  const needle = Buffer.from(good);
  let copies = 0;
  for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + needle.length)) {
    bytes.write(bad, i, 'latin1');
    copies++;
  }
  if (copies === 0) throw new Error(`value not found in ${db}`);
  await writeFile(db, bytes);
  return { copies };
}
