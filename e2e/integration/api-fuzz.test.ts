// Issue 11: random and malformed input to every endpoint of the API contract, against the built
// server and a real member. Never a 5xx; a refusal is a 4xx whose error names the field; and
// nothing malformed changes anything (no operation starts, no member changes, nothing is written).
import fc from 'fast-check';
import http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, pathOf, type Endpoint } from '@/lib/api/contract';
import { hashToken } from '@/lib/auth/password';
import type { AuditEntry } from '@/lib/audit/types';
import type { RingState } from '@/lib/ring/types';
import { EtcdRing } from '../harness/ring';
import { RingsideServer } from '../support/ringside-server';

const TOKEN = 'fuzz-operator-token-5f0c8f5e0b7a4c1e9d2b6a3f';
const RUNS = Number(process.env.RINGSIDE_FUZZ_RUNS ?? 25);

/** Strings people and tools actually send by mistake, plus anything fast-check makes up. */
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('..', '../../etc/passwd', '%2e%2e', 'Bad_Name', 'a'.repeat(300), ' ', '\u0000', '<script>', '1e999', '-1', '0', '99999999999999999999', 'true', 'null', '[]', '{}'),
);
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostile, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

function keysOf(schema: z.ZodMiniType): string[] {
  const shape = (schema as unknown as { def?: { shape?: Record<string, unknown> } }).def?.shape;
  return shape ? Object.keys(shape) : [];
}

function inputFor(e: Endpoint, valid: Record<string, string>) {
  const paramNames = [...e.path.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
  const params = fc.record(Object.fromEntries(paramNames.map((p) => [p, fc.oneof(fc.constant(valid[p]), hostile.filter((s) => s.length > 0))])));
  const queryKeys = [...keysOf(e.query), 'x-unknown'];
  const query = fc.dictionary(fc.constantFrom(...queryKeys), hostile, { maxKeys: 3 });
  const bodyKeys = e.body ? keysOf(e.body) : [];
  const body = fc.oneof(
    fc.dictionary(fc.constantFrom(...bodyKeys, 'unknown'), jsonish, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
    jsonish.map((v) => JSON.stringify(v)),
    hostile,
  );
  return fc.record({ params, query, body });
}

/** Whether every part of the input is one the contract accepts (then it might legitimately act). */
function accepted(e: Endpoint, input: { params: Record<string, string>; query: Record<string, string>; body: string }): boolean {
  const ok = (s: z.ZodMiniType | undefined, v: unknown) => !s || z.safeParse(s, v).success;
  let body: unknown = {};
  try {
    body = input.body.trim() ? JSON.parse(input.body) : {};
  } catch {
    return false;
  }
  return ok(e.params, input.params) && ok(e.query, input.query) && (e.method === 'GET' || ok(e.body, body));
}

/** One request with the path exactly as given; a stream is closed once its headers arrive. */
function send(base: string, method: string, pathname: string, body: string | undefined, stream: boolean): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: pathname, method, agent: false, timeout: 15_000, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
      (res) => {
        if (stream && res.statusCode === 200) {
          res.destroy();
          return resolve({ status: 200, body: '' });
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('every endpoint of the contract, fuzzed on a real ring', () => {
  let ring: EtcdRing;
  let server: RingsideServer;
  let dir: string;
  let valid: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ringside-fuzz-'));
    ring = await EtcdRing.start({ size: 1 });
    server = await RingsideServer.start({
      clusters: [{ name: 'c', endpoints: ring.endpoints(), metrics: { enabled: false } }],
      dataDir: path.join(dir, 'data'),
      extraYaml: ['auth:', '  users:', `    - { name: alice, role: operator, tokenHash: "${hashToken(TOKEN)}" }`, 'backups:', `  dir: ${path.join(dir, 'backups')}`].join('\n'),
    });
    const state = (await server.json<RingState>('/api/clusters/c/ring')).body;
    // A backup ID the contract accepts (no such backup exists: an accepted POST is not fuzzed).
    valid = { name: 'c', id: state.members[0].id, backup: 'c-m1-8e9e05c52164694d-rev1-20260101T000000.000Z.db' };
  });
  afterAll(async () => {
    await server?.stop();
    await ring?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the contract covers every route file under app/api', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d, { withFileTypes: true })) {
        if (n.isDirectory()) walk(path.join(d, n.name));
        else if (n.name === 'route.ts') files.push(`/${path.relative(path.resolve(__dirname, '..', '..', 'app'), d)}`);
      }
    };
    walk(path.resolve(__dirname, '..', '..', 'app', 'api'));
    const declared = new Set(Object.values(api).map((e) => e.path));
    expect(files.filter((f) => !f.includes('[...path]') && !declared.has(f))).toEqual([]);
  });

  for (const [name, endpoint] of Object.entries(api) as [string, Endpoint][]) {
    test(`${endpoint.method} ${endpoint.path} (${name}): never a 5xx, a 4xx names the field${endpoint.method === 'POST' ? ', nothing malformed acts' : ''}`, async () => {
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(inputFor(endpoint, valid), async (input) => {
          // A POST the contract accepts may act for real: that is not this test's business.
          if (endpoint.method === 'POST' && accepted(endpoint, input)) return;
          checked++;
          const qs = new URLSearchParams(Object.entries(input.query)).toString();
          // Sent as written (a URL parser would resolve "." and ".." away before any server saw them).
          const url = `${pathOf(endpoint, input.params)}${qs ? `?${qs}` : ''}`;
          const res = await send(server.url, endpoint.method, url, endpoint.method === 'POST' ? input.body : undefined, Boolean(endpoint.stream));
          const text = res.body;
          expect(res.status, `${url} ${input.body.slice(0, 200)}: ${text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400) {
            const err = JSON.parse(text).error;
            expect(err.code, text).toEqual(expect.any(String));
            if (res.status === 400) {
              expect(err.field, text).toEqual(expect.any(String));
              expect(err.message.startsWith(`${err.field}:`), text).toBe(true);
              expect(err.message.length, text).toBeLessThan(500);
            }
          } else {
            expect(res.status, url).toBe(200);
            expect(endpoint.method, 'a POST was accepted').toBe('GET');
          }
        }),
        { numRuns: RUNS },
      );
      if (endpoint.method === 'POST') expect(checked).toBeGreaterThan(RUNS / 2);
    });
  }

  test('nothing changed: no operation ran, the audit holds no action, the member list and backups are as they were', async () => {
    const ops = (await server.json<{ operations: unknown[] }>('/api/clusters/c/operations')).body.operations;
    expect(ops).toEqual([]);
    const audit = (await server.json<{ entries: AuditEntry[] }>('/api/clusters/c/audit')).body.entries;
    expect(audit.filter((e) => e.result !== 'refused')).toEqual([]);
    expect((await server.json<RingState>('/api/clusters/c/ring')).body.members.map((m) => m.id)).toEqual([valid.id]);
    expect(() => readdirSync(path.join(dir, 'backups'))).toThrow();
    expect(server.log).not.toMatch(/unexpected error in route/);
  });
});
