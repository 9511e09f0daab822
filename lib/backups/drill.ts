import 'server-only';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { MemberClient } from '../etcd/client';
import { isRingsideError } from '../errors';
import { restoreToolFor } from '../ops/restore-commands';
import { fetchVerified, FetchFailed } from './fetch';
import { kvFacts } from './kv-facts';
import type { BackupStore } from './store';
import { DrillStageError, restoreAndStart, type RestoreTool, type ThrowawayMember } from './throwaway-member';
import type { DrillRecord, StoredBackup } from './types';

export type DrillCheckName = 'fetch' | 'size' | 'sha256' | 'decrypt' | 'trailer' | 'status' | 'restore' | 'start' | 'revision' | 'keys' | 'hashKv';

export interface DrillCheck {
  name: DrillCheckName;
  /** null: not compared (nothing recorded at backup time to compare with). */
  ok: boolean | null;
  detail: string;
}

export interface DrillOutcome {
  cluster: string;
  store: string;
  id: string;
  /** not-run: the drill could not judge the backup (no etcd configured, a tool or the key missing); `reason` says what to set. */
  result: 'passed' | 'failed' | 'not-run';
  /** One sentence for the timeline, the audit log and the backup list. */
  reason: string;
  at: string;
  durationMs: number;
  /** Each stage, in order, as far as the drill got. */
  checks: DrillCheck[];
  /** e.g. "etcdctl snapshot restore"; null when not run. */
  restoreTool: string | null;
  /** The version of the etcd the drill ran. */
  etcdVersion: string | null;
  /** The throwaway member while it ran (stopped by this PID, its directory removed, before the outcome returns). */
  member: { endpoint: string; pid: number } | null;
}

export interface DrillTools {
  etcd: string | null;
  etcdctl: string | null;
  etcdutl: string | null;
}

export interface DrillOptions {
  store: BackupStore;
  cluster: string;
  id: string;
  /** The backup key, for encrypted backups. */
  key?: Buffer;
  tools: DrillTools;
  /** A drill directory is made inside and removed at the end; needs room for twice the db. */
  workDir: string;
  now?: () => Date;
  restoreTimeoutMs?: number;
  startTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Each stage as it starts, for an operation's step list. */
  onStep?: (step: string) => void;
}

class Failed extends Error {
  constructor(readonly check: DrillCheck) {
    super(check.detail);
  }
}

/**
 * A restore drill: proves that a stored backup restores to what the ring held when it was
 * taken. Fetches the object from its store (a stream to a private directory), checks its size
 * and SHA-256 against the sidecar, decrypts it (every chunk authenticated), checks etcd's own
 * SHA-256 trailer and `etcdctl snapshot status` against the sidecar, restores it with the tool
 * for its etcd version (3.4: `etcdctl snapshot restore`; from 3.5: `etcdutl snapshot restore`)
 * into a throwaway single-member etcd on 127.0.0.1 (throwaway-member.ts), starts it, and compares
 * the revision it serves, the keys live at that revision and HashKV there with what the live
 * member answered at backup time (kv-facts.ts). The member is stopped by its PID and the
 * directory removed whatever happens.
 *
 * Never throws for what it finds: a bad backup is a `failed` outcome naming why, and a drill that
 * cannot run says so (`not-run`). Throws only when the backup does not exist (NOT_FOUND) or the
 * store cannot be listed. Keep the outcome with `store.recordDrill(cluster, id, drillRecord(o))`.
 */
