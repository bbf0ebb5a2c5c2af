import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { EvaluateInput, SearchInput } from '@quarry/search';
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
  evaluate(@Req() request: Request, @Body() body: unknown) {
    return handle(this.runtime, request, 'evaluate_search', body);
  }

  @Get('collections')
  @ApiOperation({ summary: 'Collections with document counts' })
  collections(@Req() request: Request) {
    return handle(this.runtime, request, 'list_collections', {});
  }
}
