import { startBanner } from './banner';

describe('startBanner', () => {
  it('lists every endpoint a user or client may want, with the services in use', () => {
    const banner = startBanner('http://127.0.0.1:3000', {
      elasticsearchUrl: 'http://127.0.0.1:9201',
      embedded: true,
      redisUrl: 'redis://127.0.0.1:6379',
    });
    for (const expected of [
      'Quarry is listening on http://127.0.0.1:3000',
      'http://127.0.0.1:3000/mcp\n',
      'ws://127.0.0.1:3000/mcp/ws',
      'http://127.0.0.1:3000/graphql',
      'ws://127.0.0.1:3000/graphql',
      'http://127.0.0.1:3000/docs',
      'http://127.0.0.1:3000/openapi.json',
      'http://127.0.0.1:3000/metrics',
      'http://127.0.0.1:3000/health/ready',
      'http://127.0.0.1:3000/\n',
      'http://127.0.0.1:9201 (embedded)',
      'redis://127.0.0.1:6379',
    ])
      expect(banner).toContain(expected);
  });
});