export async function runDrill(o: DrillOptions): Promise<DrillOutcome> {
  const now = o.now ?? (() => new Date());
  const at = now().toISOString();
  const started = performance.now();
  const checks: DrillCheck[] = [];
  let restoreTool: string | null = null;
  let etcdVersion: string | null = null;
  let member: ThrowawayMember | null = null;
  const done = (result: DrillOutcome['result'], reason: string): DrillOutcome => ({
    cluster: o.cluster,
    store: o.store.name,
    id: o.id,
    result,
    reason,
    at,
    durationMs: Math.round(performance.now() - started),
    checks,
    restoreTool,
    etcdVersion,
    member: member && { endpoint: member.endpoint, pid: member.pid },
  });

  const { etcd } = o.tools;
  if (!etcd) return done('not-run', 'no etcd binary configured for drills: set backups.drill.etcd (a drill restores the backup into a throwaway single-member etcd on 127.0.0.1)');
  if (!(await executable(etcd))) return done('not-run', `backups.drill.etcd: ${etcd} is not an executable file`);
  etcdVersion = await versionOf(etcd);
  if (!etcdVersion) return done('not-run', `backups.drill.etcd: ${etcd} --version did not say which etcd it is`);

  const backup = await o.store.stat(o.cluster, o.id);
  const from = backup.etcdVersion ?? etcdVersion;
  if (minor(from) !== minor(etcdVersion)) {
    return done('not-run', `the backup comes from etcd ${from} and the drill's etcd (${etcd}) is ${etcdVersion}: a snapshot restores into the same minor version, so configure an etcd ${minor(from)} for drills`);
  }
  const tool = drillToolFor(from, o.tools);
  if ('missing' in tool) return done('not-run', tool.missing);
  if (!(await executable(tool.path))) return done('not-run', `backups.drill.${tool.kind}: ${tool.path} is not an executable file (it restores ${minor(from)} snapshots)`);
  restoreTool = `${tool.kind} snapshot restore`;
  if (backup.encrypted && !o.key) return done('not-run', 'the backup is encrypted and no key is configured (backups.encrypt: true with $RINGSIDE_BACKUP_KEY)');

  await mkdir(o.workDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(path.join(o.workDir, 'drill-'));
  const step = (s: string) => o.onStep?.(s);
  const pass = (name: DrillCheckName, detail: string) => checks.push({ name, ok: true, detail });
  const skip = (name: DrillCheckName, detail: string) => checks.push({ name, ok: null, detail });
  const fail = (name: DrillCheckName, detail: string) => {
    const check = { name, ok: false, detail };
    checks.push(check);
    return new Failed(check);
  };
  let client: MemberClient | null = null;
  // The stage an unexpected error belongs to.
  let stage: DrillCheckName = 'restore';
  try {
    const { snapshot, status } = await fetchVerified({ store: o.store, cluster: o.cluster, backup, key: o.key, dir, onStep: step, onCheck: (c) => checks.push(c) }).catch((e: unknown) => {
      throw e instanceof FetchFailed ? new Failed(e.check) : e;
    });

    step(`Restore it with ${restoreTool} and start a throwaway member on 127.0.0.1`);
    stage = 'restore';
    try {
      member = await restoreAndStart({
        snapshot,
        dir,
        tool,
        etcd,
        dbSize: status.totalSize,
        restoreTimeoutMs: o.restoreTimeoutMs ?? 600_000,
        startTimeoutMs: o.startTimeoutMs ?? 60_000,
      });
    } catch (e) {
      if (e instanceof DrillStageError) throw fail(e.stage, e.message);
      throw e;
    }
    pass('restore', `${restoreTool} (etcd ${etcdVersion})`);
    pass('start', `serving at ${member.endpoint} (PID ${member.pid})`);

    step('Compare revision, keys and HashKV with what was recorded at backup time');
    stage = 'revision';
    const callMs = o.callTimeoutMs ?? 60_000;
    client = new MemberClient(member.endpoint, undefined, callMs);
    const served = (await client.status(callMs)).revision;
    if (served !== backup.revision) throw fail('revision', `the restored member serves revision ${served}, the sidecar recorded ${backup.revision}`);
    pass('revision', `revision ${served}, as recorded`);
    compareFacts(backup, await kvFacts(client, backup.revision, callMs), { pass, skip, fail });
  } catch (e) {
    if (e instanceof Failed) return done('failed', e.check.detail);
    const msg = message(e);
    checks.push({ name: stage, ok: false, detail: msg });
    return done('failed', msg);
  } finally {
    client?.close();
    await member?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const unchecked = checks.filter((c) => c.ok === null).map((c) => `${c.name} (${c.detail})`);
  const proven = `restored with ${restoreTool} (etcd ${etcdVersion}): revision ${backup.revision}${backup.kv?.keys != null ? `, ${backup.kv.keys} keys` : ''}${backup.kv?.hashKv != null ? `, HashKV ${backup.kv.hashKv}` : ''} as recorded at backup time`;
  return done('passed', unchecked.length ? `${proven}; not compared: ${unchecked.join('; ')}` : proven);
}

/** The sidecar's record of a drill that ran; null for one that did not. */
export function drillRecord(o: DrillOutcome): DrillRecord | null {
  return o.result === 'not-run' ? null : { at: o.at, result: o.result, reason: o.reason, durationMs: o.durationMs };
}

type Mark = (name: DrillCheckName, detail: string) => unknown;

function compareFacts(backup: StoredBackup, got: Awaited<ReturnType<typeof kvFacts>>, m: { pass: Mark; skip: Mark; fail: (name: DrillCheckName, detail: string) => Failed }): void {
  const want = backup.kv;
  if (!want || want.keys === null) m.skip('keys', `the key count was not recorded at backup time${want?.note ? ` (${want.note})` : ''}`);
  else if (got.keys !== want.keys) throw m.fail('keys', got.keys === null ? `the restored member could not count its keys: ${got.note}` : `the restored member holds ${got.keys} keys at revision ${backup.revision}, the sidecar recorded ${want.keys}`);
  else m.pass('keys', `${got.keys} keys at revision ${backup.revision}, as recorded`);

  if (!want || want.hashKv === null) m.skip('hashKv', `HashKV was not recorded at backup time${want?.note ? ` (${want.note})` : ''}`);
  else if (got.hashKv === null) throw m.fail('hashKv', `the restored member could not compute HashKV: ${got.note}`);
  else if (got.compactRevision !== want.compactRevision) throw m.fail('hashKv', `HashKV is not comparable: the restored member is compacted at revision ${got.compactRevision}, the live member was at ${want.compactRevision} when the backup was taken`);
  else if (got.hashKv !== want.hashKv) throw m.fail('hashKv', `HashKV at revision ${backup.revision} is ${got.hashKv} on the restored member, ${want.hashKv} on the live member at backup time: the restored data differs`);
  else m.pass('hashKv', `HashKV ${got.hashKv} at revision ${backup.revision}, as recorded`);
}

/** The configured binary of the tool that restores `version` (the decision is restoreToolFor's, shared with the restore wizard). */
function drillToolFor(version: string, tools: DrillTools): RestoreTool | { missing: string } {
  const { kind } = restoreToolFor(version, { kubernetes: false });
  const p = tools[kind];
  return p ? { kind, path: p } : { missing: `no ${kind} configured for drills: set backups.drill.${kind} (it restores etcd ${minor(version)} snapshots)` };
}

const minor = (version: string) => version.split('.').slice(0, 2).join('.');

async function executable(p: string): Promise<boolean> {
  return access(p, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function versionOf(etcd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(etcd, ['--version'], { timeout: 10_000 }, (_err, stdout) => resolve(/etcd Version: (\d+\.\d+\.\d+)/.exec(stdout ?? '')?.[1] ?? null));
  });
}

function message(e: unknown): string {
  if (isRingsideError(e)) return e.message;
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
