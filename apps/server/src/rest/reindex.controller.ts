import { Body, Controller, Get, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ReindexInput } from '@quarry/search';
import { RUNTIME, type QuarryRuntime } from '@quarry/runtime';
import { handle } from './envelope';

/** Re-embedding the vector index with this instance's model, as a job. */
@ApiTags('reindex')
@Controller('v1')
export class ReindexController {
  constructor(@Inject(RUNTIME) private readonly runtime: QuarryRuntime) {}

  @Post('reindex')
  @ApiOperation({
    summary:
      'Re-embed every chunk with the configured model into a new vector index, then swap the alias; ' +
      'answers 201 with the job at once (or when it ends with {"wait": true}); searches keep working meanwhile',
  })
  @ApiBody({ type: ReindexInput, required: false })
  start(@Req() request: Request, @Body() body: unknown) {
    return handle(this.runtime, request, 'reindex_embeddings', body ?? {});
  }

  @Get('reindex/:id')
  @ApiOperation({ summary: 'A re-embedding job: status, phase, chunks done of total, result or error' })
  status(@Req() request: Request, @Param('id') id: string) {
    return handle(this.runtime, request, 'get_reindex_job', { id });
  }
}
