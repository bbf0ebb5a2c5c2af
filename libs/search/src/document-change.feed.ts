import type { ChangedDocument, DocumentChange } from './ingest.service';

export type DocumentChangeListener = (
  changes: DocumentChange[],
  documents: ChangedDocument[],
  /** False when the write was acknowledged before a refresh made it searchable. */
  visible: boolean,
) => Promise<void> | void;

/**
 * What every write reports, to whoever listens (caches, live queries, other instances). The
 * ingest service awaits the listeners before it acknowledges, so an acknowledged write has
 * invalidated the caches.
 */
export class DocumentChangeFeed {
  private readonly listeners: DocumentChangeListener[] = [];

  listen(listener: DocumentChangeListener): void {
    this.listeners.push(listener);
  }

  async publish(changes: DocumentChange[], documents: ChangedDocument[], visible: boolean): Promise<void> {
    for (const listener of this.listeners) await listener(changes, documents, visible);
  }
}
