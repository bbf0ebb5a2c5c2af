import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { RestEdge } from './envelope';
import { RunsOperation } from './operation-route';

/** Tools, resources and prompts over REST: the same registry MCP clients see. */
@ApiTags('registry')
@Controller('v1')
export class RegistryController {
  constructor(private readonly edge: RestEdge) {}

  private run(request: Request, op: string, args: unknown) {
    return this.edge.handle(request, op, args);
  }

  @Get('tools')
  @ApiOperation({ summary: 'Tools this key may use: built-in and saved searches' })
  @RunsOperation('list_tools')
  tools(@Req() request: Request) {
    return this.run(request, 'list_tools', {});
  }

  @Post('tools')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a saved-search tool (admin)' })
  @RunsOperation('register_search_tool')
  registerTool(@Req() request: Request, @Body() body: unknown) {
    return this.run(request, 'register_search_tool', body);
  }

  @Delete('tools/:name')
  @ApiOperation({ summary: 'Remove a saved-search tool (admin)' })
  @RunsOperation('delete_search_tool')
  deleteTool(@Req() request: Request, @Param('name') name: string) {
    return this.run(request, 'delete_search_tool', { name });
  }

  @Post('tools/:name/call')
  @HttpCode(200)
  @ApiOperation({ summary: 'Call a tool with arguments (the request body)' })
  @RunsOperation('call_tool')
  callTool(@Req() request: Request, @Param('name') name: string, @Body() body: unknown) {
    return this.run(request, 'call_tool', { name, arguments: body ?? {} });
  }

  @Get('resources')
  @ApiOperation({ summary: 'Resources, paginated with ?cursor=' })
  @RunsOperation('list_resources')
  resources(@Req() request: Request, @Query('cursor') cursor?: string) {
    return this.run(request, 'list_resources', cursor === undefined ? {} : { cursor });
  }

  @Get('resources/read')
  @ApiOperation({ summary: 'Read a resource: ?uri=quarry://documents/<id>' })
  @RunsOperation('read_resource')
  readResource(@Req() request: Request, @Query('uri') uri?: string) {
    return this.run(request, 'read_resource', uri === undefined ? {} : { uri });
  }

  @Get('keys')
  @ApiOperation({ summary: 'API keys created through the API (admin; never shows the keys)' })
  @RunsOperation('list_api_keys')
  keys(@Req() request: Request) {
    return this.run(request, 'list_api_keys', {});
  }

  @Post('keys')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key (admin); the key is in the answer, once' })
  @RunsOperation('create_api_key')
  createKey(@Req() request: Request, @Body() body: unknown) {
    return this.run(request, 'create_api_key', body);
  }

  @Delete('keys/:name')
  @ApiOperation({ summary: 'Revoke an API key (admin); every instance refuses it at once' })
  @RunsOperation('revoke_api_key')
  revokeKey(@Req() request: Request, @Param('name') name: string) {
    return this.run(request, 'revoke_api_key', { name });
  }

  @Get('prompts')
  @ApiOperation({ summary: 'Prompt templates' })
  @RunsOperation('list_prompts')
  prompts(@Req() request: Request) {
    return this.run(request, 'list_prompts', {});
  }

  @Post('prompts')
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a prompt template (admin)' })
  @RunsOperation('register_prompt')
  registerPrompt(@Req() request: Request, @Body() body: unknown) {
    return this.run(request, 'register_prompt', body);
  }

  @Delete('prompts/:name')
  @ApiOperation({ summary: 'Remove a prompt template (admin)' })
  @RunsOperation('delete_prompt')
  deletePrompt(@Req() request: Request, @Param('name') name: string) {
    return this.run(request, 'delete_prompt', { name });
  }

  @Post('prompts/:name/render')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render a prompt; the body holds its arguments' })
  @RunsOperation('render_prompt')
  renderPrompt(@Req() request: Request, @Param('name') name: string, @Body() body: unknown) {
    return this.run(request, 'render_prompt', { name, arguments: body ?? {} });
  }
}
