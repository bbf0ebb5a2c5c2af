import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  EVALUATE_SEARCH,
  LIST_COLLECTIONS,
  SEARCH,
  EvaluateInput,
  SearchInput,
  SearchResult,
} from '@quarry/search';
import { RunsOperation } from './operation-route';
import { RestEdge } from './envelope';

@ApiTags('search')
@Controller('v1')
export class SearchController {
  constructor(private readonly edge: RestEdge) {}

  @Post('search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search (lexical, semantic or hybrid); `@collection` words in the query scope it',
  })
  @ApiBody({ type: SearchInput })
  @ApiOkResponse({ type: SearchResult, description: 'Hits of this page, total matches and facets' })
  @RunsOperation(SEARCH)
  search(@Req() request: Request, @Body() body: unknown) {
    return this.edge.handle(request, SEARCH, body);
  }

  @Post('eval')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Relevance evaluation: judged queries ({ query, relevant: { id: grade } }) run in every mode; MRR@10, nDCG@10, recall@10/100 per mode',
  })
  @ApiBody({ type: EvaluateInput })
  @RunsOperation(EVALUATE_SEARCH)
  evaluate(@Req() request: Request, @Body() body: unknown) {
    return this.edge.handle(request, EVALUATE_SEARCH, body);
  }

  @Get('collections')
  @ApiOperation({ summary: 'Collections with document counts' })
  @RunsOperation(LIST_COLLECTIONS)
  collections(@Req() request: Request) {
    return this.edge.handle(request, LIST_COLLECTIONS, {});
  }
}
