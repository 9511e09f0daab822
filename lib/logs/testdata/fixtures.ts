// Real etcd 3.4.23 log lines for tests, made by capture.ts in this folder.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const read = (file: string): string[] =>
  readFileSync(path.join(__dirname, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

/** --logger=zap: JSON lines, then what the same members wrote to stderr (capnslog-format warnings, a Go panic). */
export const zapFixture = read('etcd-3.4.23.log');

/** --logger=capnslog (3.4's default): capnslog text, raft's Go-log lines, grpc-go lines, a Go panic. */
export const capnslogFixture = read('etcd-3.4.23-capnslog.log');

/** The first zap line whose msg is `msg` (exactly, or matching it) and whose fields match `where`. */
export function zapLine(msg: string | RegExp, where: Record<string, string | RegExp> = {}): string {
  const line = zapFixture.find((l) => {
    if (!l.startsWith('{')) return false;
    const o = JSON.parse(l) as Record<string, unknown>;
    if (typeof msg === 'string' ? o.msg !== msg : !msg.test(String(o.msg))) return false;
    return Object.entries(where).every(([k, v]) => (typeof v === 'string' ? o[k] === v : v.test(String(o[k]))));
  });
  if (!line) throw new Error(`no real zap line with msg ${String(msg)} ${JSON.stringify(where)} in etcd-3.4.23.log`);
  return line;
}

/** The first capnslog-fixture line matching `re`. */
export function capnslogLine(re: RegExp): string {
  const line = capnslogFixture.find((l) => re.test(l));
  if (!line) throw new Error(`no real capnslog line matching ${re} in etcd-3.4.23-capnslog.log`);
  return line;
}
