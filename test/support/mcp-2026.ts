import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** The 2026-07-28 client side of the MCP tests: connect the official v2 client, run the calls. */

export const MODERN = '2026-07-28';

/** Every response the client saw, so a test can look at headers the SDK does not surface. */
function recordingFetch(seen: Response[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    seen.push(response);
    return response;
  };
}

export async function connectModern(
  url: string,
  mode: 'pin' | 'auto',
  seen: Response[] = [],
): Promise<Client> {
  const client = new Client(
    { name: `quarry-test-2026-${mode}`, version: '1.0.0' },
    { versionNegotiation: { mode: mode === 'pin' ? { pin: MODERN } : 'auto' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch: recordingFetch(seen) }),
  );
  return client;
}

/** What a 2026-07-28 client does with Quarry, against `url` (one instance or a proxy over several). */
export async function exerciseModern(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['search', 'get_document', 'health']));

  const found = await client.callTool({
    name: 'search',
    arguments: { query: 'disks run full', mode: 'lexical' },
  });
  expect(found.isError).toBeFalsy();
  const hits = (found.structuredContent as { hits: { id: string }[] }).hits;
  expect(hits.map((h) => h.id)).toContain('m26-disk');

  const read = await client.readResource({ uri: 'quarry://documents/m26-disk' });
  expect(JSON.stringify(read.contents)).toContain('rotate the logs');

  const prompt = await client.getPrompt({ name: 'summarize_document', arguments: { id: 'm26-disk' } });
  expect((prompt.messages[0].content as { text: string }).text).toContain('quarry://documents/m26-disk');

  const completed = await client.complete({
    ref: { type: 'ref/resource', uri: 'quarry://documents/{id}' },
    argument: { name: 'id', value: 'm26-d' },
  });
  expect(completed.completion.values).toEqual(['m26-disk']);
}

export const SEED = [
  {
    id: 'm26-disk',
    collection: 'runbooks',
    title: 'Disk full',
    body: 'When the disks run full, rotate the logs and prune snapshots.',
  },
  {
    id: 'm26-leave',
    collection: 'hr',
    title: 'Parental leave',
    body: 'Parents may take sixteen weeks of paid leave after a birth or adoption.',
  },
];
