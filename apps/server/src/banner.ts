/** What `npm start` prints once Quarry listens: every endpoint a user or a client may want. */
export function startBanner(
  url: string,
  services: { elasticsearchUrl: string; embedded: boolean; redisUrl: string },
): string {
  const ws = url.replace(/^http/, 'ws');
  const rows: [string, string][] = [
    ['console', `${url}/`],
    ['MCP (HTTP)', `${url}/mcp`],
    ['MCP (WebSocket)', `${ws}/mcp/ws`],
    ['GraphQL', `${url}/graphql  (subscriptions: ${ws}/graphql)`],
    ['REST', `${url}/v1  (docs: ${url}/docs, OpenAPI: ${url}/openapi.json)`],
    ['health', `${url}/health  ${url}/health/ready`],
    ['metrics', `${url}/metrics`],
    ['Elasticsearch', `${services.elasticsearchUrl}${services.embedded ? ' (embedded)' : ''}`],
    ['Redis', services.redisUrl],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return [
    '',
    `Quarry is listening on ${url}`,
    ...rows.map(([name, where]) => `  ${name.padEnd(width)}${where}`),
    'Press Ctrl+C to stop Quarry; `npm run down` stops the embedded services.',
    '',
  ].join('\n');
}
