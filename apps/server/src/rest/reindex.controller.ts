import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ReindexInput } from '@quarry/search';
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
  @RunsOperation('reindex_embeddings')
  start(@Req() request: Request, @Body() body: unknown) {
    return this.edge.handle(request, 'reindex_embeddings', body ?? {});
  }

  @Get('reindex/:id')
  @ApiOperation({ summary: 'A re-embedding job: status, phase, chunks done of total, result or error' })
  @RunsOperation('get_reindex_job')
  status(@Req() request: Request, @Param('id') id: string) {
    return this.edge.handle(request, 'get_reindex_job', { id });
  }
}
