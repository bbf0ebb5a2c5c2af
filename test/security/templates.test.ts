import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningServer } from '../../apps/server/src/server';
import { startServerWithoutModel } from '../support/server';
import { gql } from '../support/graphql';
import { call } from '../support/http';
import { dropIndices, eventually, testConfig, uniquePrefix } from '../support/test-env';

/**
 * Issue 10, item 2: a prompt template ran JavaScript on the server (nunjucks), at registration
 * and for every reader who rendered it. Templates are logic-less Mustache now; these are the
 * attacks, as an admin (or a page acting as the protected-mode admin) would send them.
 */
describe('prompt templates cannot reach code', () => {
  const prefix = uniquePrefix();
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    server = await startServerWithoutModel(testConfig({ QUARRY_INDEX_PREFIX: prefix }));
    base = server.url;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await dropIndices(prefix);
  });

  const prompt = (name: string, text: string, args: { name: string; required?: boolean }[] = []) => ({
    name,
    description: 'attack',
    arguments: args,
    messages: [{ role: 'user', text }],
  });

  const rendered = async (name: string, args: Record<string, string> = {}) => {
    const response = await call(base, 'POST', `/v1/prompts/${name}/render`, args);
    return {
      status: response.status,
      text: response.body?.messages?.[0]?.content?.text as string | undefined,
    };
  };

  it('refuses the template that rendered the server pid, and it never runs', async () => {
    const attack = '{{ range.constructor("return process.pid")() }}';
    const response = await call(base, 'POST', '/v1/prompts', prompt('pid_attack', attack));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid');
    expect(response.body.error.problems).toEqual([
      {
        field: 'template',
        reason:
          'messages[0].text line 1, column 1: "range.constructor("return process.pid")()" is not a declared argument',
      },
    ]);
    const render = await rendered('pid_attack');
    expect(render.status).toBe(404);
    expect(JSON.stringify(render)).not.toContain(String(process.pid));
  });

  it.each([
    ['a property of an argument', '{{topic.constructor.constructor}}'],
    ['the constructor of the view', '{{constructor}}'],
    ['a partial', '{{> topic}}'],
    ['a nunjucks statement', '{% set x = topic %}{{ x }}'],
  ])('refuses %s', async (_what, text) => {
    const response = await call(base, 'POST', '/v1/prompts', prompt('refused', text, [{ name: 'topic' }]));
    expect(response.status).toBe(400);
    expect(response.body.error.problems[0].field).toBe('template');
  });

  it('refuses a syntax error with its line and reason', async () => {
    const text = 'Look into {{topic}}.\n{{#topic}}Section without its end';
    const response = await call(base, 'POST', '/v1/prompts', prompt('broken', text, [{ name: 'topic' }]));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/template is not valid/);
    expect(response.body.error.problems).toEqual([
      {
        field: 'template',
        reason: expect.stringMatching(/^messages\[0\]\.text line 2, column \d+: unclosed section "topic"/),
      },
    ]);
  });

  it('refuses it over GraphQL too, naming the field', async () => {
    const response = await gql(
      base,
      `mutation($input: PromptTemplateInput!) { registerPrompt(input: $input) { name } }`,
      { input: prompt('gql_attack', '{{ range.constructor("return process.pid")() }}') },
    );
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(response.body.errors[0].extensions.problems[0].field).toMatch(/template$/);
  });

  it('renders a valid Mustache template; argument values are never evaluated', async () => {
    const text =
      'Search {{#collection}}@{{collection}} {{/collection}}{{topic}}{{^collection}} everywhere{{/collection}}.';
    const response = await call(
      base,
      'POST',
      '/v1/prompts',
      prompt('sections', text, [{ name: 'topic', required: true }, { name: 'collection' }]),
    );
    expect(response.status).toBe(201);
    await eventually(
      () => rendered('sections', { topic: 'disk' }),
      (r) => r.status === 200,
    );
    expect((await rendered('sections', { topic: 'disk', collection: 'ops' })).text).toBe('Search @ops disk.');
    expect((await rendered('sections', { topic: 'disk' })).text).toBe('Search disk everywhere.');
    const injected = '{{#collection}}{{ range.constructor("return process.pid")() }}{{/collection}}';
    expect((await rendered('sections', { topic: injected })).text).toBe(`Search ${injected} everywhere.`);
  });

  it('renders the shipped prompts (converted to Mustache) over MCP', async () => {
    const client = new Client({ name: 'templates', version: '1' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    try {
      const text = async (name: string, args: Record<string, string>) =>
        ((await client.getPrompt({ name, arguments: args })).messages[0].content as { text: string }).text;
      expect(await text('find_related', { topic: 'disk full', collection: 'runbooks' })).toContain(
        'query "@runbooks disk full"',
      );
      expect(await text('find_related', { topic: 'disk full' })).toContain('query "disk full"');
      expect(await text('summarize_document', { id: 'd1' })).toContain('for an engineer new to the topic.');
      expect(await text('summarize_document', { id: 'd1', audience: 'a manager' })).toContain(
        'for a manager.',
      );
    } finally {
      await client.close();
    }
  });
});
