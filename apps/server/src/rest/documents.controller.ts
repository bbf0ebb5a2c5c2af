import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DocumentInput, IngestResult } from '@quarry/search';
import { RUNTIME, type QuarryRuntime } from '@quarry/runtime';
import { flag, handle } from './envelope';

@ApiTags('documents')
@Controller('v1/documents')
export class DocumentsController {
  constructor(@Inject(RUNTIME) private readonly runtime: QuarryRuntime) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Index documents (bulk). Each document gets its own result; a bad one never fails the rest.',
  })
  @ApiBody({ type: [DocumentInput] })
  @ApiQuery({ name: 'wait', required: false, description: 'answer once the documents are searchable' })
  @ApiOkResponse({ type: IngestResult })
  index(@Req() request: Request, @Body() body: unknown, @Query('wait') wait?: string) {
    // A bare array is the documented shape; `{ documents: [...] }` is accepted too.
    const documents = Array.isArray(body) ? body : (body as { documents?: unknown })?.documents;
    return handle(this.runtime, request, 'index_documents', {
      documents: documents ?? body,
      ...(flag(wait) !== undefined ? { wait: flag(wait) } : {}),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One document with its full body' })
  get(@Req() request: Request, @Param('id') id: string) {
    return handle(this.runtime, request, 'get_document', { id });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a document and its chunks' })
  @ApiQuery({ name: 'wait', required: false })
  delete(@Req() request: Request, @Param('id') id: string, @Query('wait') wait?: string) {
    return handle(this.runtime, request, 'delete_document', {
      id,
      ...(flag(wait) !== undefined ? { wait: flag(wait) } : {}),
    });
  }
}
