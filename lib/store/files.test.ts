import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Operation } from '../ops/types';
import { FilesStore } from './files';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function store() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-files-store-'));
  dirs.push(dir);
  return { dir, store: new FilesStore(dir, path.join(dir, 'audit.jsonl'), 'test/1') };
}

const sample = (at: number) => ({ at, members: [{ id: 'a1', name: 'm1', values: [at / 1000, NaN] }] });

describe('history in dataDir', () => {
  test('batches land in hour files, come back in time order from a given time, and pruning drops whole hours', async () => {
    const { dir, store: s } = store();
    const h = s.history;
    // Out of order across two batches and an hour boundary.
    await h.appendSamples('prod', [sample(T0 + HOUR + 1000), sample(T0 + HOUR + 2000)]);
    await h.appendSamples('prod', [sample(T0 + 5000), sample(T0 + HOUR - 1000)]);
    await h.appendMinutes('prod', [{ bucket: T0 / 60_000, members: [{ id: 'a1', name: 'm1', min: [1], max: [2], sum: [3], count: [2] }] }]);
    expect(readdirSync(path.join(dir, 'history', 'prod')).sort()).toEqual([`minutes-${T0 / HOUR}.jsonl`, `samples-${T0 / HOUR}.jsonl`, `samples-${T0 / HOUR + 1}.jsonl`]);

    const all = await h.load('prod', T0, 0);
    expect(all.samples.map((x) => x.at)).toEqual([T0 + 5000, T0 + HOUR - 1000, T0 + HOUR + 1000, T0 + HOUR + 2000]);
    // NaN was written as null: the reader (RingHistory.restore) turns it back.
    expect(all.samples[0].members[0].values).toEqual([(T0 + 5000) / 1000, null]);
    expect(all.minutes.map((m) => m.bucket)).toEqual([T0 / 60_000]);
    expect((await h.load('prod', T0 + HOUR, 0)).samples).toHaveLength(2);
    expect(await h.load('other', 0, 0)).toEqual({ samples: [], minutes: [] });

    await h.prune('prod', T0 + HOUR, 0);
    expect(readdirSync(path.join(dir, 'history', 'prod')).sort()).toEqual([`minutes-${T0 / HOUR}.jsonl`, `samples-${T0 / HOUR + 1}.jsonl`]);
  });

  test('a torn last line from a crash is skipped, and what follows it still reads', async () => {
    const { dir, store: s } = store();
    await s.history.appendSamples('prod', [sample(T0 + 1000)]);
    appendFileSync(path.join(dir, 'history', 'prod', `samples-${T0 / HOUR}.jsonl`), '{"at":17');
    await s.history.appendSamples('prod', [sample(T0 + 3000)]);
    await s.history.appendSamples('prod', [sample(T0 + 4000)]);
    expect((await s.history.load('prod', 0, 0)).samples.map((x) => x.at)).toEqual([T0 + 1000, T0 + 3000, T0 + 4000]);
  });

  test('a state cell is a JSON file in dataDir, replaced whole', async () => {
    const { dir, store: s } = store();
    const cell = s.cell<{ n: number }>('alerts');
    expect(await cell.load(0)).toEqual({ state: null });
    await cell.save({ n: 1 });
    await cell.save({ n: 2 });
    expect(await cell.load(0)).toEqual({ state: { n: 2 } });
    expect(readdirSync(dir)).toContain('alerts.json');
    expect(s.lease().held()).toBe(true);
  });
});

describe('operations in dataDir', () => {
  const op = (id: string, cluster: string): Operation => ({
    id,
    cluster,
    action: 'defragment',
    user: 'alice',
    params: { memberIds: ['a1', 'a2'] },
    startedAt: new Date(T0).toISOString(),
    state: 'running',
    steps: [
      { name: 'defragment m1', state: 'done', startedAt: new Date(T0).toISOString(), endedAt: new Date(T0 + 1000).toISOString() },
      { name: 'defragment m2', state: 'running', startedAt: new Date(T0 + 1000).toISOString() },
    ],
    details: {},
  });

  test('one cut off by a kill -9 comes back at the next start as interrupted at its step, audited by Ringside, shown once', async () => {
    const { dir, store: first } = store();
    first.locks.start();
    const cut = op('op-1', 'prod');
    const done = op('op-2', 'stage');
    await first.locks.acquire(cut);
    await first.locks.acquire(done);
    done.state = 'succeeded';
    await first.locks.release(done);
    cut.steps.push({ name: 'defragment m3', state: 'pending' } as Operation['steps'][number]);
    first.locks.update(cut);
    // Steps reach the file as they change (not awaited by the runner).
    for (let i = 0; i < 100 && !readFileSync(path.join(dir, 'operations.json'), 'utf8').includes('defragment m3'); i++) await new Promise((r) => setTimeout(r, 20));
    // No stop, no release: the process is gone.

    const again = new FilesStore(dir, path.join(dir, 'audit.jsonl'), 'test/2');
    const told: Operation[] = [];
    again.locks.onChange = (o) => told.push(o);
    again.locks.start();
    await again.locks.ready();
    const [shown] = again.locks.others('prod');
    expect(again.locks.others('stage')).toEqual([]);
    expect(shown).toMatchObject({ id: 'op-1', state: 'interrupted', error: expect.stringMatching(/^interrupted: replica test\/1 stopped while at step "defragment m2"; look at the ring/) });
    expect(shown.steps.map((s) => s.state)).toEqual(['done', 'failed', 'pending']);
    expect(told.map((o) => o.id)).toEqual(['op-1']);
    const audit = await again.audit.query({ cluster: 'prod' });
    expect(audit.map((e) => [e.id, e.user, e.via, e.result])).toEqual([['op-1', 'alice', 'system', 'failed']]);
    await again.close();

    // Recorded once: a third start finds nothing left.
    const third = new FilesStore(dir, path.join(dir, 'audit.jsonl'), 'test/3');
    third.locks.start();
    await third.locks.ready();
    expect(third.locks.others('prod')).toEqual([]);
    await third.close();
  });
});
