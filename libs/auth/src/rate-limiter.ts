import type Redis from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateLimitConfig } from '@quarry/config';
import {
  RateLimitedError,
  UnavailableError,
  type Envelope,
  type MessageManagerPlugin,
  type Operation,
} from '@quarry/core';

export type Budget = 'read' | 'write';

export interface RateLimitEvents {
  limited(budget: Budget): void;
  failOpen(budget: Budget, error: Error): void;
}

/** What a budget's limiter needs; rate-limiter-flexible's Redis store in production, its memory store in unit tests. */
export type CreateLimiter = (options: IRateLimiterOptions & { keyPrefix: string }) => RateLimiterAbstract;

/** Anything that consumes points for a key (a single limiter or a steady + burst pair). */
interface PointConsumer {
  consume(key: string, points?: number): Promise<RateLimiterRes>;
}

export function redisLimiter(redis: Redis): CreateLimiter {
  // Not ready = fail at once (the policy below decides), instead of waiting on a dead socket.
  return (options) => new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true });
}

/**
 * A budget of `perMinute` as rate-limiter-flexible's bursty pair: a steady rate of
 * perMinute/60 per second, and a burst allowance of one minute's budget per ten minutes, drawn
 * on when the steady rate is spent. A client may send a whole minute's budget at once; once
 * both are spent it is told to come back when the steady rate refills (a second or so). A client
 * that never stops gets the per-minute rate plus at most a tenth: with the allowance renewed
 * every minute it would get twice the rate.
 */
/** How often the burst allowance is renewed. */
const BURST_WINDOW_SECONDS = 600;

function budgetLimiter(
  create: CreateLimiter,
  budget: Budget,
  perMinute: number,
  namespace: string,
): PointConsumer {
  const steady =
    perMinute >= 60
      ? { points: Math.floor(perMinute / 60), duration: 1 }
      : { points: 1, duration: Math.ceil(60 / perMinute) };
  return new BurstyRateLimiter(
    create({ keyPrefix: `${namespace}:rl:${budget}`, ...steady }),
    create({
      keyPrefix: `${namespace}:rl:${budget}:burst`,
      points: perMinute,
      duration: BURST_WINDOW_SECONDS,
    }),
  );
}

/**
 * Per-principal rate limits with separate budgets for reads and writes, shared by every
 * instance through Redis. Policy when Redis cannot be asked: reads are let through (search
 * keeps working) and counted; writes are refused as unavailable, since an unmetered writer
 * could flood the indices.
 */
export class RateLimiter implements MessageManagerPlugin {
  private readonly budgets = new Map<Budget, PointConsumer>();

  constructor(
    redis: Redis | undefined,
    private readonly limits: RateLimitConfig,
    private readonly events: RateLimitEvents,
    private readonly createLimiter: CreateLimiter = redisLimiter(redis!),
    /** Redis keys start with this (the index prefix), so deployments sharing a Redis keep their own budgets. */
    private readonly namespace = 'quarry',
  ) {}

  static budgetOf(operation: Operation): Budget {
    return operation.role === 'reader' ? 'read' : 'write';
  }

  async beforeRun(envelope: Envelope, operation: Operation): Promise<void> {
    // The operator on this machine (protected mode's local admin, the CLI, stdio) and Quarry's
    // own internal calls are not metered; whoever made the principal said so.
    if (envelope.transport === 'internal' || envelope.principal.unmetered) return;
    // The message manager sets the cost the operation declares (e.g. a hybrid search costs 3).
    await this.take(envelope.principal.id, RateLimiter.budgetOf(operation), envelope.cost ?? 1);
  }

  /** Takes `points` from the principal's budget, or throws RateLimitedError (or UnavailableError for writes without Redis). */
  async take(principalId: string, budget: Budget, points = 1): Promise<void> {
    const perMinute = budget === 'read' ? this.limits.readPerMinute : this.limits.writePerMinute;
    if (perMinute === 0) return;
    let limiter = this.budgets.get(budget);
    if (!limiter) {
      limiter = budgetLimiter(this.createLimiter, budget, perMinute, this.namespace);
      this.budgets.set(budget, limiter);
    }
    try {
      await limiter.consume(principalId, points);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.events.limited(budget);
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      }
      const error = rejection instanceof Error ? rejection : new Error(String(rejection));
      if (budget === 'read') {
        this.events.failOpen(budget, error);
        return;
      }
      throw new UnavailableError('redis', `rate limiter cannot meter writes: ${error.message}`);
    }
  }
}
