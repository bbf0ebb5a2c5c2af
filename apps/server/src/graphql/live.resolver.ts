import { Args, Context, ID, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import type { DocumentChangeEvent, IngestProgressEvent, LiveEvent, LiveStream } from '@quarry/live';
import { execute, type GraphqlContext } from './graphql.context';
import {
  DocumentChangeType,
  DocumentType,
  IngestProgressType,
  LiveHitType,
  SearchInputType,
} from './graphql.types';
import { searchArgs, toDocument } from './search.resolver';
import { LIVE_SEARCH, WATCH_DOCUMENTS, WATCH_INGEST } from '@quarry/live';

/**
 * Subscriptions (graphql-ws at /graphql). Each one is an operation of the message manager, so a
 * bad input or a missing role refuses it at subscribe time with the usual error codes.
 */
@Resolver()
export class LiveResolver {
  @Subscription(() => LiveHitType, {
    description:
      'Live results: every new, updated or deleted document that matches the search, on whichever instance it was ingested.',
    resolve: (event: LiveEvent): LiveHitType => ({
      change: event.change,
      hit: event.hit,
      subscriptionId: event.subscriptionId,
      dropped: event.dropped ?? 0,
    }),
  })
  liveSearch(
    @Args('input') input: SearchInputType,
    @Context() context: GraphqlContext,
  ): Promise<LiveStream<LiveEvent>> {
    return execute(context, LIVE_SEARCH, searchArgs(input), { argument: 'input' });
  }

  @Subscription(() => DocumentChangeType, {
    description: 'Every document change in a collection (or in every collection the caller sees).',
    resolve: (event: DocumentChangeEvent): DocumentChangeType => ({ ...event, dropped: event.dropped ?? 0 }),
  })
  documentChanged(
    @Args('collection', { type: () => String, nullable: true }) collection: string | null,
    @Context() context: GraphqlContext,
  ): Promise<LiveStream<DocumentChangeEvent>> {
    return execute(context, WATCH_DOCUMENTS, collection == null ? {} : { collection });
  }

  @Subscription(() => IngestProgressType, {
    description:
      'Progress of `indexDocuments(..., jobId)`, from whichever instance runs it; completes after the last report.',
    resolve: (event: IngestProgressEvent): IngestProgressType => ({ ...event, dropped: event.dropped ?? 0 }),
  })
  ingestProgress(
    @Args('jobId', { type: () => ID }) jobId: string,
    @Context() context: GraphqlContext,
  ): Promise<LiveStream<IngestProgressEvent>> {
    return execute(context, WATCH_INGEST, { jobId });
  }
}

@Resolver(() => DocumentChangeType)
export class DocumentChangeResolver {
  @ResolveField(() => DocumentType, { nullable: true, description: 'The document now; null once deleted.' })
  async document(
    @Parent() change: DocumentChangeType,
    @Context() context: GraphqlContext,
  ): Promise<DocumentType | null> {
    return change.change === 'deleted' ? null : toDocument(await context.documents.load(change.id));
  }
}
