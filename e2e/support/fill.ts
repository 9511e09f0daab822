import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';

/**
 * Writes about `bytes` of data into a ring: keys `<prefix><n>` with 100 kB values, 20 puts in
 * flight. For tests and benchmarks that need a big db; the ring needs a quota above its size
 * (e.g. --quota-backend-bytes=1073741824 for 100+ MB).
 */
export async function fillRing(endpoints: string[], bytes: number, prefix = '/fill/'): Promise<number> {
  const client = new Etcd3({ hosts: endpoints, faultHandling: { host: () => noop, global: noop } });
  try {
    const value = Buffer.alloc(100_000, 'r');
    const keys = Math.ceil(bytes / value.length);
    for (let i = 0; i < keys; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, keys - i) }, (_, j) => client.put(`${prefix}${i + j}`).value(value)));
    }
    return keys;
  } finally {
    client.close();
  }
}
