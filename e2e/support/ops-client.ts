// A small API client for guided operations in integration tests: Bearer tokens (no cookie, so
// no CSRF token needed), following an operation until it ends.
import type { Operation } from '@/lib/ops/types';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export class OpsClient {
  constructor(
    readonly base: string,
    readonly token: string | null,
  ) {}

  async post<T = Record<string, unknown>>(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
  }

  /** Reads as the same principal: an operator sees what only operators see (server paths). */
  async get<T = Record<string, unknown>>(path: string): Promise<Reply<T>> {
    const res = await fetch(`${this.base}${path}`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Starts an action and waits for its operation to end; throws with the body if it was not accepted. */
  async run(cluster: string, path: string, body: unknown = {}, timeoutMs = 90_000): Promise<Operation> {
    const r = await this.post<{ operation?: Operation; error?: { message: string } }>(`/api/clusters/${cluster}${path}`, body);
    if (r.status !== 202 || !r.body.operation) throw new Error(`POST ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return this.follow(cluster, r.body.operation.id, timeoutMs);
  }

  async follow(cluster: string, id: string, timeoutMs = 90_000): Promise<Operation> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await this.get<Operation>(`/api/clusters/${cluster}/operations/${id}`);
      if (body.state && body.state !== 'running') return body;
      if (Date.now() > deadline) throw new Error(`operation ${id} still running after ${timeoutMs} ms: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
