import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { GET_REINDEX_JOB, REINDEX_EMBEDDINGS, ReindexInput } from '@quarry/search';
import { RestEdge } from './envelope';
import { RunsOperation } from './operation-route';

/** Re-embedding the vector index with this instance's model, as a job. */
@ApiTags('reindex')
@Controller('v1')
export class ReindexController {
  constructor(private readonly edge: RestEdge) {}

  @Post('reindex')
  @ApiOperation({
    summary:
      'Re-embed every chunk with the configured model into a new vector index, then swap the alias; ' +
      'answers 201 with the job at once (or when it ends with {"wait": true}); searches keep working meanwhile',
  })
  @ApiBody({ type: ReindexInput, required: false })
  @RunsOperation(REINDEX_EMBEDDINGS)
  start(@Req() request: Request, @Body() body: unknown) {
    return this.edge.handle(request, REINDEX_EMBEDDINGS, body ?? {});
  }

  @Get('reindex/:id')
  @ApiOperation({ summary: 'A re-embedding job: status, phase, chunks done of total, result or error' })
  @RunsOperation(GET_REINDEX_JOB)
  status(@Req() request: Request, @Param('id') id: string) {
    return this.edge.handle(request, GET_REINDEX_JOB, { id });
  }
}
