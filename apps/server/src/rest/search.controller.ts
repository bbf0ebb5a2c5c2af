import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { EvaluateInput, SearchInput, SearchResult } from '@quarry/search';
import { RunsOperation } from './operation-route';
import { RUNTIME, type QuarryRuntime } from '@quarry/runtime';
import { handle } from './envelope';

@ApiTags('search')
@Controller('v1')
export class SearchController {
  constructor(@Inject(RUNTIME) private readonly runtime: QuarryRuntime) {}

  @Post('search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search (lexical, semantic or hybrid); `@collection` words in the query scope it',
  })
  @ApiBody({ type: SearchInput })
  @ApiOkResponse({ type: SearchResult, description: 'Hits of this page, total matches and facets' })
  @RunsOperation('search')
  search(@Req() request: Request, @Body() body: unknown) {
    return handle(this.runtime, request, 'search', body);
  }

  @Post('eval')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Relevance evaluation: judged queries ({ query, relevant: { id: grade } }) run in every mode; MRR@10, nDCG@10, recall@10/100 per mode',
  })
  @ApiBody({ type: EvaluateInput })
  @RunsOperation('evaluate_search')
  evaluate(@Req() request: Request, @Body() body: unknown) {
    return handle(this.runtime, request, 'evaluate_search', body);
  }

  @Get('collections')
  @ApiOperation({ summary: 'Collections with document counts' })
  @RunsOperation('list_collections')
  collections(@Req() request: Request) {
    return handle(this.runtime, request, 'list_collections', {});
  }
}
