// Decrypts a Ringside snapshot backup (format: lib/snapshot/encryption.ts) back into the
// plain etcd snapshot that `etcdctl snapshot restore` takes.
//
//   RINGSIDE_BACKUP_KEY=... npx tsx scripts/decrypt-snapshot.ts <backup.db.enc> <out.db>
//
// The key is 32 bytes as base64 or 64 hex digits, read from $RINGSIDE_BACKUP_KEY only
// (never an argument: arguments show in `ps`). The plaintext streams to <out.db>.part,
// its SHA-256 trailer is checked, then it is fsynced and moved to <out.db>. An existing
// <out.db> is never overwritten. On any failure the .part is removed, one line goes to
// stderr, and the exit code is 1.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, unlinkSync } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const USAGE = 'usage: RINGSIDE_BACKUP_KEY=<base64 or hex> npx tsx scripts/decrypt-snapshot.ts <backup.db.enc> <out.db>';

class Failure extends Error {}

/**
 * lib/ modules start with `import 'server-only'`, which loads only under React's server
 * condition. Run plainly (`npx tsx scripts/...`), re-run this script under that condition.
 */
async function serverOnlyLoads(): Promise<boolean> {
  try {
    await import('server-only');
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2);
  if (!input || !output || process.argv.length > 4) throw new Failure(USAGE);

  const { parseBackupKey, createDecryptor, isEncryptedSnapshot } = await import('../lib/snapshot/encryption');
  const { SnapshotVerifier } = await import('../lib/snapshot/trailer');

  const key = parseBackupKey(process.env.RINGSIDE_BACKUP_KEY);
  if (!existsSync(input)) throw new Failure(`${input}: no such file`);
  if (!(await isEncryptedSnapshot(input))) throw new Failure(`${input} is not an encrypted Ringside snapshot`);
  if (existsSync(output)) throw new Failure(`${output} already exists; refusing to overwrite it`);

  const part = `${output}.part`;
  let fh;
  try {
    fh = await open(part, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Failure(`${part} already exists (another decrypt running, or one that was killed); remove it and retry`);
    }
    throw e;
  }
  const cleanup = (): void => {
    try {
      unlinkSync(part);
    } catch {
      // already gone
    }
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.stderr.write(`decrypt-snapshot: interrupted (${sig}); removed ${part}\n`);
    process.exit(1);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const verifier = new SnapshotVerifier();
    const sink = createWriteStream('', { fd: fh.fd, autoClose: false, highWaterMark: 1 << 20 });
    await pipeline(createReadStream(input, { highWaterMark: 1 << 20 }), createDecryptor(key), verifier, sink);
    await fh.sync();
    await fh.close();
    fh = undefined;
    // link() fails if <out> appeared meanwhile, where rename() would replace it.
    try {
      await link(part, output);
      await unlink(part);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new Failure(`${output} appeared while decrypting; refusing to overwrite it`);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw e;
      await rename(part, output); // a filesystem without hard links
    }
    const dir = await open(path.dirname(path.resolve(output)), 'r');
    await dir.sync().finally(() => dir.close());
    const r = verifier.result!;
    process.stdout.write(`${output}: ${r.size} bytes, sha256 ${r.sha256}, SHA-256 trailer ok\n`);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    cleanup();
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function run(): Promise<void> {
  if (!(await serverOnlyLoads())) {
    if (process.env.RINGSIDE_SERVER_CONDITION === '1') throw new Failure("cannot load 'server-only' even under --conditions=react-server");
    const r = spawnSync(process.execPath, ['--conditions=react-server', ...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, RINGSIDE_SERVER_CONDITION: '1' },
    });
    process.exit(r.status ?? 1);
  }
  await main();
}

run().catch((e: unknown) => {
  // Messages name files and what is wrong, never the key.
  process.stderr.write(`decrypt-snapshot: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
