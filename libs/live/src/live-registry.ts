import type Redis from 'ioredis';
import { UnavailableError } from '@quarry/core';
import type { Logger } from '@quarry/observability';
import { LiveQueryIndex } from './live-matcher';
import type { LiveQueryRepository } from './live-query.repository';
import type { LiveQuery } from './live-types';
import type { RedisBus } from '@quarry/redis';

export type RegistryChange =
  | { op: 'add'; query: LiveQuery }
  | { op: 'remove'; ids: string[] }
  | { op: 'extend'; instance: string; expiresAt: number };

interface Versioned {
  v: number;
  m: RegistryChange;
}

/**
 * INCR and PUBLISH in one step, so a change's version and its announcement are never apart: an
 * instance that reads version N knows changes 1..N are (or are about to be) on its channel.
 */
const ANNOUNCE = `
local v = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], '{"v":' .. v .. ',"m":' .. ARGV[1] .. '}')
return v`;

/** How long a batch waits for announcements it knows are on their way before reloading instead. */
const CATCH_UP_MS = 500;

/**
 * This instance's copy of every instance's live queries. The live index is the record; changes
 * reach every copy through one Redis channel, each numbered by a Redis counter. A copy that sees a
 * gap in the numbers (it missed a message while disconnected) reloads from the index, and before
 * matching a batch it checks the counter, so a query registered anywhere a moment before an
 * ingest is matched by it.
 */
export class LiveRegistry {
  readonly queries = new LiveQueryIndex();
  private applied = 0;
  private reloading?: Promise<void>;
  private buffered: Versioned[] = [];
  private readonly waiters = new Set<() => void>();
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly bus: RedisBus,
    private readonly repository: LiveQueryRepository,
    private readonly keys: { version: string; channel: string },
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(this.keys.channel, (message) =>
      this.receive(message as Versioned),
    );
    await this.reload();
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    for (const wake of this.waiters) wake();
  }

  /** Applies a change here at once and announces it to every instance. */
  async announce(change: RegistryChange): Promise<void> {
    this.apply(change);
    try {
      await this.redis.eval(ANNOUNCE, 2, this.keys.version, this.keys.channel, JSON.stringify(change));
    } catch (error) {
      throw new UnavailableError('redis', (error as Error).message);
    }
  }

  /** Resolves once every change announced so far is applied here (or the copy was reloaded). */
  async catchUp(): Promise<void> {
    const latest = Number((await this.redis.get(this.keys.version).catch(() => null)) ?? 0);
    if (this.applied >= latest && !this.reloading) return;
    const deadline = Date.now() + CATCH_UP_MS;
    while ((this.applied < latest || this.reloading) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.waiters.add(wake);
      });
    }
    if (this.applied < latest) await this.reload();
  }

  /** Replaces this copy with the index's entries, then replays what arrived meanwhile. */
  reload(): Promise<void> {
    this.reloading ??= (async () => {
      try {
        const version = Number((await this.redis.get(this.keys.version)) ?? 0);
        const queries = await this.repository.active(Date.now());
        this.queries.clear();
        for (const query of queries) this.queries.add(query);
        this.applied = version;
        const pending = this.buffered.filter((b) => b.v > version).sort((a, b) => a.v - b.v);
        this.buffered = [];
        for (const message of pending) this.receive(message);
      } catch (error) {
        this.logger.warn(
          { err: (error as Error).message },
          'live query registry not reloaded; retrying on the next batch',
        );
      } finally {
        this.reloading = undefined;
        this.wake();
      }
    })();
    return this.reloading;
  }

  private receive(message: Versioned): void {
    if (typeof message?.v !== 'number' || !message.m) return;
    if (this.reloading) {
      this.buffered.push(message);
      return;
    }
    if (message.v <= this.applied) return;
    if (message.v > this.applied + 1) {
      this.buffered.push(message);
      void this.reload();
      return;
    }
    this.apply(message.m);
    this.applied = message.v;
    this.wake();
  }

  private apply(change: RegistryChange): void {
    if (change.op === 'add') this.queries.add(change.query);
    else if (change.op === 'remove') for (const id of change.ids) this.queries.remove(id);
    else this.queries.extend(change.instance, change.expiresAt);
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
