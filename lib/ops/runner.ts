import 'server-only';
import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditStore } from '../audit/types';
import { isRingsideError, RingsideError } from '../errors';
import type { OperationLocks } from '../store/types';
import { interruptedError } from './interrupted';
import type { Principal } from './principal';
import type { OpAction, OpStep, Operation } from './types';

const RECENT = 50;

export interface StepHandle {
  /** Replaces the running step's detail, e.g. progress "learner at 812 of 930". */
  detail(text: string): void;
}

export interface OpContext {
  readonly operation: Operation;
  /** Runs one named step; its state, timing and detail reach the browser as it goes. */
  step<T>(name: string, fn: (s: StepHandle) => Promise<T>, detailOf?: (result: T) => string | undefined): Promise<T>;
  /** Adds to what the audit log records for this operation. */
  record(details: Record<string, unknown>): void;
}

export interface OpRequest {
  principal: Principal;
  cluster: string;
  action: OpAction;
  member?: { id: string; name: string };
  params: Record<string, unknown>;
}

/**
 * Runs guided operations: one at a time per cluster, step by step, each written to the audit log
 * when it starts and when it ends. The operation keeps running if the browser goes away; its
 * progress is published to whoever watches the cluster.
 */
export class OperationRunner {
  private readonly running = new Map<string, Operation>();
  private readonly recent: Operation[] = [];

  constructor(
    private readonly audit: AuditStore,
    private readonly publish: (op: Operation) => void,
    /** Told of every audit line once it is on disk (the incident timeline). */
    private readonly onAudit: (entry: AuditEntry) => void = () => {},
    /** Wall-clock time of steps and entries; a test hands in a fake one. */
    private readonly now: () => number = Date.now,
    /** The cluster's lock across replicas (PostgreSQL); one process needs none beyond `running`. */
    private readonly locks: OperationLocks | null = null,
  ) {}

