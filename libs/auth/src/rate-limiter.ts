import type Redis from 'ioredis';
import type { RateLimitConfig } from '@quarry/config';
import {
  RateLimitedError,
  UnavailableError,
  type Envelope,
  type MessageManagerPlugin,
  type Operation,
} from '@quarry/core';

export type Budget = 'read' | 'write';

// Token bucket, atomically in Redis: refill by elapsed time, take one token or say how long to wait.
const TOKEN_BUCKET = `
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) * per_ms)
local allowed = 0
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', key, 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', key, math.ceil(capacity / per_ms) + 1000)
return {allowed, wait_ms}
`;

export interface RateLimitEvents {
  limited(budget: Budget): void;
  failOpen(budget: Budget, error: Error): void;
}

/**
 * Per-principal rate limits with separate budgets for reads and writes, shared by every
 * instance through Redis. Policy when Redis cannot be asked: reads are let through (search
 * keeps working) and counted; writes are refused as unavailable, since an unmetered writer
 * could flood the indices.
 */
export class RateLimiter implements MessageManagerPlugin {
  constructor(
    private readonly redis: Redis,
    private readonly limits: RateLimitConfig,
    private readonly events: RateLimitEvents,
  ) {}

  static budgetOf(operation: Operation): Budget {
    return operation.role === 'reader' ? 'read' : 'write';
  }

  async beforeRun(envelope: Envelope, operation: Operation): Promise<void> {
    // The local admin of protected mode and Quarry's own internal calls are not metered.
    if (
      envelope.transport === 'internal' ||
      envelope.principal.id === 'local' ||
      envelope.principal.id === 'cli' ||
      envelope.principal.id === 'stdio'
    )
      return;
    const budget = RateLimiter.budgetOf(operation);
    const perMinute = budget === 'read' ? this.limits.readPerMinute : this.limits.writePerMinute;
    if (perMinute === 0) return;
    let result: [number, number];
    try {
      result = (await this.redis.eval(
        TOKEN_BUCKET,
        1,
        `quarry:rl:${budget}:${envelope.principal.id}`,
        perMinute,
        perMinute / 60_000,
        Date.now(),
      )) as [number, number];
    } catch (error) {
      if (budget === 'read') {
        this.events.failOpen(budget, error as Error);
        return;
      }
      throw new UnavailableError('redis', `rate limiter cannot meter writes: ${(error as Error).message}`);
    }
    if (result[0] !== 1) {
      this.events.limited(budget);
      throw new RateLimitedError(Math.max(1, Math.ceil(result[1] / 1000)));
    }
  }
}
