import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';
import { freePortBlock } from '../harness/ports';

const root = path.resolve(__dirname, '..', '..');

/** The newcomer's command: a real 3-member ring and the dashboard, checked and torn down. */
test('npm run demo brings up a 3-member ring and the dashboard', async () => {
  const [port] = await freePortBlock(1);
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/demo.ts', '--check'], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(output).toContain('shows 3 reachable members and a leader');
  expect(code, output).toBe(0);
}, 120_000);
