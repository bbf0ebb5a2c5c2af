import type { LiveStream } from './live-types';

export interface LiveQueueOptions {
  /** Events kept for a consumer that is behind; beyond it the oldest is dropped. */
  capacity: number;
  /** Called once when the consumer stops (unsubscribe, disconnect) or `close()` is called. */
  onClose?: () => Promise<void> | void;
  /** Called when an event is dropped, with the number dropped since the last delivery. */
  onDrop?: (droppedSinceLastDelivery: number) => void;
}

/**
 * The events of one subscription, bounded. The producer (ingest matching, the Redis fan-out)
 * never waits: when `capacity` events are waiting because the consumer is slow, the oldest is
 * dropped and the next delivered event carries the count in `dropped`, so the client knows to
 * re-run its search. Iterating ends on `return()` (client unsubscribed), `close()`, or after
 * `end()` once the remaining events are delivered.
 */
export class LiveQueue<T extends { dropped?: number }> implements LiveStream<T> {
  private buffer: (T | undefined)[];
  private head = 0;
  private count = 0;
  private dropped = 0;
  private waiter?: (result: IteratorResult<T>) => void;
  private ending = false;
  private closed = false;
  private closing?: Promise<void>;

  constructor(
    readonly id: string,
    private readonly options: LiveQueueOptions,
  ) {
    this.buffer = new Array(options.capacity);
  }

  get size(): number {
    return this.count;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(event: T): void {
    if (this.closed || this.ending) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve({ value: this.mark(event), done: false });
      return;
    }
    if (this.count === this.options.capacity) {
      this.buffer[this.head] = undefined;
      this.head = (this.head + 1) % this.options.capacity;
      this.count--;
      this.dropped++;
      this.options.onDrop?.(this.dropped);
    }
    this.buffer[(this.head + this.count) % this.options.capacity] = event;
    this.count++;
  }

  /** No more events: the consumer gets what is queued, then the end. */
  end(): void {
    this.ending = true;
    if (this.count === 0) this.finish();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.count > 0) {
      const event = this.buffer[this.head]!;
      this.buffer[this.head] = undefined;
      this.head = (this.head + 1) % this.options.capacity;
      this.count--;
      if (this.ending && this.count === 0) this.finish();
      return Promise.resolve({ value: this.mark(event), done: false });
    }
    if (this.closed || this.ending) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async return(): Promise<IteratorResult<T>> {
    await this.close();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.close();
    throw error;
  }

  close(): Promise<void> {
    this.finish();
    return this.closing!;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private mark(event: T): T {
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped > 0 ? { ...event, dropped } : event;
  }

  private finish(): void {
    if (this.closing) return;
    this.closed = true;
    this.buffer = [];
    this.count = 0;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
    this.closing = Promise.resolve()
      .then(() => this.options.onClose?.())
      .catch(() => undefined);
  }
}
