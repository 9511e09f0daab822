import type { LogLine } from './types';

/**
 * etcd 3.4's leader logs "finished peer corruption check" at the end of every round, even one
 * that just found a mismatch or could not reach a peer. A confirmation is good news only if the
 * same member logged nothing wrong shortly before it (one round runs well within this window):
 * after corruption evidence the round "found" a difference; after a peer it could not reach or
 * compare with, it was "partial".
 */
const ROUND_MS = 3000;

export class CheckRounds {
  private readonly lastEvidence = new Map<string, number>();
  private readonly lastFailure = new Map<string, number>();

  /** Returns the line, with a closing confirmation re-judged when its round went wrong. */
  judge(line: LogLine): LogLine {
    if (!line.check || line.at === null) return line;
    const key = line.member ?? line.source;
    const at = Date.parse(line.at);
    if (line.check.evidence === 'corruption') {
      if (!line.good) this.lastEvidence.set(key, at);
      return line;
    }
    if (line.check.evidence !== 'check-health') return line;
    if (line.check.outcome !== 'passed') {
      if (line.check.outcome !== 'started' && line.check.outcome !== undefined) this.lastFailure.set(key, at);
      return line;
    }
    const within = (t: number | undefined) => t !== undefined && at - t >= 0 && at - t <= ROUND_MS;
    if (within(this.lastEvidence.get(key))) return { ...line, good: false, check: { ...line.check, outcome: 'found' } };
    if (within(this.lastFailure.get(key))) return { ...line, good: false, check: { ...line.check, outcome: 'partial' } };
    return line;
  }
}
