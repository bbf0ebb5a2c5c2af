import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ADD_SOURCE,
  CANCEL_JOB,
  DELETE_COLLECTION,
  DELETE_DOCUMENTS,
  GET_JOB,
  JobList,
  JobState,
  LIST_DOCUMENTS,
  LIST_JOBS,
  LIST_SOURCES,
  REMOVE_SOURCE,
  SYNC_SOURCE,
  SourceInput,
} from '@quarry/ingest';
import { flag, RestEdge } from './envelope';
import { RunsOperation } from './operation-route';

const defined = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));

/** Browse and clean up documents, sources that stay in sync, and their jobs. */
@ApiTags('ingestion')
@Controller('v1')
export class IngestionController {
  constructor(private readonly edge: RestEdge) {}

  @Get('documents')
  @ApiOperation({ summary: 'List documents (no bodies) ordered by id; follow nextCursor for the next page' })
  @ApiQuery({ name: 'collection', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'size', required: false })
  @RunsOperation(LIST_DOCUMENTS)
  list(
    @Req() request: Request,
    @Query('collection') collection?: string,
    @Query('cursor') cursor?: string,
    @Query('size') size?: string,
  ) {
    return this.edge.handle(request, LIST_DOCUMENTS, defined({ collection, cursor, size }));
  }

  @Delete('documents')
  @ApiOperation({ summary: 'Delete every document matching the filter given as query parameters' })
  @ApiQuery({ name: 'collection', required: false })
  @ApiQuery({ name: 'tag', required: false, isArray: true })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({ name: 'sourceName', required: false })
  @ApiQuery({ name: 'idPrefix', required: false })
  @ApiQuery({ name: 'updatedBefore', required: false })
  @RunsOperation(DELETE_DOCUMENTS)
  deleteMatching(@Req() request: Request, @Query() query: Record<string, string | string[]>) {
    const { tag, ...rest } = query;
    return this.edge.handle(
      request,
      DELETE_DOCUMENTS,
      defined({ ...rest, tags: tag === undefined ? undefined : [tag].flat() }),
    );
  }

  @Delete('collections/:name')
  @ApiOperation({ summary: 'Delete a collection: all its documents and their chunks' })
  @RunsOperation(DELETE_COLLECTION)
  deleteCollection(@Req() request: Request, @Param('name') name: string) {
    return this.edge.handle(request, DELETE_COLLECTION, { collection: name });
  }

  @Post('sources')
  @HttpCode(201)
  @ApiOperation({ summary: 'Define a source (directory or http-json) to keep in sync' })
  @ApiBody({ type: SourceInput })
  @RunsOperation(ADD_SOURCE)
  addSource(@Req() request: Request, @Body() body: unknown) {
    return this.edge.handle(request, ADD_SOURCE, body);
  }

  @Get('sources')
  @ApiOperation({ summary: 'Sources with their last sync' })
  @RunsOperation(LIST_SOURCES)
  listSources(@Req() request: Request) {
    return this.edge.handle(request, LIST_SOURCES, {});
  }

  @Post('sources/:name/sync')
  @HttpCode(202)
  @ApiOperation({ summary: 'Sync a source now, as a job; ?wait=true answers when the job ends' })
  @ApiQuery({ name: 'wait', required: false })
  @ApiAcceptedResponse({ type: JobState, description: 'the job as it starts (with ?wait=true, as it ended)' })
  @RunsOperation(SYNC_SOURCE)
  sync(@Req() request: Request, @Param('name') name: string, @Query('wait') wait?: string) {
    return this.edge.handle(request, SYNC_SOURCE, { name, wait: flag(wait) ?? false });
  }

  @Delete('sources/:name')
  @ApiOperation({
    summary: 'Remove a source and the documents it brought in (?keepDocuments=true keeps them)',
  })
  @ApiQuery({ name: 'keepDocuments', required: false })
  @RunsOperation(REMOVE_SOURCE)
  removeSource(@Req() request: Request, @Param('name') name: string, @Query('keepDocuments') keep?: string) {
    return this.edge.handle(request, REMOVE_SOURCE, { name, keepDocuments: flag(keep) ?? false });
  }

  @Get('jobs')
  @ApiOperation({ summary: 'Ingestion jobs, newest first' })
  @ApiOkResponse({ type: JobList })
  @RunsOperation(LIST_JOBS)
  listJobs(@Req() request: Request, @Query('size') size?: string) {
    return this.edge.handle(request, LIST_JOBS, defined({ size }));
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'One job: status, stage, counts per stage, failures with reasons' })
  @ApiOkResponse({ type: JobState })
  @RunsOperation(GET_JOB)
  getJob(@Req() request: Request, @Param('id') id: string) {
    return this.edge.handle(request, GET_JOB, { id });
  }

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a running job' })
  @ApiOkResponse({ type: JobState, description: 'its final state' })
  @RunsOperation(CANCEL_JOB)
  cancelJob(@Req() request: Request, @Param('id') id: string) {
    return this.edge.handle(request, CANCEL_JOB, { id });
  }
}
