import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EtcdRing } from './ring';

/**
 * Real data corruption, the recipe of ETCD.md: write a distinctive value, let it reach every
 * member, stop one follower, overwrite every copy of the value in its bbolt file in place (same
 * length, so the file stays readable), and leave the member stopped. The caller restarts it with
 * or without the initial corruption check.
 */
export async function corruptFollower(ring: EtcdRing, name: string, key = '/ringside/corrupt-me'): Promise<{ copies: number }> {
  const good = 'A'.repeat(64);
  const bad = 'B'.repeat(64);
  const put = await ring.etcdctl(['put', key, good]);
  if (put.code !== 0) throw new Error(`put failed: ${put.stderr}`);
  await new Promise((r) => setTimeout(r, 1000)); // the value must reach the follower's backend
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
