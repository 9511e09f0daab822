import 'server-only';
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface FollowOptions {
  /**
   * How much of what the file already holds at the first look is read: the lines that start in
   * its last `backlogBytes` (Infinity: all of it). Default 0: only lines appended from now on.
   * A file that appears later, or replaces this one (rotation), is read from its start.
   */
  backlogBytes?: number;
  /** How often the file is stat()ed; default 250 ms. */
  pollMs?: number;
  /** Longest line passed on, in bytes; longer ones are cut and end with TRUNCATED_MARKER. Default 64 KiB. */
  maxLineBytes?: number;
  /** I/O errors other than "no such file" (which just means "not yet"); ignored when absent. */
  onError?: (err: Error) => void;
}

export interface Follower {
  close(): void;
}

/** Appended to a line cut at maxLineBytes, followed by how many bytes were dropped. */
export const TRUNCATED_MARKER = ' …[truncated';

const CHUNK_BYTES = 64 * 1024;

/**
 * Follows a growing log file like `tail -F`: passes complete lines (without "\n" or "\r\n")
 * to `onLines` as they are appended, in order, in batches of at most one 64 KiB read.
 *
 * - A file that exists at the first look is read from `backlogBytes` before its end, whatever
 *   its size: a multi-GB production log costs the same as a small one to start following.
 * - A file that does not exist yet is waited for, then read from its start.
 * - Truncation (size below what was read) restarts from offset 0.
 * - Rotation (the path names another inode): the old file is read to its end (its last line
 *   even without "\n"), then the new file from its start. Until a new file appears, the old
 *   one keeps being read, since a writer may not have reopened yet.
 *
 * Poll-based: one stat() per pollMs, which works on every filesystem and container mount
 * (fs.watch does not, and misses renames on some). The limit it shares with `tail -F`: a file
 * truncated and regrown past the old offset between two polls is not noticed as truncated.
 * Memory: one 64 KiB read buffer plus at most maxLineBytes of an unfinished line; the backlog
 * goes through the same buffer, one read at a time.
 */
export function followFile(path: string, onLines: (lines: string[]) => void, opts: FollowOptions = {}): Follower {
  const pollMs = opts.pollMs ?? 250;
  const maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
  if (!(pollMs > 0)) throw new Error(`pollMs: expected a positive number, got ${pollMs}`);
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) throw new Error(`maxLineBytes: expected a positive integer, got ${maxLineBytes}`);
  const backlogBytes = opts.backlogBytes ?? 0;
  if (!(backlogBytes >= 0)) throw new Error(`backlogBytes: expected a number of bytes (0 or more), got ${backlogBytes}`);

  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let fh: FileHandle | null = null;
  let ino = -1;
  let dev = -1;
  let pos = 0;
  let firstLook = true; // the file existing at the first look is read from backlogBytes before its end
  let skipping = false; // discarding the rest of a line that began before the backlog
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let droppedBytes = 0; // of the unfinished line, beyond maxLineBytes
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  const emit = (lines: string[]): void => {
    if (closed || lines.length === 0) return;
    try {
      onLines(lines);
    } catch (err) {
      report(err); // a throwing consumer must not stop the follower
    }
  };

  const report = (err: unknown): void => {
    if (!opts.onError) return;
    try {
      opts.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // the error handler's own failure has nowhere left to go
    }
  };

  const takeLine = (): string => {
    let text = Buffer.concat(partial, partialBytes).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (droppedBytes > 0) text += `${TRUNCATED_MARKER} ${droppedBytes} bytes]`;
    partial = [];
    partialBytes = 0;
    droppedBytes = 0;
    return text;
  };

  const addToLine = (bytes: Buffer): void => {
    const room = maxLineBytes - partialBytes;
    if (bytes.length <= room) {
      partial.push(Buffer.from(bytes)); // copy: `buf` is reused by the next read
      partialBytes += bytes.length;
    } else {
      if (room > 0) {
        partial.push(Buffer.from(bytes.subarray(0, room)));
        partialBytes += room;
      }
      droppedBytes += bytes.length - Math.max(room, 0);
    }
  };

  /** Splits one read into lines; the bytes after the last "\n" wait for the next read. */
  const consume = (chunk: Buffer): string[] => {
    const lines: string[] = [];
    let start = 0;
    if (skipping) {
      const nl = chunk.indexOf(10);
      if (nl === -1) return lines;
      skipping = false;
      start = nl + 1;
    }
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      addToLine(chunk.subarray(start, nl));
      lines.push(takeLine());
      start = nl + 1;
    }
    if (start < chunk.length) addToLine(chunk.subarray(start));
    return lines;
  };

  const flushPartial = (): void => {
    if (partialBytes > 0 || droppedBytes > 0) emit([takeLine()]);
  };

  const readToEnd = async (handle: FileHandle): Promise<void> => {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
      if (bytesRead === 0 || closed) return;
      pos += bytesRead;
      emit(consume(buf.subarray(0, bytesRead)));
    }
  };

  const closeHandle = async (): Promise<void> => {
    const h = fh;
    fh = null;
    await h?.close().catch(() => undefined);
  };

  /** Opens the file at `backlog` bytes before its end (0: at its end; Infinity: at its start). */
  const openFile = async (backlog: number): Promise<boolean> => {
    let h: FileHandle;
    try {
      h = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return false; // gone again between stat and open
    }
    // The inode of what was opened, not of what the path named a moment earlier.
    const st = await h.stat();
    fh = h;
    ino = st.ino;
    dev = st.dev;
    pos = Math.max(0, st.size - backlog);
    // Mid-file, start one byte early and drop through the first "\n": a line that began before
    // the backlog is never passed on half, and one that begins exactly at it is kept whole.
    skipping = pos > 0;
    if (skipping) pos--;
    return true;
  };

  const poll = async (): Promise<void> => {
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      firstLook = false;
      if (fh) await readToEnd(fh); // renamed away: the writer may still append to it
      return;
    }
    const backlog = firstLook ? backlogBytes : Infinity;
    firstLook = false;
    if (!fh) {
      if (!(await openFile(backlog))) return;
    } else if (st.ino !== ino || st.dev !== dev) {
      await readToEnd(fh);
      flushPartial();
      await closeHandle();
      if (!(await openFile(Infinity))) return;
    } else if (st.size < pos) {
      flushPartial(); // the start of a line the writer will not finish in this file
      skipping = false;
      pos = 0;
    }
    if (fh) await readToEnd(fh);
  };

  const tick = async (): Promise<void> => {
    timer = null;
    try {
      await poll();
    } catch (err) {
      report(err);
    }
    if (closed) await closeHandle();
    else timer = setTimeout(tick, pollMs).unref();
  };

  void tick();
  return {
    close() {
      if (closed) return;
      closed = true;
      if (timer) {
        clearTimeout(timer);
        timer = null;
        void closeHandle();
      }
      // else a poll is running; tick() closes the handle when it returns
    },
  };
}
