import { operationRef, NotFoundError, type Operation, type ArgsOf, type ResultOf } from '@quarry/core';
import type { ChunkRepository, StoredChunk } from './chunk.repository';
import { DocumentIdInput } from './document.dto';
import type { DocumentRepository } from './document.repository';
import { mayRead } from './visibility';

/** At most this many chunks are listed per document (a body of 1 MB makes a few hundred). */
export const MAX_LISTED_CHUNKS = 2_000;

export interface DocumentChunks {
  id: string;
  chunks: Omit<StoredChunk, 'doc_id'>[];
}

/** Typed references of the operations below: what edges call them by. */
export const GET_DOCUMENT_CHUNKS = operationRef<DocumentIdInput, DocumentChunks>('get_document_chunks');

/**
 * `get_document_chunks`: a document's chunks in order, each with its text and location (page,
 * heading path, lines). A document the principal may not read (`mayRead`) is "not found", like
 * `get_document`, so its chunks are never shown either.
 */
export function documentChunksOperation(
  documents: DocumentRepository,
  chunks: ChunkRepository,
): Operation<ArgsOf<typeof GET_DOCUMENT_CHUNKS>, ResultOf<typeof GET_DOCUMENT_CHUNKS>> {
  return {
    name: GET_DOCUMENT_CHUNKS,
    description: "A document's chunks in order, each with its text and location (page, heading, lines).",
    role: 'reader',
    input: DocumentIdInput,
    run: async ({ id }, context) => {
      const doc = await documents.get(id);
      if (!doc || !mayRead(context.principal, doc)) throw new NotFoundError('document', id);
      const found = (await chunks.ofDocuments([id], MAX_LISTED_CHUNKS, context.signal)).get(id) ?? [];
      return { id, chunks: found.map(({ doc_id: _docId, ...chunk }) => chunk) };
    },
  };
}
