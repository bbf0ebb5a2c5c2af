import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length } from 'class-validator';
import type { Operation } from '@quarry/core';
import { LIMITS, publicDocument, type DocumentRepository, type PublicDocument } from '@quarry/search';

export class DocumentIdsInput {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.maxSize)
  @IsString({ each: true })
  @Length(1, LIMITS.idLength, { each: true })
  ids!: string[];
}

/**
 * Several documents by id in one operation: what a GraphQL field that needs a document per hit
 * batches into (DataLoader), so authorization, rate limits and audit run once per batch. Ids
 * that do not exist, or that the caller may not see, come back as null, in order.
 */
export function getDocumentsOperation(documents: DocumentRepository): Operation<never, unknown> {
  const operation: Operation<DocumentIdsInput, { documents: (PublicDocument | null)[] }> = {
    name: 'get_documents',
    description: 'Fetch several documents by id; null for ids that do not exist or are not visible.',
    role: 'reader',
    input: DocumentIdsInput,
    run: async ({ ids }, context) => {
      const scope = context.principal.collections;
      const found = await Promise.all(ids.map((id) => documents.get(id)));
      return {
        documents: found.map((doc) =>
          doc && (!scope || scope.includes(doc.collection)) ? publicDocument(doc) : null,
        ),
      };
    },
  };
  return operation as Operation<never, unknown>;
}
