import type { DocumentAccess } from './document.dto';
import type { StoredDocument } from './document.repository';

/** What a write changed, as it is published to every instance. */
export type DocumentChange = {
  id: string;
  change: 'new' | 'updated' | 'deleted';
  collection: string;
  /** Set when an update moved the document: results of that collection change too. */
  previousCollection?: string;
  /** The document's access (a deleted one's as it was): who may be told of the change. */
  access?: DocumentAccess;
};

/**
 * A change with what live matching needs of it. It stays in this process: bodies and vectors
 * are never published, only `DocumentChange`s are.
 */
export interface ChangedDocument extends DocumentChange {
  /** The document as written; absent for deletions. */
  document?: StoredDocument;
  /** The chunks this ingest embedded; absent when the stored vectors were reused. */
  chunks?: { text: string; vector: number[] }[];
  /** With `chunks` of a document of several: the document embedded whole (`poolChunks`). */
  documentVector?: number[];
}

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
