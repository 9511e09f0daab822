import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword, hashToken } from '@/lib/auth/password';
import type { StoredSnapshot } from '@/lib/ops/types';
import type { LogsResponse } from '@/lib/query/keys';
import { EtcdRing, freePortBlock } from '../harness/ring';
import { stopChild } from '../support/child';
import { checkHistory, checkRing, checkSignIn, type DemoTarget } from '../support/demo-check';
import { FakeKube } from '../support/fake-kube';
import { OpsClient } from '../support/ops-client';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const ETCD_DIR = path.dirname(process.env.RINGSIDE_ETCD_BIN || '/usr/bin/etcd');
const PASSWORD = 'image-test-password';
const TOKEN = 'image-test-operator-token-0123456789abcdef';

/** The Dockerfile's instructions per stage, continuation lines joined, comments dropped. */
function dockerStages(): { from: string; lines: string[] }[] {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: { from: string; lines: string[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (!line || line.startsWith('#')) continue;
    if (/^FROM /i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** Every path under `dir` with its type, mode, size and mtime: to prove nothing in it changed. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const s = lstatSync(p);
      out.push(`${path.relative(dir, p)} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * What the image holds, run as the image runs it: scripts/assemble-image.sh lays out the runtime
 * stage's files (the Dockerfile copies that script's output and nothing else; checked below), and
 * the tree's own `node server.js` runs from /app as an unprivileged user against a real 3-member
 * ring, with nothing in the tree writable and dataDir the only place it may write. As root (CI)
 * the server runs under a throwaway uid through setpriv and every file that uid owns afterwards is
 * listed; as another user it runs as that user, and says so.
 */
describe('the image (assembled by scripts/assemble-image.sh) run as an unprivileged user', () => {
  const asRoot = process.getuid?.() === 0;
  // A uid nothing on this machine uses, so every file it owns afterwards is one the server made.
  const uid = asRoot ? 2_000_000_000 + randomInt(100_000_000) : process.getuid!();
  let dir: string;
  let rootfs: string;
  let app: string;
  let dataDir: string;
  let configFile: string;
  let before: string[];
  let ring: EtcdRing;
  let kube: FakeKube;
  let server: ChildProcess;
  let log = '';
  let target: DemoTarget;
  let stopLoad = () => {};

  const setpriv = [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--'];
  /** A command as the server's user. */
  const asUser = (cmd: string, args: string[]) => (asRoot ? run('setpriv', [...setpriv, cmd, ...args], { timeout: 60_000 }) : run(cmd, args, { timeout: 60_000 }));
  /**
   * As root, the server also gets what readOnlyRootFilesystem gives a container: a mount namespace
   * of its own where / is read-only, dataDir is bound writable on top, and this repo is hidden
   * (so nothing outside the tree can be loaded). `sh` and `setpriv` exec, so the PID is node's.
   */
  const readOnlyRoot = (data: string) => [
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    'mount --bind "$1" "$1" && mount -o remount,bind,ro / && mount -t tmpfs -o ro,size=4k none "$2" && shift 2 && exec "$@"',
    'sh',
    data,
    root,
  ];
  let sealed = false;

  beforeAll(async () => {
    if (!existsSync(path.join(root, '.next', 'standalone', 'server.js'))) throw new Error('no .next/standalone: run `npx next build` first (npm test does)');
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-image-'));
    chmodSync(dir, 0o755);
    rootfs = path.join(dir, 'rootfs');
    const assembled = await run('bash', [path.join(root, 'scripts', 'assemble-image.sh'), '--etcd-from', ETCD_DIR, rootfs], { timeout: 120_000 });
    console.log(assembled.stdout.trim());
    app = path.join(rootfs, 'app');
    // The image's dataDir, handed to the server's user as the Dockerfile and Kubernetes (fsGroup) do.
    dataDir = path.join(rootfs, 'var', 'lib', 'ringside');
    if (asRoot) chownSync(dataDir, uid, uid);
    chmodSync(dataDir, 0o700);
    before = listing(app);

    ring = await EtcdRing.start({ size: 3 });
    // The Kubernetes API stand-in, reached the way a pod reaches its API server: the service
    // account's files (readable by the pod's user, as the kubelet mounts them) and two variables.
    // This also runs @kubernetes/client-node from the tree.
    kube = await FakeKube.start({ members: () => ring.members });
    const sa = kube.serviceAccount();
    const serviceAccount = path.join(dir, 'serviceaccount');
    mkdirSync(serviceAccount, { mode: 0o755 });
    for (const f of ['token', 'ca.crt', 'namespace']) {
      copyFileSync(path.join(sa.dir, f), path.join(serviceAccount, f));
      chmodSync(path.join(serviceAccount, f), 0o644);
    }
    configFile = path.join(dir, 'etc', 'ringside', 'config', 'ringside.yaml');
    mkdirSync(path.dirname(configFile), { recursive: true, mode: 0o755 });
    writeFileSync(
      configFile,
      [
        'pollIntervalMs: 1000',
        `dataDir: ${dataDir}`,
        'auth:',
        '  users:',
        `    - { name: demo, role: operator, passwordHash: "${await hashPassword(PASSWORD)}", tokenHash: "${hashToken(TOKEN)}" }`,
        'backups:',
        `  dir: ${path.join(dataDir, 'backups')}`,
        'clusters:',
        '  - name: demo',
        '    endpoints:',
        ...ring.members.map((m) => `      - ${m.clientURL}`),
        '    metrics:',
        '      urls:',
        ...ring.members.map((m) => `        ${m.name}: ${m.metricsURL}`),
        '    logs:',
        '      kubernetes: {}',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    for (let d = path.dirname(configFile); d !== dir; d = path.dirname(d)) chmodSync(d, 0o755);

    const [port] = await freePortBlock(1);
    target = { url: `http://127.0.0.1:${port}`, cluster: 'demo', members: 3 };
    // What the Dockerfile's ENV and the Deployment give it, and nothing of this test's own environment.
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.join(rootfs, 'usr', 'local', 'bin')}:/usr/local/bin:/usr/bin:/bin`,
      HOME: '/nonexistent',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      RINGSIDE_CONFIG: configFile,
      ...sa.env,
      RINGSIDE_SERVICEACCOUNT_DIR: serviceAccount,
    };
    const node = process.execPath;
    sealed = asRoot && (await run('unshare', [...readOnlyRoot(dataDir), 'true']).then(() => true, () => false));
    if (!asRoot) console.log(`[image] not root: running the image's server as the current user (uid ${uid}), not a throwaway one, on a writable root filesystem`);
    else if (sealed) console.log(`[image] running the image's server as throwaway uid ${uid} (setpriv) with a read-only root filesystem (unshare --mount)`);
    else console.log(`[image] running the image's server as throwaway uid ${uid} (setpriv); unshare --mount is not allowed here, so the root filesystem stays writable (the uid scan still finds any write)`);
    server = sealed
      ? spawn('unshare', [...readOnlyRoot(dataDir), 'setpriv', ...setpriv, node, 'server.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : asRoot
        ? spawn('setpriv', [...setpriv, node, 'server.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(node, ['server.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => (log += d));
    server.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the image's server exited with ${server.exitCode}:\n${log}`);
      const ok = await fetch(`${target.url}/api/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`the image's server did not answer /api/healthz within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // The demo's write load (5 puts a second), so the members fsync and the history has a p99.
    const client = new Etcd3({ hosts: ring.endpoints(), dialTimeout: 500, faultHandling: { host: () => noop, global: noop } });
    let n = 0;
    const timer = setInterval(() => {
      client.put(`/registry/leases/kube-node-lease/node-${n++ % 5}`).value(new Date().toISOString()).exec().catch(() => undefined);
    }, 200);
    stopLoad = () => {
      clearInterval(timer);
      client.close();
    };
  }, 240_000);

  afterAll(async () => {
    stopLoad();
    if (server) await stopChild(server);
    await kube?.close();
    await ring?.close();
    if (dir) {
      if (!asRoot) await run('chmod', ['-R', 'u+w', dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the Dockerfile's runtime stage is the assembled tree and nothing else", () => {
    const stages = dockerStages();
    const build = stages.find((s) => / AS build$/i.test(s.from))!;
    const runtime = stages.at(-1)!;
    expect(build, 'a build stage').toBeDefined();
    const tools = build.lines.find((l) => /^COPY --from=etcd /.test(l));
    expect(tools).toBe('COPY --from=etcd /usr/local/bin/etcd /usr/local/bin/etcdctl /usr/local/bin/etcdutl /tmp/etcd-tools/');
    expect(build.lines).toContain('RUN bash scripts/assemble-image.sh --etcd-from /tmp/etcd-tools /rootfs');
    expect(build.lines.indexOf('RUN npx next build')).toBeLessThan(build.lines.indexOf('RUN bash scripts/assemble-image.sh --etcd-from /tmp/etcd-tools /rootfs'));
    expect(runtime.lines.filter((l) => /^(COPY|ADD) /i.test(l))).toEqual(['COPY --from=build /rootfs/ /']);
    // Its one RUN only hands dataDir to the user.
    expect(runtime.lines.filter((l) => /^RUN /i.test(l))).toEqual(['RUN chown 10001:10001 /var/lib/ringside && chmod 0700 /var/lib/ringside']);
    expect(runtime.lines).toContain('USER 10001:10001');
    expect(runtime.lines).toContain('WORKDIR /app');
    expect(runtime.lines).toContain('CMD ["node", "server.js"]');
    expect(runtime.lines.find((l) => l.startsWith('ENV '))).toMatch(/ HOSTNAME=0\.0\.0\.0 /);
  });

  test('the tree: the standalone server, its static files, public, the etcd tools; nothing in it writable', async () => {
    for (const f of ['app/server.js', 'app/package.json', 'app/.next/BUILD_ID', 'app/node_modules/etcd3/proto/rpc.proto', 'app/node_modules/@kubernetes/client-node/package.json', 'app/public', 'usr/local/bin/etcd', 'usr/local/bin/etcdctl']) {
      expect(existsSync(path.join(rootfs, f)), f).toBe(true);
    }
    expect(readdirSync(path.join(app, '.next', 'static')).length).toBeGreaterThan(0);
    // Our sources, tests and test data never ship.
    for (const f of ['app/lib', 'app/app', 'app/components', 'app/e2e', 'app/node_modules/sharp']) expect(existsSync(path.join(rootfs, f)), f).toBe(false);
    const writable = before.filter((l) => {
      const [, mode, owner] = l.split(' ');
      const m = parseInt(mode, 8);
      if ((m & 0o170000) === 0o120000) return false; // symlinks carry no permissions of their own
      return (m & 0o022) !== 0 || (Number(owner.split(':')[0]) === uid && (m & 0o200) !== 0);
    });
    expect(writable).toEqual([]);
    const version = await asUser(path.join(rootfs, 'usr', 'local', 'bin', 'etcd'), ['--version']);
    expect(version.stdout).toMatch(/^etcd Version: 3\.\d+\.\d+/m);
    if (!/etcd Version: 3\.4\./.test(version.stdout)) expect(existsSync(path.join(rootfs, 'usr', 'local', 'bin', 'etcdutl'))).toBe(true);
  });

  test('it runs as that user and passes the demo check: the ring with every member up and a leader, the history, the operator signs in', async () => {
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)\s+(\d+)/m.exec(status)?.slice(1, 3)).toEqual([String(uid), String(uid)]);
    if (sealed) {
      // Its root is mounted read-only, and it sees none of this repo.
      const mounts = readFileSync(`/proc/${server.pid}/mounts`, 'utf8').split('\n').map((l) => l.split(' '));
      expect(mounts.find((m) => m[1] === '/')?.[3].split(',')).toContain('ro');
      expect(mounts.find((m) => m[1] === dataDir)?.[3].split(',')).toContain('rw');
      expect(mounts.find((m) => m[1] === root)?.[2]).toBe('tmpfs');
    }
    expect(/^CapEff:\s+(\w+)/m.exec(status)?.[1]).toBe('0000000000000000');
    await checkRing(target);
    await checkHistory(target);
    await checkSignIn(target, 'demo', PASSWORD);
    const page = await fetch(`${target.url}/clusters/demo`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
    expect(asset, 'a script from .next/static on the page').toBeDefined();
    expect((await fetch(`${target.url}${asset}`)).status).toBe(200);
  });

  test("@kubernetes/client-node runs from the tree: the etcd pods and their lines, through the pod's service account", async () => {
    let body!: LogsResponse;
    await ring.waitFor(
      async () => {
        body = (await (await fetch(`${target.url}/api/clusters/demo/logs?limit=2000`)).json()) as LogsResponse;
        const members = new Set(body.lines.map((l) => l.member));
        return body.kubernetes.pods.length === 3 && ['m1', 'm2', 'm3'].every((m) => members.has(m));
      },
      { what: 'lines from all three etcd pods', timeoutMs: 30_000 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}; the log source says: ${body?.kubernetes.error}\n${log}`);
    });
    expect(body.kubernetes.error).toBeNull();
    expect(body.kubernetes.pods.map((p) => p.member)).toEqual(['m1', 'm2', 'm3']);
  });

  test('the probes: liveness and readiness answer 200 and say nothing else', async () => {
    const live = await fetch(`${target.url}/api/healthz`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${target.url}/api/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  test("a backup lands in dataDir, and the image's own etcd tools restore it as the same user", async () => {
    const op = new OpsClient(target.url, TOKEN);
    const done = await op.run('demo', '/backups');
    expect(done.state, JSON.stringify(done)).toBe('succeeded');
    const [snap] = (await op.get<{ snapshots: StoredSnapshot[] }>('/api/clusters/demo/backups')).body.snapshots;
    // An operator is shown the server path; anyone else the name alone.
    const file = path.resolve(dataDir, 'backups', 'demo', snap.file);
    expect(file.startsWith(`${dataDir}/`), file).toBe(true);
    expect(existsSync(file), file).toBe(true);
    // A drill's restore: 3.4 backups with etcdctl, 3.5+ with etcdutl (the image carries both).
    const bin = path.join(rootfs, 'usr', 'local', 'bin');
    const tool = existsSync(path.join(bin, 'etcdutl')) ? 'etcdutl' : 'etcdctl';
    const restored = path.join(dataDir, 'restore-drill');
    await asUser(path.join(bin, tool), ['snapshot', 'restore', file, '--data-dir', restored, '--name', 'drill', '--initial-cluster', 'drill=http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380']);
    expect(existsSync(path.join(restored, 'member', 'snap', 'db'))).toBe(true);
    expect(lstatSync(path.join(restored, 'member', 'snap', 'db')).uid).toBe(uid);
  });

  test('nothing was written outside dataDir, and the tree is as assembled', async () => {
    expect(listing(app)).toEqual(before);
    expect(log).not.toMatch(/EACCES|EROFS|EPERM/);
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
    if (asRoot) {
      // Every file the throwaway uid owns, anywhere on this filesystem and in /dev/shm.
      const found = await Promise.all(
        [['/', '-xdev'], ['/dev/shm']].map(([where, ...opts]) =>
          run('find', [where, ...opts, '-uid', String(uid)], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }).then(
            (r) => r.stdout,
            (e: { stdout?: string }) => e.stdout ?? '', // unreadable corners (other users' files) make find exit 1
          ),
        ),
      );
      const owned = found.join('\n').split('\n').filter(Boolean);
      expect(owned.length).toBeGreaterThan(0);
      expect(owned.filter((p) => p !== dataDir && !p.startsWith(`${dataDir}/`))).toEqual([]);
    }
  });
});
