import { RateLimiterMemory } from 'rate-limiter-flexible';
import { RateLimitedError, UnavailableError, type Envelope, type Operation } from '@quarry/core';
import { RateLimiter, type Budget, type CreateLimiter } from './rate-limiter';

const memory: CreateLimiter = (options) => new RateLimiterMemory(options);
const failing: CreateLimiter = (options) => {
  const limiter = new RateLimiterMemory(options);
  limiter.consume = () => Promise.reject(new Error('Redis connection is not ready'));
  return limiter;
};

const reader: Operation = { name: 'search', description: '', role: 'reader', run: async () => undefined };
const writer: Operation = {
  name: 'index_documents',
  description: '',
  role: 'writer',
  run: async () => undefined,
};

function envelope(principal: string, transport: Envelope['transport'] = 'rest', unmetered = false): Envelope {
  return {
    op: 'x',
    args: {},
    principal: { id: principal, role: 'admin', ...(unmetered ? { unmetered } : {}) },
    transport,
    requestId: 'r',
  };
}

function limiter(readPerMinute: number, writePerMinute: number, create: CreateLimiter = memory) {
  const events = { limited: [] as Budget[], failOpen: [] as Budget[] };
  const rateLimiter = new RateLimiter(
    undefined,
    { readPerMinute, writePerMinute },
    { limited: (b) => events.limited.push(b), failOpen: (b) => events.failOpen.push(b) },
    create,
  );
  return { rateLimiter, events };
}

/** How many of `attempts` immediate calls pass before the first refusal; the refusal itself. */
async function burst(rateLimiter: RateLimiter, env: Envelope, op: Operation, attempts: number) {
  let passed = 0;
  for (let i = 0; i < attempts; i++) {
    try {
      await rateLimiter.beforeRun(env, op);
      passed++;
    } catch (error) {
      return { passed, refusal: error };
    }
  }
  return { passed, refusal: undefined };
}

describe('RateLimiter', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('lets a whole minute of budget through at once, then refuses with a short Retry-After', async () => {
    const { rateLimiter, events } = limiter(60, 10);
    const { passed, refusal } = await burst(rateLimiter, envelope('key:a'), reader, 100);
    // One from the steady rate (1 per second) and 60 from the burst allowance.
    expect(passed).toBe(61);
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect((refusal as RateLimitedError).retryAfterSeconds).toBe(1);
    expect(events.limited).toEqual(['read']);
  });

  it('recovers at the steady rate after Retry-After', async () => {
    const { rateLimiter } = limiter(60, 10);
    await burst(rateLimiter, envelope('key:a'), reader, 100);
    jest.advanceTimersByTime(1001);
    await expect(rateLimiter.beforeRun(envelope('key:a'), reader)).resolves.toBeUndefined();
    await expect(rateLimiter.beforeRun(envelope('key:a'), reader)).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('holds a client that never stops to its per-minute rate, bursts included', async () => {
    const { rateLimiter } = limiter(60, 10);
    let passed = 0;
    // Ten minutes of a client that calls again as soon as Retry-After allows.
    for (let elapsed = 0; elapsed < 600_000;) {
      try {
        await rateLimiter.beforeRun(envelope('key:a'), reader);
        passed++;
      } catch (error) {
        const wait = (error as RateLimitedError).retryAfterSeconds * 1000;
        jest.advanceTimersByTime(wait);
        elapsed += wait;
      }
    }
    // 600 at the steady rate, plus one minute's burst per ten minutes: never twice the rate.
    expect(passed).toBeGreaterThanOrEqual(600);
    expect(passed).toBeLessThanOrEqual(600 + 60 + 1);
  });

  it('keeps separate budgets per principal and for reads and writes', async () => {
    const { rateLimiter } = limiter(60, 10);
    expect((await burst(rateLimiter, envelope('key:a'), writer, 100)).passed).toBe(11);
    expect((await burst(rateLimiter, envelope('key:b'), writer, 100)).passed).toBe(11);
    expect((await burst(rateLimiter, envelope('key:a'), reader, 100)).passed).toBe(61);
  });

  it('spreads a budget under 60 a minute over seconds', async () => {
    const { rateLimiter } = limiter(20, 10);
    const { passed, refusal } = await burst(rateLimiter, envelope('key:a'), reader, 100);
    expect(passed).toBe(21);
    expect((refusal as RateLimitedError).retryAfterSeconds).toBe(3);
  });

  it('charges a request the cost the message manager put on its envelope', async () => {
    const { rateLimiter } = limiter(60, 10);
    const expensive = { ...envelope('key:a'), cost: 20 } as Envelope;
    // The steady rate (1 point) cannot pay 20, so every call draws on the 60-point burst.
    expect((await burst(rateLimiter, expensive, reader, 10)).passed).toBe(3);
    await expect(rateLimiter.take('key:b', 'read', 60)).resolves.toBeUndefined();
    await expect(rateLimiter.take('key:c', 'read', 61)).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('does not meter the local admin, the CLI, stdio or internal calls, nor a budget of 0', async () => {
    const { rateLimiter } = limiter(1, 0);
    for (const id of ['local', 'cli', 'stdio'])
      expect((await burst(rateLimiter, envelope(id, 'rest', true), reader, 50)).passed).toBe(50);
    expect((await burst(rateLimiter, envelope('key:a', 'internal'), reader, 50)).passed).toBe(50);
    expect((await burst(rateLimiter, envelope('key:a'), writer, 50)).passed).toBe(50);
    expect((await burst(rateLimiter, envelope('key:a'), reader, 50)).passed).toBe(2);
  });

  it('meters a key or token that is merely named like the local admin, the CLI or stdio (attack)', async () => {
    // An admin could create an API key called "local"; its holder must not escape the rate limit.
    for (const id of ['local', 'cli', 'stdio']) {
      const { rateLimiter } = limiter(1, 0);
      expect((await burst(rateLimiter, envelope(id), reader, 50)).passed).toBe(2);
    }
  });

  it('lets reads through and refuses writes as unavailable when the store cannot be asked', async () => {
    const { rateLimiter, events } = limiter(60, 10, failing);
    expect((await burst(rateLimiter, envelope('key:a'), reader, 100)).passed).toBe(100);
    expect(events.failOpen).toHaveLength(100);
    const refusal = (await burst(rateLimiter, envelope('key:a'), writer, 1)).refusal as UnavailableError;
    expect(refusal).toBeInstanceOf(UnavailableError);
    expect(refusal.message).toBe('redis is unavailable');
    expect(refusal.reason).toBe('rate limiter cannot meter writes: Redis connection is not ready');
    expect(events.limited).toEqual([]);
  });
});
