import 'server-only';
import type { MemberClient } from '../etcd/client';
import type { KvFacts } from './types';

/**
 * What a restore must reproduce, asked of one member at one revision: the keys live there and
 * HashKV there. Asked of the live member right after a backup (take.ts) and of the restored
 * member in a drill (drill.ts), the same way, so the two answers are comparable. Never throws:
 * a fact the member cannot give (the revision already compacted, a timeout) is null, with why.
 */
export async function kvFacts(client: MemberClient, revision: number, timeoutMs: number): Promise<KvFacts> {
  const [keys, hash] = await Promise.all([
    client.countKeys(revision, timeoutMs).then(
      (n) => ({ ok: true as const, n }),
      (e: unknown) => ({ ok: false as const, error: firstLine(e) }),
    ),
    client.hashKv(revision),
  ]);
  const notes: string[] = [];
  if (!keys.ok) notes.push(`counting keys at revision ${revision} failed: ${keys.error}`);
  if (!hash.ok) notes.push(`HashKV at revision ${revision} failed: ${hash.error}`);
  return {
    revision,
    keys: keys.ok ? keys.n : null,
    hashKv: hash.ok ? hash.hash : null,
    compactRevision: hash.ok ? hash.compactRevision : null,
    note: notes.length ? notes.join('; ') : null,
  };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/^\d+ [A-Z_]+: /, '').slice(0, 200);
}
