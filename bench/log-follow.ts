// (i) Starting to follow a 2 GB etcd log file: the time from followFile() until the backlog (the
// last 1 MiB, parsed and classified as the collector does) has arrived, against the same 1 MiB
// of lines in a file of its own, in the same run; and the resident memory it costs. Once, for
// scale, the same 2 GB file read from its start (what a file source did before issue 12).
import { appendFileSync, closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { followFile } from '@/lib/logs/follow';
import { parseLine } from '@/lib/logs/parse';
import { zapFixture } from '@/lib/logs/testdata/fixtures';
import { median, ms, type Row } from './stats';

const BACKLOG = 1024 * 1024;
const RUNS = 9;

/** ms from followFile() until the line `last` arrives, every line parsed on the way. */
function timeToLine(file: string, backlogBytes: number, last: string): Promise<{ ms: number; lines: number }> {
  return new Promise((resolve) => {
    let lines = 0;
    const t = performance.now();
    const f = followFile(
      file,
      (batch) => {
        for (const raw of batch) parseLine(raw, file);
        lines += batch.length;
        if (batch.at(-1) === last) {
          f.close();
          resolve({ ms: performance.now() - t, lines });
        }
      },
      { backlogBytes, pollMs: 10 },
    );
  });
}

export async function measureLogFollow(): Promise<{ rows: Row[]; summary: string[]; notes: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-bench-follow-'));
  try {
    // 2 GiB of hole ending in a newline, then 3 MiB of real etcd 3.4.23 lines: sparse, so it takes
    // seconds to make and no disk.
    const big = path.join(dir, 'big.log');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 2 * 1024 ** 3 - 1);
    closeSync(fd);
    appendFileSync(big, '\n');
    const chunk = `${zapFixture.join('\n')}\n`;
    const tail = chunk.repeat(Math.ceil((3 * 1024 * 1024) / Buffer.byteLength(chunk)));
    appendFileSync(big, tail);
    // The baseline: exactly the bytes the backlog covers, as a file of its own, read whole.
    const small = path.join(dir, 'small.log');
    writeFileSync(small, Buffer.from(tail).subarray(-BACKLOG));
    const last = zapFixture.at(-1)!;

    const bigMs: number[] = [];
    const smallMs: number[] = [];
    let lines = 0;
    const rss0 = process.memoryUsage().rss;
    let rssPeak = rss0;
    for (let i = 0; i < RUNS; i++) {
      const b = await timeToLine(big, BACKLOG, last);
      bigMs.push(b.ms);
      lines = b.lines;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      smallMs.push((await timeToLine(small, Infinity, last)).ms);
    }
    const whole = await timeToLine(big, Infinity, last);
    const mib = (b: number) => b / 1024 / 1024;
    const rows: Row[] = [
      { measure: 'follow a 2 GB log: backlog (1 MiB) in, median', value: median(bigMs), baseline: 'the same 1 MiB as its own file', baselineValue: median(smallMs) },
      { measure: 'the same 2 GB log read from its start (before #12)', value: whole.ms, baseline: 'the same 1 MiB as its own file', baselineValue: median(smallMs) },
    ];
    return {
      rows,
      summary: [
        `a 2 GB log file starts following in ${ms(median(bigMs))} (median of ${RUNS}; ${lines} backlog lines parsed), ${(median(bigMs) / median(smallMs)).toFixed(2)}x the same lines in a 1 MiB file; resident memory +${mib(rssPeak - rss0).toFixed(1)} MiB while doing it`,
      ],
      notes: [`(i) read from its start, the same file took ${ms(whole.ms)} for ${whole.lines} lines (the hole counts as one huge line, cut at 64 KiB)`],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
