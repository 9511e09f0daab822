import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { AuditLog } from './log';
import type { AuditEntry } from './types';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpFile(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ringside-audit-'));
  dirs.push(d);
  return path.join(d, 'sub', 'audit.jsonl');
}

const entry = (n: number, cluster = 'a'): AuditEntry => ({
  id: `op-${n}`,
  at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
  user: 'alice',
  via: 'password',
  cluster,
  action: 'defragment',
  params: { n },
  result: 'ok',
  durationMs: n,
});

describe('AuditLog', () => {
  test('appends lines in order, returns the newest first, filtered by cluster', async () => {
    const file = tmpFile();
    const log = new AuditLog(file);
    await Promise.all([1, 2, 3, 4].map((n) => log.append(entry(n, n % 2 ? 'a' : 'b'))));
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['op-1', 'op-2', 'op-3', 'op-4']);
    expect((await log.query({ cluster: 'a' })).map((e) => e.id)).toEqual(['op-3', 'op-1']);
    expect((await log.query({ limit: 2 })).map((e) => e.id)).toEqual(['op-4', 'op-3']);
    await log.close();
  });

  test('a torn last line (a crash mid-write) is skipped and the next entry starts on its own line', async () => {
    const file = tmpFile();
    const first = new AuditLog(file);
    await first.append(entry(1));
    await first.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"id":"op-2","at":"2023`, { flag: 'w' });
    const again = new AuditLog(file);
    await again.append(entry(3));
    expect((await again.query()).map((e) => e.id)).toEqual(['op-3', 'op-1']);
    // Nothing already written was rewritten: the torn text is still there, on its own line.
    expect(readFileSync(file, 'utf8')).toContain('{"id":"op-2","at":"2023\n');
    await again.close();
  });

  test('a missing file is an empty log', async () => {
    expect(await new AuditLog(tmpFile()).query()).toEqual([]);
  });

  test('the file is private to the server user', async () => {
    const file = tmpFile();
    const log = new AuditLog(file);
    await log.append(entry(1));
    const { statSync } = await import('node:fs');
    expect(statSync(file).mode & 0o077).toBe(0);
    await log.close();
  });
});
