import { operationRef, NotFoundError, type Operation, type ArgsOf, type ResultOf } from '@quarry/core';
import type { DocumentRepository, StoredDocument } from './document.repository';
import { DocumentIdInput, DocumentIdsInput, IndexDocumentsInput } from './document.dto';
import { SearchInput, type SearchResult } from './search.dto';
import type { SearchRepository } from './search.repository';
import type { SearchService } from './search.service';
import { COLLECTIONS_SCHEMA, DOCUMENT_SCHEMA, SEARCH_RESULT_SCHEMA } from './output-schemas';
import type { IngestResult } from './document.dto';
import type { ChunkRepository } from './chunk.repository';
import { GetDocumentInput, readDocument, type DocumentWithExcerpt } from './document-excerpt';
import { describeLocation } from './hit-location';
import { plainText } from './snippet';
import { evaluateOperation } from './eval.operation';
import { documentChunksOperation } from './document-chunks.operation';
import { searchCost } from './operation-costs';
import { mayRead, searchScopeOf, visibilityClauses } from './visibility';

/** Serves identical searches from a cache; `collections` is the scope the key depends on. */
export interface SearchCache {
  getOrCompute<T>(input: unknown, collections: string[] | undefined, compute: () => Promise<T>): Promise<T>;
}

export interface SearchOperationDeps {
  search: SearchService;
  cache?: SearchCache;
  documents: DocumentRepository;
  repository: SearchRepository;
  /** Chunks, to read around a hit (`get_document` with `chunk`) and list a document's chunks. */
  chunks?: ChunkRepository;
}

export type PublicDocument = Omit<StoredDocument, 'embedding_hash'>;

/** What a client sees of a stored document. */
export function publicDocument(doc: StoredDocument): PublicDocument {
  const { embedding_hash: _embeddingHash, ...rest } = doc;
  return rest;
}

/** Search results as text an agent can read and cite: one numbered hit per line with its id. */
export function summarizeSearch(result: SearchResult): string {
  if (result.hits.length === 0) return `No documents found (${result.mode} search).`;
  const lines = result.hits.map(
    (hit, i) =>
      `${i + 1}. ${hit.title ?? hit.id} [id: ${hit.id}, collection: ${hit.collection}, score: ${hit.score.toFixed(3)}${hit.location ? `, at: ${describeLocation(hit.location)}` : ''}]\n   ${plainText(hit.snippet).replace(/\s+/g, ' ')}`,
  );
  return `${result.total} documents match (${result.mode} search, ${result.tookMs} ms); top ${result.hits.length}:\n${lines.join('\n')}`;
}

/** Typed references of the operations below: what edges call them by. */
export const SEARCH = operationRef<SearchInput, SearchResult>('search');
export const INDEX_DOCUMENTS = operationRef<IndexDocumentsInput, IngestResult>('index_documents');
export const GET_DOCUMENT = operationRef<GetDocumentInput, DocumentWithExcerpt>('get_document');
export const GET_DOCUMENTS = operationRef<DocumentIdsInput, { documents: (PublicDocument | null)[] }>(
  'get_documents',
);
export const DELETE_DOCUMENT = operationRef<DocumentIdInput, { id: string; deleted: true }>(
  'delete_document',
);
export const LIST_COLLECTIONS = operationRef<object, { collections: { name: string; documents: number }[] }>(
  'list_collections',
);

/** The search and document operations every edge reaches through the message manager. */
export function searchOperations(deps: SearchOperationDeps): Operation<never, unknown>[] {
  const search: Operation<ArgsOf<typeof SEARCH>, ResultOf<typeof SEARCH>> = {
    name: SEARCH,
    description: 'Search documents by words (lexical), by meaning (semantic) or both (hybrid, default).',
    role: 'reader',
    input: SearchInput,
    cost: searchCost,
    tool: {
      title: 'Search documents',
      annotations: { readOnlyHint: true, openWorldHint: false },
      outputSchema: SEARCH_RESULT_SCHEMA,
      summarize: summarizeSearch,
    },
    run: async (args, context) => {
      const scope = searchScopeOf(context.principal);
      const run = () => deps.search.search(args, scope, context.signal);
      if (!deps.cache) return run();
      // The scope a result depends on: asked collections (field and @words) narrowed by the key's
      // allow-list; and the reader, so a result cached for one group is never served to another.
      const collections = (await deps.search.scopeOf(args, scope, context.signal)).collections;
      return deps.cache.getOrCompute(
        { ...args, allowed: scope.allowedCollections ?? null, reader: scope.reader ?? null },
        collections,
        run,
      );
    },
  };
  const getDocument: Operation<ArgsOf<typeof GET_DOCUMENT>, ResultOf<typeof GET_DOCUMENT>> = {
    name: GET_DOCUMENT,
    description:
      'Fetch one document by id: the whole body, or within maxChars characters around a chunk (a hit location names it) or from an offset.',
    role: 'reader',
    input: GetDocumentInput,
    tool: {
      title: 'Get a document',
      annotations: { readOnlyHint: true, openWorldHint: false },
      outputSchema: DOCUMENT_SCHEMA,
      summarize: (doc) =>
        `${doc.title ?? doc.id} [id: ${doc.id}, collection: ${doc.collection}${
          doc.excerpt
            ? `, characters ${doc.excerpt.start}-${doc.excerpt.end} of ${doc.excerpt.bodyLength}${
                doc.excerpt.chunks ? `, chunks ${doc.excerpt.chunks.map((c) => c.chunk).join(',')}` : ''
              }`
            : ''
        }]\n\n${doc.body}`,
    },
    run: async (args, context) => {
      if (deps.chunks) return readDocument(args, deps.documents, deps.chunks, context.principal);
      const doc = await deps.documents.get(args.id);
      if (!doc || !mayRead(context.principal, doc)) throw new NotFoundError('document', args.id);
      return publicDocument(doc);
    },
  };
  const getDocuments: Operation<ArgsOf<typeof GET_DOCUMENTS>, ResultOf<typeof GET_DOCUMENTS>> = {
    name: GET_DOCUMENTS,
    description: 'Fetch several documents by id; null for ids that do not exist or are not visible.',
    role: 'reader',
    input: DocumentIdsInput,
    run: async ({ ids }, context) => {
      const found = await deps.documents.getMany(ids);
      return {
        documents: found.map((doc) => (doc && mayRead(context.principal, doc) ? publicDocument(doc) : null)),
      };
    },
  };
  const evaluate = evaluateOperation(deps.search) as unknown as Operation<never, unknown>;
  const listCollections: Operation<ArgsOf<typeof LIST_COLLECTIONS>, ResultOf<typeof LIST_COLLECTIONS>> = {
    name: LIST_COLLECTIONS,
    description: 'Collections with their document counts.',
    role: 'reader',
    tool: {
      title: 'List collections',
      annotations: { readOnlyHint: true, openWorldHint: false },
      outputSchema: COLLECTIONS_SCHEMA,
      summarize: (r) =>
        r.collections.map((c) => `${c.name}: ${c.documents} documents`).join('\n') || 'No collections yet.',
    },
    run: async (_args, context) => ({
      collections: await deps.repository.collections(visibilityClauses(context.principal)),
    }),
  };
  return [
    search,
    getDocument,
    getDocuments,
    listCollections,
    evaluate,
    ...(deps.chunks ? [documentChunksOperation(deps.documents, deps.chunks)] : []),
  ] as Operation<never, unknown>[];
}
