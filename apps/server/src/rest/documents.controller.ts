import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DELETE_DOCUMENT, GET_DOCUMENT, INDEX_DOCUMENTS, DocumentInput, IngestResult } from '@quarry/search';
import { flag, RestEdge } from './envelope';
import { RunsOperation } from './operation-route';

@ApiTags('documents')
@Controller('v1/documents')
export class DocumentsController {
  constructor(private readonly edge: RestEdge) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Index documents (bulk). Each document gets its own result; a bad one never fails the rest.',
  })
  @ApiBody({ type: [DocumentInput] })
  @ApiQuery({ name: 'wait', required: false, description: 'answer once the documents are searchable' })
  @ApiOkResponse({ type: IngestResult })
  @RunsOperation(INDEX_DOCUMENTS)
  index(@Req() request: Request, @Body() body: unknown, @Query('wait') wait?: string) {
    // A bare array is the documented shape; `{ documents: [...] }` is accepted too.
    const documents = Array.isArray(body) ? body : (body as { documents?: unknown })?.documents;
    return this.edge.handle(request, INDEX_DOCUMENTS, {
      documents: documents ?? body,
      ...(flag(wait) !== undefined ? { wait: flag(wait) } : {}),
    });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One document: the whole body, or maxChars characters around a chunk or from an offset',
  })
  @ApiQuery({ name: 'chunk', required: false, description: 'read around this chunk (hit location.chunk)' })
  @ApiQuery({ name: 'offset', required: false })
  @ApiQuery({ name: 'maxChars', required: false, description: 'character budget' })
  @RunsOperation(GET_DOCUMENT)
  get(
    @Req() request: Request,
    @Param('id') id: string,
    @Query('chunk') chunk?: string,
    @Query('offset') offset?: string,
    @Query('maxChars') maxChars?: string,
  ) {
    const numbers = Object.entries({ chunk, offset, maxChars }).filter(([, v]) => v !== undefined);
    return this.edge.handle(request, GET_DOCUMENT, {
      id,
      ...Object.fromEntries(numbers.map(([k, v]) => [k, /^\d+$/.test(v!) ? Number(v) : v])),
    });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a document and its chunks' })
  @ApiQuery({ name: 'wait', required: false })
  @RunsOperation(DELETE_DOCUMENT)
  delete(@Req() request: Request, @Param('id') id: string, @Query('wait') wait?: string) {
    return this.edge.handle(request, DELETE_DOCUMENT, {
      id,
      ...(flag(wait) !== undefined ? { wait: flag(wait) } : {}),
    });
  }
}
