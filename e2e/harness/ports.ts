// Free loopback port blocks for test etcd rings.
//
// Ports stay below the kernel's ephemeral range (32768-60999 here): Linux hands
// those out to outgoing connections at any moment, so a port probed free there
// can be taken before etcd binds it (seen on these machines, see ETCD.md).
import net from 'node:net';
import { readFileSync } from 'node:fs';

const LOW = 10_000;

// Ports handed out by this process and not yet bound by etcd: two rings started
// concurrently in one process must not probe the same still-unbound block.
const issued = new Set<number>();

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    if (Number.isInteger(n) && n > LOW + 1000) return Math.min(n, 32768);
  } catch {
    // Not Linux or no /proc: fall back to the Linux default.
  }
  return 32768;
}

/** True when 127.0.0.1:port can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    // exclusive: do not share a handle with cluster workers; we want a real bind.
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive free ports on 127.0.0.1, all below the ephemeral range.
 * The block starts at a random port so parallel suites rarely pick the same one.
 */
export async function freePortBlock(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`freePortBlock: bad count ${count}`);
  const high = ephemeralLow() - 1; // last usable port
  for (let attempt = 0; attempt < 200; attempt++) {
    const start = LOW + Math.floor(Math.random() * (high - LOW - count + 2));
    const block = Array.from({ length: count }, (_, i) => start + i);
    if (block.some((p) => issued.has(p))) continue;
    let ok = true;
    for (const p of block) {
      if (!(await portIsFree(p))) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    block.forEach((p) => issued.add(p));
    return block;
  }
  throw new Error(`freePortBlock: no block of ${count} free ports found below ${high + 1}`);
}

/** Forget ports of a ring that is gone so a later ring in this process may reuse them. */
export function releasePorts(ports: number[]): void {
  for (const p of ports) issued.delete(p);
}

/** Whether a process with this PID exists (signal 0 checks without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
