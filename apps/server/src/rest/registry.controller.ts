import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { OperationRef } from '@quarry/core';
import { RestEdge } from './envelope';
import { RunsOperation } from './operation-route';
import {
  CALL_TOOL,
  DELETE_PROMPT,
  DELETE_SEARCH_TOOL,
  LIST_PROMPTS,
  LIST_RESOURCES,
  LIST_TOOLS,
  READ_RESOURCE,
  REGISTER_PROMPT,
  REGISTER_SEARCH_TOOL,
  RENDER_PROMPT,
} from '@quarry/registry';
import { CREATE_API_KEY, CreateKeyInput, LIST_API_KEYS, REVOKE_API_KEY } from '@quarry/auth';

/** Tools, resources and prompts over REST: the same registry MCP clients see. */
@ApiTags('registry')
@Controller('v1')
export class RegistryController {
  constructor(private readonly edge: RestEdge) {}

  private run<A, R>(request: Request, op: OperationRef<A, R>, args: unknown) {
    return this.edge.handle(request, op, args);
  }

  @Get('tools')
  @ApiOperation({ summary: 'Tools this key may use: built-in and saved searches' })
  @RunsOperation(LIST_TOOLS)
  tools(@Req() request: Request) {
    return this.run(request, LIST_TOOLS, {});
  }

  @Post('tools')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a saved-search tool (admin)' })
  @RunsOperation(REGISTER_SEARCH_TOOL)
  registerTool(@Req() request: Request, @Body() body: unknown) {
    return this.run(request, REGISTER_SEARCH_TOOL, body);
  }

  @Delete('tools/:name')
  @ApiOperation({ summary: 'Remove a saved-search tool (admin)' })
  @RunsOperation(DELETE_SEARCH_TOOL)
  deleteTool(@Req() request: Request, @Param('name') name: string) {
    return this.run(request, DELETE_SEARCH_TOOL, { name });
  }

  @Post('tools/:name/call')
  @HttpCode(200)
  @ApiOperation({ summary: 'Call a tool with arguments (the request body)' })
  @RunsOperation(CALL_TOOL)
  callTool(@Req() request: Request, @Param('name') name: string, @Body() body: unknown) {
    return this.run(request, CALL_TOOL, { name, arguments: body ?? {} });
  }

  @Get('resources')
  @ApiOperation({ summary: 'Resources, paginated with ?cursor=' })
  @RunsOperation(LIST_RESOURCES)
  resources(@Req() request: Request, @Query('cursor') cursor?: string) {
    return this.run(request, LIST_RESOURCES, cursor === undefined ? {} : { cursor });
  }

  @Get('resources/read')
  @ApiOperation({ summary: 'Read a resource: ?uri=quarry://documents/<id>' })
  @RunsOperation(READ_RESOURCE)
  readResource(@Req() request: Request, @Query('uri') uri?: string) {
    return this.run(request, READ_RESOURCE, uri === undefined ? {} : { uri });
  }

  @Get('keys')
  @ApiOperation({ summary: 'API keys created through the API (admin; never shows the keys)' })
  @RunsOperation(LIST_API_KEYS)
  keys(@Req() request: Request) {
    return this.run(request, LIST_API_KEYS, {});
  }

  @Post('keys')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key (admin); the key is in the answer, once' })
  @ApiBody({ type: CreateKeyInput })
  @RunsOperation(CREATE_API_KEY)
  createKey(@Req() request: Request, @Body() body: unknown) {
    return this.run(request, CREATE_API_KEY, body);
  }

  @Delete('keys/:name')
  @ApiOperation({ summary: 'Revoke an API key (admin); every instance refuses it at once' })
  @RunsOperation(REVOKE_API_KEY)
  revokeKey(@Req() request: Request, @Param('name') name: string) {
    return this.run(request, REVOKE_API_KEY, { name });
  }

  @Get('prompts')
  @ApiOperation({ summary: 'Prompt templates' })
  @RunsOperation(LIST_PROMPTS)
  prompts(@Req() request: Request) {
    return this.run(request, LIST_PROMPTS, {});
  }

  @Post('prompts')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a prompt template (admin)' })
  @RunsOperation(REGISTER_PROMPT)
  registerPrompt(@Req() request: Request, @Body() body: unknown) {
    return this.run(request, REGISTER_PROMPT, body);
  }

  @Delete('prompts/:name')
  @ApiOperation({ summary: 'Remove a prompt template (admin)' })
  @RunsOperation(DELETE_PROMPT)
  deletePrompt(@Req() request: Request, @Param('name') name: string) {
    return this.run(request, DELETE_PROMPT, { name });
  }

  @Post('prompts/:name/render')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a prompt; the body holds its arguments' })
  @RunsOperation(RENDER_PROMPT)
  renderPrompt(@Req() request: Request, @Param('name') name: string, @Body() body: unknown) {
    return this.run(request, RENDER_PROMPT, { name, arguments: body ?? {} });
  }
}
