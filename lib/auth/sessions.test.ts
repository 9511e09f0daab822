import { describe, expect, test } from 'vitest';
import { SessionStore } from './sessions';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const alice = { name: 'alice', role: 'operator' as const };

function store(opts: { maxSessions?: number } = {}) {
  let now = T0;
  const s = new SessionStore({ idleMs: 30 * MIN, maxMs: 12 * 60 * MIN, clock: () => now, ...opts });
  return { s, advance: (ms: number) => (now += ms) };
}

describe('SessionStore', () => {
  test('a session is found by its id, carries a CSRF token, and is keyed by a hash of the id', () => {
    const { s } = store();
    const { id, session } = s.create(alice, 'password');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toMatchObject({ user: 'alice', role: 'operator', via: 'password', createdAt: T0, lastSeenAt: T0 });
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).not.toBe(id);
    expect(s.get(id)).toBe(session);
    expect(s.get(id + 'x')).toBeUndefined();
    const keys = [...(s as unknown as { sessions: Map<string, unknown> }).sessions.keys()];
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(id);
  });

  test('idle expiry: each use moves the end; 30 minutes unused ends it', () => {
    const { s, advance } = store();
    const { id } = s.create(alice, 'password');
    advance(29 * MIN);
    expect(s.get(id)).toBeDefined();
    advance(29 * MIN);
    expect(s.get(id)).toBeDefined();
    advance(30 * MIN);
    expect(s.get(id)).toBeUndefined();
    // Gone for good, not just hidden.
    expect(s.size).toBe(0);
  });

  test('absolute expiry: 12 hours after sign-in, however busy', () => {
    const { s, advance } = store();
    const { id, session } = s.create(alice, 'password');
    expect(s.endsAt(session)).toBe(T0 + 12 * 60 * MIN);
    for (let t = 0; t < 12 * 60 - 10; t += 10) {
      advance(10 * MIN);
      expect(s.get(id), `at ${t + 10} min`).toBeDefined();
    }
    advance(10 * MIN);
    expect(s.get(id)).toBeUndefined();
  });

  test('expiresAt is the sooner of the idle and absolute ends', () => {
    const { s, advance } = store();
    const { id, session } = s.create(alice, 'password');
    expect(s.expiresAt(session)).toBe(T0 + 30 * MIN);
    // Used every 20 minutes until 11 h 40 min: the idle end (12 h 10 min) is past the absolute one.
    for (let i = 0; i < 35; i++) {
      advance(20 * MIN);
      s.get(id);
    }
    expect(s.expiresAt(session)).toBe(T0 + 12 * 60 * MIN);
  });

  test('destroy ends a session at once', () => {
    const { s } = store();
    const a = s.create(alice, 'password');
    const b = s.create(alice, 'token');
    s.destroy(a.id);
    expect(s.get(a.id)).toBeUndefined();
    expect(s.get(b.id)).toBeDefined();
  });

  test('bounded: beyond the limit the oldest session goes, after expired ones', () => {
    const { s } = store({ maxSessions: 3 });
    const ids = [1, 2, 3, 4].map(() => s.create(alice, 'password').id);
    expect(s.size).toBe(3);
    expect(s.get(ids[0])).toBeUndefined();
    for (const id of ids.slice(1)) expect(s.get(id)).toBeDefined();

    // An expired session makes room before a live one is pushed out.
    const { s: s2, advance: adv2 } = store({ maxSessions: 2 });
    const old = s2.create(alice, 'password').id;
    adv2(31 * MIN);
    const b = s2.create(alice, 'password').id;
    const c = s2.create(alice, 'password').id;
    expect(s2.get(b)).toBeDefined();
    expect(s2.get(c)).toBeDefined();
    expect(s2.get(old)).toBeUndefined();
  });
});

describe('SessionStore: tables a client cannot flush (issue 11)', () => {
  const victor = { name: 'victor', role: 'viewer' as const };

  test('one user holds at most maxPerUser sessions; their own oldest goes', () => {
    const { s } = store();
    const ids = Array.from({ length: 12 }, () => s.create(victor, 'password').id);
    expect(s.size).toBe(10);
    expect(s.get(ids[0])).toBeUndefined();
    expect(s.get(ids[1])).toBeUndefined();
    expect(s.get(ids[11])).toBeDefined();
  });

  test('10,020 viewer sign-ins (of many proxy-named viewers) never sign an operator out', () => {
    const { s } = store({ maxSessions: 1000 });
    const op = s.create(alice, 'password');
    for (let i = 0; i < 10_020; i++) s.create({ name: `viewer-${i}`, role: 'viewer' }, 'proxy');
    expect(s.size).toBe(1000);
    expect(s.get(op.id)).toBeDefined();
  });

  test('with no viewer session left, the oldest operator session goes', () => {
    const { s } = store({ maxSessions: 3 });
    const first = s.create(alice, 'password');
    s.create({ name: 'olga', role: 'operator' }, 'password');
    s.create({ name: 'omar', role: 'operator' }, 'password');
    s.create({ name: 'oona', role: 'operator' }, 'password');
    expect(s.size).toBe(3);
    expect(s.get(first.id)).toBeUndefined();
  });
});
