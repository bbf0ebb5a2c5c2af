import { Context, Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { execute, type GraphqlContext } from './graphql.context';
import { DocumentType, HitLocationType } from './graphql.types';
import { GET_DOCUMENT_CHUNKS } from '@quarry/search';

@ObjectType('Chunk', { description: 'A chunk of a document: what semantic search embeds and hits point at.' })
export class ChunkType {
  @Field(() => Int, { description: 'its number in the document, from 0 (document(chunk:) reads around it)' })
  chunkNo!: number;

  @Field()
  text!: string;

  @Field(() => HitLocationType, { nullable: true, description: 'page, heading path and lines it covers' })
  location?: HitLocationType | null;
}

/** `Document.chunks`: the `get_document_chunks` operation, under the same scope as the document. */
@Resolver(() => DocumentType)
export class DocumentChunksResolver {
  @ResolveField(() => [ChunkType], {
    description: 'Its chunks in order with their locations (at most 2,000).',
    complexity: 10,
  })
  async chunks(@Parent() doc: DocumentType, @Context() context: GraphqlContext): Promise<ChunkType[]> {
    const result = await execute(context, GET_DOCUMENT_CHUNKS, {
      id: doc.id,
    });
    return result.chunks.map((c) => ({
      chunkNo: c.chunk_no,
      text: c.text,
      location: c.location ? { ...c.location, chunk: c.chunk_no } : null,
    }));
  }
}
