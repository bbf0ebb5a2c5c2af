import { NotFoundError } from '@quarry/core';
import type { ChunkRepository, StoredChunk } from './chunk.repository';
import { documentChunksOperation } from './document-chunks.operation';
import type { DocumentRepository } from './document.repository';

const stored: Record<string, { id: string; collection: string }> = {
  'hr-doc': { id: 'hr-doc', collection: 'hr' },
  'ops-doc': { id: 'ops-doc', collection: 'ops' },
};
const chunksOf: Record<string, StoredChunk[]> = {
  'hr-doc': [
    { doc_id: 'hr-doc', chunk_no: 0, text: 'Leave', location: { heading: ['Leave'], lines: [1, 3] } },
    { doc_id: 'hr-doc', chunk_no: 1, text: 'Pay', location: { page: 2, lines: [4, 6] } },
  ],
  'ops-doc': [{ doc_id: 'ops-doc', chunk_no: 0, text: 'secret runbook', location: { lines: [1, 1] } }],
};
const asked: string[][] = [];
const documents = { get: async (id: string) => stored[id] ?? null } as unknown as DocumentRepository;
const chunks = {
  ofDocuments: async (ids: string[]) => {
    asked.push(ids);
    return new Map(ids.map((id) => [id, chunksOf[id] ?? []]));
  },
} as unknown as ChunkRepository;
const operation = documentChunksOperation(documents, chunks);
const context = (collections?: string[]) => ({
  principal: { id: 'p', role: 'reader' as const, ...(collections ? { collections } : {}) },
  signal: new AbortController().signal,
  onProgress: () => undefined,
  transport: 'graphql' as const,
  requestId: 'r',
});

describe('get_document_chunks', () => {
  beforeEach(() => (asked.length = 0));

  it("lists a document's chunks in order with their locations, without the document id on each", async () => {
    const result = await operation.run({ id: 'hr-doc' }, context(['hr']));
    expect(result).toEqual({
      id: 'hr-doc',
      chunks: [
        { chunk_no: 0, text: 'Leave', location: { heading: ['Leave'], lines: [1, 3] } },
        { chunk_no: 1, text: 'Pay', location: { page: 2, lines: [4, 6] } },
      ],
    });
  });

  it('never reads the chunks of a document outside the principal’s collections: it is not found', async () => {
    await expect(operation.run({ id: 'ops-doc' }, context(['hr']))).rejects.toBeInstanceOf(NotFoundError);
    expect(asked).toEqual([]);
    await expect(operation.run({ id: 'missing' }, context())).rejects.toBeInstanceOf(NotFoundError);
    // Without a scope, every collection is readable.
    expect((await operation.run({ id: 'ops-doc' }, context())).chunks).toHaveLength(1);
  });

  it('is a reader operation', () => {
    expect(operation.role).toBe('reader');
  });
});
