import { randomUUID } from 'node:crypto';
import type { Principal } from '@quarry/core';
import { mayRead } from '@quarry/search';
import { LiveQueue } from './live-queue';
import type { DocumentChangeEvent, LiveCounters, LiveStream } from './live-types';

interface Watcher {
  queue: LiveQueue<DocumentChangeEvent>;
  accepts(change: DocumentChangeEvent): boolean;
}

/** `documentChanged` subscribers of this instance: every change of a document they may read. */
export class DocumentWatchers {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly options: { queueCapacity: number },
    private readonly counters: LiveCounters,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Every change of a collection (or of every collection the principal sees). */
  watch(principal: Principal, collection?: string): LiveStream<DocumentChangeEvent> {
    const watcher: Watcher = {
      queue: new LiveQueue<DocumentChangeEvent>(randomUUID(), {
        capacity: this.options.queueCapacity,
        onDrop: () => this.counters.droppedEvents++,
        onClose: () => void this.watchers.delete(watcher),
      }),
      accepts: (change) => (!collection || change.collection === collection) && mayRead(principal, change),
    };
    this.watchers.add(watcher);
    return watcher.queue;
  }

  /** Changes announced by any instance, this one included. */
  receive(changes: DocumentChangeEvent[]): void {
    for (const watcher of this.watchers) {
      for (const { access, ...change } of changes)
        if (watcher.accepts({ ...change, access })) watcher.queue.push(change);
    }
  }

  async close(): Promise<void> {
    for (const { queue } of [...this.watchers]) await queue.close();
  }
}
