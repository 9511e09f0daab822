import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';

vi.mock('server-only', () => ({}));
const { loadConfig } = await import('./load');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

function configIn(dataDir: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-load-'));
  dirs.push(dir);
  const file = path.join(dir, 'ringside.yaml');
  writeFileSync(file, `dataDir: ${dataDir}\nclusters:\n  - name: c\n    endpoints: [http://127.0.0.1:2379]\n`);
  return file;
}

describe('loadConfig: dataDir is where Ringside writes', () => {
  test('a missing dataDir is created', () => {
    const file = configIn('state/ringside');
    expect(loadConfig(file).dataDir).toBe(path.join(path.dirname(file), 'state/ringside'));
  });

  test.skipIf(process.getuid?.() === 0)('a dataDir that cannot be written is refused at start, naming the key and the folder', () => {
    const file = configIn('ringside-data');
    // The config's folder read-only, as a ConfigMap mount is: the relative dataDir cannot be made.
    chmodSync(path.dirname(file), 0o555);
    expect(() => loadConfig(file)).toThrow(/^dataDir: .*ringside-data cannot be written \(EACCES\): .*point dataDir at a writable directory/);
  });

  test('a dataDir that is a file is refused', () => {
    const file = configIn('taken');
    writeFileSync(path.join(path.dirname(file), 'taken'), 'x');
    expect(() => loadConfig(file)).toThrow(/^dataDir: .*taken cannot be written \((EEXIST|ENOTDIR)\)/);
  });
});
