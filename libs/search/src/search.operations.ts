import { NotFoundError, type Operation, type OperationContext } from '@quarry/core';
import type { DocumentRepository, StoredDocument } from './document.repository';
import { DocumentIdInput, IndexDocumentsInput } from './document.dto';
import type { IngestService } from './ingest.service';
import { SearchInput, type SearchResult } from './search.dto';
import type { SearchRepository } from './search.repository';
import type { SearchService } from './search.service';

export interface SearchOperationDeps {
  search: SearchService;
  ingest: IngestService;
  documents: DocumentRepository;
  repository: SearchRepository;
}

export type PublicDocument = Omit<StoredDocument, 'embedding_hash'>;

/** What a client sees of a stored document. */
export function publicDocument(doc: StoredDocument): PublicDocument {
  const { embedding_hash: _embeddingHash, ...rest } = doc;
  return rest;
}

const allowed = (context: OperationContext) => context.principal.collections;

/** The search and document operations every edge reaches through the message manager. */
export function searchOperations(deps: SearchOperationDeps): Operation<never, unknown>[] {
  const search: Operation<SearchInput, SearchResult> = {
    name: 'search',
    description: 'Search documents by words (lexical), by meaning (semantic) or both (hybrid, default).',
    role: 'reader',
    input: SearchInput,
    run: (args, context) => deps.search.search(args, { allowedCollections: allowed(context) }, context.signal),
  };
  const indexDocuments: Operation<IndexDocumentsInput, unknown> = {
    name: 'index_documents',
    description: 'Add or replace documents (bulk). Each document gets its own result; a bad one never fails the rest.',
    role: 'writer',
    input: IndexDocumentsInput,
    run: (args, context) =>
      deps.ingest.ingest(args.documents, {
        wait: args.wait,
        signal: context.signal,
        onProgress: context.onProgress,
        allowedCollections: allowed(context),
      }),
  };
  const getDocument: Operation<DocumentIdInput, PublicDocument> = {
    name: 'get_document',
    description: 'Fetch one document by id, with its full body.',
    role: 'reader',
    input: DocumentIdInput,
    run: async (args, context) => {
      const doc = await deps.documents.get(args.id);
      const scope = allowed(context);
      if (!doc || (scope && !scope.includes(doc.collection))) throw new NotFoundError('document', args.id);
      return publicDocument(doc);
    },
  };
  const deleteDocument: Operation<DocumentIdInput, { id: string; deleted: true }> = {
    name: 'delete_document',
    description: 'Delete a document and all its chunks.',
    role: 'writer',
    input: DocumentIdInput,
    run: async (args, context) => {
      const deleted = await deps.ingest.delete(args.id, { wait: args.wait, signal: context.signal, allowedCollections: allowed(context) });
      if (!deleted) throw new NotFoundError('document', args.id);
      return { id: args.id, deleted: true };
    },
  };
  const listCollections: Operation<object, { collections: { name: string; documents: number }[] }> = {
    name: 'list_collections',
    description: 'Collections with their document counts.',
    role: 'reader',
    run: async (_args, context) => ({ collections: await deps.repository.collections(allowed(context)) }),
  };
  return [search, indexDocuments, getDocument, deleteDocument, listCollections] as Operation<never, unknown>[];
}
