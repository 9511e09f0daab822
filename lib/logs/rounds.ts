import type { LogLine } from './types';

/**
 * etcd 3.4's leader logs "finished peer corruption check" at the end of every round, even one
 * that just found a mismatch. A confirmation is good news only if the same member logged no
 * corruption warning or error shortly before it (one round runs well within this window).
 */
const ROUND_MS = 3000;

export class CheckRounds {
  private readonly lastBad = new Map<string, number>();

  /** Returns the line, with `good` cleared when it closes a round that went wrong. */
  judge(line: LogLine): LogLine {
    if (line.category !== 'corruption' || line.at === null) return line;
    const key = line.member ?? line.source;
    const at = Date.parse(line.at);
    if (line.level === 'warn' || line.level === 'error' || line.level === 'fatal' || line.level === 'panic') {
      this.lastBad.set(key, at);
      return line;
    }
    const bad = this.lastBad.get(key);
    if (line.good && bad !== undefined && at - bad >= 0 && at - bad <= ROUND_MS) return { ...line, good: false };
    return line;
  }
}
