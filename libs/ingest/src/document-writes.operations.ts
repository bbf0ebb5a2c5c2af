import {
  auditBatch,
  meterBatch,
  NotFoundError,
  type ArgsOf,
  type Operation,
  type OperationContext,
  type ResultOf,
} from '@quarry/core';
import {
  DELETE_DOCUMENT,
  DELETE_RESULT_SCHEMA,
  DocumentIdInput,
  INDEX_DOCUMENTS,
  INGEST_RESULT_SCHEMA,
  IndexDocumentsInput,
  ingestCost,
  readerOf,
  type IngestResult,
} from '@quarry/search';
import type { IngestService } from './ingest.service';

const allowed = (context: OperationContext) => context.principal.collections;
/** What the principal may write or delete besides its collections: documents it can read (`readerOf`). */
const reader = (context: OperationContext) => readerOf(context.principal);

/**
 * Writing and deleting documents (`index_documents`, `delete_document`): they live with ingestion,
 * which owns every write, so libs/search (reading) never depends on libs/ingest.
 */
export function documentWriteOperations(ingest: IngestService): Operation<never, unknown>[] {
  const indexDocuments: Operation<ArgsOf<typeof INDEX_DOCUMENTS>, ResultOf<typeof INDEX_DOCUMENTS>> = {
    name: INDEX_DOCUMENTS,
    description:
      'Add or replace documents (bulk). Each document gets its own result; a bad one never fails the rest.',
    role: 'writer',
    input: IndexDocumentsInput,
    cost: ingestCost,
    audit: (_args, result) => auditBatch(result),
    meter: (args, result) =>
      meterBatch(
        result.items,
        (args.documents as { body?: unknown }[]).reduce(
          (sum: number, d) => sum + (typeof d?.body === 'string' ? Buffer.byteLength(d.body) : 0),
          0,
        ),
      ),
    tool: {
      title: 'Index documents',
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      outputSchema: INGEST_RESULT_SCHEMA,
      summarize: (result) => {
        const r = result as IngestResult;
        const failures = r.items
          .filter((i) => i.status === 'failed')
          .map((i) => `documents[${i.index}]${i.id ? ` (${i.id})` : ''}: ${i.error}`);
        return [`Indexed ${r.indexed} of ${r.items.length} documents; ${r.failed} failed.`, ...failures].join(
          '\n',
        );
      },
    },
    run: (args, context) =>
      ingest.ingest(args.documents, {
        wait: args.wait,
        signal: context.signal,
        onProgress: context.onProgress,
        allowedCollections: allowed(context),
        reader: reader(context),
      }),
  };
  const deleteDocument: Operation<ArgsOf<typeof DELETE_DOCUMENT>, ResultOf<typeof DELETE_DOCUMENT>> = {
    name: DELETE_DOCUMENT,
    description: 'Delete a document and all its chunks.',
    role: 'writer',
    input: DocumentIdInput,
    audit: (args) => ({ ids: [args.id] }),
    tool: {
      title: 'Delete a document',
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      outputSchema: DELETE_RESULT_SCHEMA,
      summarize: (r) => `Deleted document ${r.id} and its chunks.`,
    },
    run: async (args, context) => {
      const deleted = await ingest.delete(args.id, {
        wait: args.wait,
        signal: context.signal,
        allowedCollections: allowed(context),
        reader: reader(context),
      });
      if (!deleted) throw new NotFoundError('document', args.id);
      return { id: args.id, deleted: true };
    },
  };
  return [indexDocuments, deleteDocument] as Operation<never, unknown>[];
}
