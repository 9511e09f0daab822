import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { appendFileSync, closeSync, ftruncateSync, mkdtempSync, openSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { followFile, TRUNCATED_MARKER, type Follower, type FollowOptions } from './follow';
import { parseLine } from './parse';
import { zapFixture } from './testdata/fixtures';

const POLL_MS = 15;
const WAIT_MS = 3000; // bound on every wait; a passing wait returns as soon as the lines arrive

let dir: string;
let file: string;
const followers: Follower[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-follow-'));
  file = path.join(dir, 'etcd.log');
});

afterEach(() => {
  for (const f of followers.splice(0)) f.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Follows `p`, collecting lines and each batch's size. */
function follow(p: string, opts: FollowOptions = {}): { lines: string[]; batches: number[]; errors: Error[]; follower: Follower } {
  const lines: string[] = [];
  const batches: number[] = [];
  const errors: Error[] = [];
  const follower = followFile(p, (got) => (lines.push(...got), batches.push(got.length)), { pollMs: POLL_MS, onError: (e) => errors.push(e), ...opts });
  followers.push(follower);
  return { lines, batches, errors, follower };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets a few polls run, to show that nothing (more) arrives. */
const fewPolls = (): Promise<void> => new Promise((r) => setTimeout(r, POLL_MS * 6));

describe('followFile', () => {
  test('passes appended lines, not what the file held before (unless asked for a backlog)', async () => {
    writeFileSync(file, 'old 1\nold 2\n');
    const tail = follow(file);
    const all = follow(file, { backlogBytes: Infinity });
    await until(() => all.lines.length === 2, 'the existing lines with the whole file as backlog');
    await fewPolls(); // let the tail follower take its first look
    appendFileSync(file, 'new 1\nnew 2\n');
    await until(() => tail.lines.length === 2, 'two appended lines');
    expect(tail.lines).toEqual(['new 1', 'new 2']);
    await until(() => all.lines.length === 4, 'all four lines');
    expect(all.lines).toEqual(['old 1', 'old 2', 'new 1', 'new 2']);
    expect(tail.errors).toEqual([]);
  });

  test('holds a partial line until its newline arrives; strips \\r\\n; keeps UTF-8 split across writes whole', async () => {
    writeFileSync(file, '');
    const f = follow(file);
    await fewPolls();
    appendFileSync(file, 'abc');
    await fewPolls();
    expect(f.lines).toEqual([]);
    appendFileSync(file, 'def\r\nghi');
    await until(() => f.lines.length === 1, 'the first completed line');
    expect(f.lines).toEqual(['abcdef']);
    const e = Buffer.from('é');
    appendFileSync(file, Buffer.concat([Buffer.from(' caf'), e.subarray(0, 1)]));
    await fewPolls();
    appendFileSync(file, Buffer.concat([e.subarray(1), Buffer.from('\n')]));
    await until(() => f.lines.length === 2, 'the second completed line');
    expect(f.lines).toEqual(['abcdef', 'ghi café']);
  });

  test('waits for a file that does not exist yet, then reads it from the start', async () => {
    const f = follow(file);
    await fewPolls();
    expect(f.lines).toEqual([]);
    writeFileSync(file, 'first\nsecond\n');
    await until(() => f.lines.length === 2, 'lines of the new file');
    expect(f.lines).toEqual(['first', 'second']);
    expect(f.errors).toEqual([]);
  });

  test('truncation: the size drops below what was read, so reading restarts at 0', async () => {
    writeFileSync(file, 'a long first line\nanother long line\n');
    const f = follow(file, { backlogBytes: Infinity });
    await until(() => f.lines.length === 2, 'the initial lines');
    truncateSync(file, 0);
    await fewPolls();
    appendFileSync(file, 'after truncate\n');
    await until(() => f.lines.length === 3, 'the line after truncation');
    expect(f.lines[2]).toBe('after truncate');
  });

  test('rotation by rename: finishes the old file (writes after the rename too), then reads the new one from its start', async () => {
    writeFileSync(file, 'one\n');
    const f = follow(file, { backlogBytes: Infinity });
    await until(() => f.lines.length === 1, 'the first line');
    const rotated = `${file}.1`;
    renameSync(file, rotated);
    // The writer still holds the old file open for a moment, and its last line has no newline.
    appendFileSync(rotated, 'two\nthree');
    await until(() => f.lines.length === 2, 'the line written after the rename');
    writeFileSync(file, 'four\n');
    await until(() => f.lines.length === 4, 'the rest of the old file and the new file');
    expect(f.lines).toEqual(['one', 'two', 'three', 'four']);
    appendFileSync(file, 'five\n');
    await until(() => f.lines.length === 5, 'a line appended to the new file');
    expect(f.lines[4]).toBe('five');
  });

  test('rotation by delete and re-create', async () => {
    writeFileSync(file, 'one\n');
    const f = follow(file, { backlogBytes: Infinity });
    await until(() => f.lines.length === 1, 'the first line');
    unlinkSync(file);
    await fewPolls();
    writeFileSync(file, 'two\n');
    await until(() => f.lines.length === 2, 'the re-created file');
    expect(f.lines).toEqual(['one', 'two']);
  });

  test('a line longer than maxLineBytes is cut and marked with what was dropped; the next line is whole', async () => {
    writeFileSync(file, '');
    const f = follow(file, { maxLineBytes: 10 });
    await fewPolls();
    appendFileSync(file, `${'x'.repeat(25)}\nshort\n`);
    await until(() => f.lines.length === 2, 'both lines');
    expect(f.lines).toEqual([`${'x'.repeat(10)}${TRUNCATED_MARKER} 15 bytes]`, 'short']);
  });

  test('bounded memory on a huge line written in pieces', async () => {
    writeFileSync(file, '');
    const f = follow(file, { maxLineBytes: 1024 });
    await fewPolls();
    for (let i = 0; i < 20; i++) appendFileSync(file, 'y'.repeat(100_000));
    appendFileSync(file, '\n');
    await until(() => f.lines.length === 1, 'the huge line');
    expect(f.lines[0]).toBe(`${'y'.repeat(1024)}${TRUNCATED_MARKER} ${2_000_000 - 1024} bytes]`);
  });

  test('a consumer that throws does not stop the follower', async () => {
    writeFileSync(file, '');
    const seen: string[] = [];
    const errors: Error[] = [];
    const follower = followFile(
      file,
      (lines) => {
        seen.push(...lines);
        if (seen.length === 1) throw new Error('consumer broke');
      },
      { pollMs: POLL_MS, onError: (e) => errors.push(e) },
    );
    followers.push(follower);
    await fewPolls();
    appendFileSync(file, 'a\n');
    await until(() => seen.length === 1, 'the first line');
    appendFileSync(file, 'b\n');
    await until(() => seen.length === 2, 'the second line');
    expect(errors.map((e) => e.message)).toEqual(['consumer broke']);
  });

  test('close stops delivery', async () => {
    writeFileSync(file, '');
    const f = follow(file);
    await fewPolls();
    appendFileSync(file, 'before\n');
    await until(() => f.lines.length === 1, 'the line before close');
    f.follower.close();
    appendFileSync(file, 'after\n');
    await fewPolls();
    expect(f.lines).toEqual(['before']);
  });

  test('real etcd output written in odd-sized chunks comes out line for line', async () => {
    const text = `${zapFixture.join('\n')}\n`;
    writeFileSync(file, '');
    const f = follow(file);
    await fewPolls();
    for (let at = 0; at < text.length; ) {
      const n = 1 + ((at * 7919) % 4000);
      appendFileSync(file, text.slice(at, at + n));
      at += n;
    }
    await until(() => f.lines.length === zapFixture.length, 'every fixture line');
    expect(f.lines).toEqual(zapFixture);
    expect(f.lines.map((l) => parseLine(l).category)).toContain('corruption');
  });

  test('a backlog starts at the first whole line in the last backlogBytes, then follows', async () => {
    // 10 lines of 10 bytes ("line 0000\n"...).
    writeFileSync(file, Array.from({ length: 10 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join(''));
    const mid = follow(file, { backlogBytes: 25 }); // from inside line 7: lines 8 and 9
    const edge = follow(file, { backlogBytes: 30 }); // exactly at the start of line 7: kept whole
    await until(() => mid.lines.length === 2 && edge.lines.length === 3, 'the backlogs');
    expect(mid.lines).toEqual(['line 0008', 'line 0009']);
    expect(edge.lines).toEqual(['line 0007', 'line 0008', 'line 0009']);
    appendFileSync(file, 'line 0010\n');
    await until(() => mid.lines.length === 3, 'the appended line');
    expect(mid.lines.at(-1)).toBe('line 0010');
    // A file that is replaced (rotation) is read from its start, backlog or not.
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'rotated 1\n');
    await until(() => mid.lines.includes('rotated 1'), 'the new file');
  });

  test('a 2 GB log starts at its end with a bounded backlog of real lines, then follows, in bounded memory', async () => {
    // A sparse file: 2 GiB of hole ending in a newline (as a log written by another process
    // would), then a few MiB of real etcd lines. Nothing but the end is ever read.
    const size = 2 * 1024 ** 3;
    const fd = openSync(file, 'w');
    ftruncateSync(fd, size - 1);
    closeSync(fd);
    appendFileSync(file, '\n');
    const chunk = `${zapFixture.join('\n')}\n`;
    const copies = Math.ceil((3 * 1024 * 1024) / Buffer.byteLength(chunk));
    for (let i = 0; i < copies; i++) appendFileSync(file, chunk);
    expect(statSync(file).size).toBeGreaterThan(size);

    const backlogBytes = 1024 * 1024;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const f = follow(file, { backlogBytes });
    await until(() => f.lines.at(-1) === zapFixture.at(-1), 'the last line of the file');
    await fewPolls();
    const backlog = [...f.lines];
    // Only lines that start in the last MiB, every one a whole real line (no hole, no half line).
    expect(backlog.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)).toBeLessThanOrEqual(backlogBytes);
    expect(backlog.length).toBeGreaterThan(1000);
    expect(backlog.every((l) => !l.includes('\0') && zapFixture.includes(l))).toBe(true);
    expect(f.errors).toEqual([]);

    appendFileSync(file, `${zapFixture[0]}\n`);
    await until(() => f.lines.length === backlog.length + 1, 'a line appended after the start');
    expect(f.lines.at(-1)).toBe(zapFixture[0]);
    // The lines themselves (about 1 MiB as strings) and the read buffer, not the file.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  test('options are checked', () => {
    expect(() => followFile(file, () => undefined, { backlogBytes: -1 })).toThrow(/backlogBytes/);
    expect(() => followFile(file, () => undefined, { pollMs: 0 })).toThrow(/pollMs/);
    expect(() => followFile(file, () => undefined, { maxLineBytes: 0 })).toThrow(/maxLineBytes/);
  });
});