  /** Tells watchers and, through the lock, the other replicas. */
  private publishOp(op: Operation): void {
    this.locks?.update(op);
    this.publish(op);
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private async write(entry: AuditEntry): Promise<void> {
    await this.audit.append(entry);
    this.onAudit(entry);
  }

  /** The running operation of a cluster, here or on another replica. */
  current(cluster: string): Operation | null {
    return this.running.get(cluster) ?? this.locks?.others(cluster).find((o) => o.state === 'running') ?? null;
  }

  /** Running and recent operations of a cluster, newest first, this replica's and the others'. */
  list(cluster: string): Operation[] {
    const cur = this.running.get(cluster);
    const own = [...(cur ? [cur] : []), ...this.recent.filter((o) => o.cluster === cluster && o !== cur)];
    const others = this.locks?.others(cluster).filter((o) => !own.some((x) => x.id === o.id)) ?? [];
    if (!others.length) return own;
    return [...own, ...others].sort((a, b) => (a.state === 'running' ? 0 : 1) - (b.state === 'running' ? 0 : 1) || b.startedAt.localeCompare(a.startedAt));
  }

  get(cluster: string, id: string): Operation | null {
    return this.list(cluster).find((o) => o.id === id) ?? null;
  }

  /** Refuses the cluster's lock when another operation runs there. */
  assertIdle(cluster: string): void {
    const cur = this.current(cluster);
    if (cur) {
      const secs = Math.round((this.now() - Date.parse(cur.startedAt)) / 1000);
      throw new RingsideError('CONFLICT', `${cur.action} by ${cur.user} is running on ${cluster} (started ${secs} s ago); one operation at a time`);
    }
  }

  /** Writes a refusal to the audit log and throws it as UNSAFE (or the code given). */
  async refuse(req: OpRequest, reason: string, code: 'UNSAFE' | 'INVALID' | 'CONFLICT' = 'UNSAFE', field?: string): Promise<never> {
    await this.write(this.entry(randomUUID(), req, 'refused', 0, { error: reason }));
    throw new RingsideError(code, reason, field);
  }

  /**
   * Starts an operation after its `started` line is on disk; resolves with it at once. `body`
   * runs in the background; `done` (tests, one-shot routes) resolves when it ends.
   */
  async start(req: OpRequest, body: (ctx: OpContext) => Promise<void>): Promise<{ operation: Operation; done: Promise<Operation> }> {
    this.assertIdle(req.cluster);
    const op: Operation = {
      id: randomUUID(),
      cluster: req.cluster,
      action: req.action,
      user: req.principal.name,
      ...(req.member ? { member: req.member } : {}),
      params: req.params,
      startedAt: this.iso(),
      state: 'running',
      steps: [],
      details: {},
    };
    this.running.set(req.cluster, op);
    try {
      // Across replicas: a CONFLICT here names the operation another replica runs.
      await this.locks?.acquire(op);
    } catch (e) {
      this.running.delete(req.cluster);
      if (isRingsideError(e)) throw e;
      throw new RingsideError('UNAVAILABLE', `cannot take the cluster's lock in the store, so nothing was done (${safeMessage(e)})`);
    }
    try {
      await this.write(this.entry(op.id, req, 'started', 0));
    } catch (e) {
      this.running.delete(req.cluster);
      op.state = 'failed';
      await this.locks?.release(op);
      throw new RingsideError('UNAVAILABLE', `cannot write the audit log, so nothing was done (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    this.publishOp(op);
    const done = this.run(op, req, body);
    return { operation: structuredClone(op), done };
  }

  private async run(op: Operation, req: OpRequest, body: (ctx: OpContext) => Promise<void>): Promise<Operation> {
    const started = performance.now();
    const ctx: OpContext = {
      operation: op,
      record: (d) => Object.assign(op.details!, d),
      step: async (name, fn, detailOf) => {
        const step: OpStep = { name, state: 'running', startedAt: this.iso() };
        op.steps.push(step);
        this.publishOp(op);
        try {
          const result = await fn({
            detail: (text) => {
              step.detail = text;
              this.publishOp(op);
            },
          });
          step.state = 'done';
          const d = detailOf?.(result);
          if (d) step.detail = d;
          return result;
        } catch (e) {
          step.state = 'failed';
          throw e;
        } finally {
          step.endedAt = this.iso();
          this.publishOp(op);
        }
      },
    };
    // The end shows (op.state) only once the cluster takes the next operation: whoever sees this
    // one ended may start another at once.
    let ended: 'succeeded' | 'failed';
    try {
      await body(ctx);
      if (op.state === 'interrupted') return structuredClone(op); // abandoned at shutdown
      ended = 'succeeded';
    } catch (e) {
      if (op.state === 'interrupted') return structuredClone(op);
      ended = 'failed';
      op.error = isRingsideError(e) ? e.message : safeMessage(e);
      if (!isRingsideError(e)) console.error(`[ringside] ${op.action} on ${op.cluster} failed:`, safeMessage(e));
    }
    op.endedAt = this.iso();
    const durationMs = Math.round(performance.now() - started);
    try {
      // Every step with what it did, so the audit log alone tells how an operation went.
      const steps = op.steps.map(({ name, state, detail }) => ({ name, state, ...(detail ? { detail } : {}) }));
      await this.write(this.entry(op.id, req, ended === 'succeeded' ? 'ok' : 'failed', durationMs, { error: op.error, details: { ...op.details, ...(steps.length ? { steps } : {}) } }));
    } catch (e) {
      op.error = `${op.error ? `${op.error}; ` : ''}the audit log could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    }
    await this.locks?.release({ ...op, state: ended });
    if ((op.state as Operation['state']) === 'interrupted') return structuredClone(op); // abandoned at shutdown meanwhile
    op.state = ended;
    this.running.delete(op.cluster);
    this.recent.unshift(op);
    this.recent.splice(RECENT);
    this.publishOp(op);
    return structuredClone(op);
  }

  /**
   * Shutdown: operations still running here end as interrupted (with the step they were at), in
   * the audit log and, through the lock, on every replica; their locks go at once.
   */
  async abandon(replica: string): Promise<void> {
    for (const op of [...this.running.values()]) {
      const step = op.steps.find((s) => s.state === 'running');
      op.state = 'interrupted';
      op.endedAt = this.iso();
      op.error = interruptedError(replica, step?.name ?? null);
      if (step) {
        step.state = 'failed';
        step.endedAt = op.endedAt;
      }
      this.running.delete(op.cluster);
      this.recent.unshift(op);
      this.recent.splice(RECENT);
      const req: OpRequest = { principal: { name: op.user, role: 'operator', via: 'token' }, cluster: op.cluster, action: op.action, ...(op.member ? { member: op.member } : {}), params: op.params };
      // Written by Ringside itself, for the operator who started it.
      await this.write({ ...this.entry(op.id, req, 'failed', this.now() - Date.parse(op.startedAt), { error: op.error }), via: 'system' }).catch(() => undefined);
      await this.locks?.release(op);
      this.publish(op);
    }
  }

  /** A one-shot action with no background part (a streamed download), audited when it ends; or a scheduled run that was due and skipped, with why. */
  async record(req: OpRequest, result: 'ok' | 'failed' | 'skipped', durationMs: number, extra: { error?: string; details?: Record<string, unknown> } = {}): Promise<void> {
    await this.write(this.entry(randomUUID(), req, result, durationMs, extra));
  }

  private entry(id: string, req: OpRequest, result: AuditEntry['result'], durationMs: number, extra: { error?: string; details?: Record<string, unknown> } = {}): AuditEntry {
    return {
      id,
      at: this.iso(),
      user: req.principal.name,
      via: req.principal.via,
      cluster: req.cluster,
      action: req.action,
      ...(req.member ? { member: req.member } : {}),
      params: req.params,
      result,
      ...(extra.error ? { error: extra.error } : {}),
      durationMs,
      ...(extra.details && Object.keys(extra.details).length ? { details: extra.details } : {}),
    };
  }
}

/** etcd's own words, without gRPC's status prefix; never a stack. */
export function safeMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].replace(/^\d+ [A-Z_]+: /, '').slice(0, 300);
}
