import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressPolicy } from '@quarry/egress';
import { PoliteFetcher, retryAfterMs } from './http-fetch';

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('PoliteFetcher', () => {
  let server: http.Server;
  let base: string;
  const answers: { status: number; headers?: Record<string, string> }[] = [];
  let requests = 0;
  // The test server is on loopback, which only an allow-list entry opens.
  const egress = new EgressPolicy({ allow: ['127.0.0.1'] });

  beforeAll(async () => {
    server = http.createServer((_request, response) => {
      requests++;
      const answer = answers.shift() ?? { status: 200 };
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.status === 200 ? '{"ok":true}' : '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await egress.close();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = 0;
    answers.length = 0;
  });

  it('retries 429 after Retry-After and 5xx with backoff, then answers', async () => {
    answers.push({ status: 429, headers: { 'retry-after': '0' } }, { status: 503 });
    const fetcher = new PoliteFetcher({ requestsPerSecond: 100, maxRetries: 3 }, egress);
    await expect(fetcher.json(`${base}/x`)).resolves.toEqual({ ok: true });
    expect(requests).toBe(3);
    expect(fetcher.retries).toBe(2);
  });

  it('gives up after maxRetries, naming the status', async () => {
    answers.push({ status: 500 }, { status: 500 });
    const fetcher = new PoliteFetcher({ requestsPerSecond: 100, maxRetries: 1 }, egress);
    await expect(fetcher.json(`${base}/x`)).rejects.toThrow(/HTTP 500 .*after 1 retries/);
    expect(requests).toBe(2);
  });

  it('does not retry a 4xx other than 429', async () => {
    answers.push({ status: 401 });
    const fetcher = new PoliteFetcher({ requestsPerSecond: 100, maxRetries: 3 }, egress);
    await expect(fetcher.json(`${base}/x`)).rejects.toThrow(/HTTP 401/);
    expect(requests).toBe(1);
  });

  it('refuses a Retry-After longer than it will wait', async () => {
    answers.push({ status: 429, headers: { 'retry-after': '3600' } });
    const fetcher = new PoliteFetcher(
      { requestsPerSecond: 100, maxRetries: 3, maxRetryAfterMs: 1000 },
      egress,
    );
    await expect(fetcher.json(`${base}/x`)).rejects.toThrow(/retry after 3600 s/);
  });

  it('does not retry what the egress policy refuses', async () => {
    const strict = new EgressPolicy();
    try {
      const fetcher = new PoliteFetcher({ requestsPerSecond: 100, maxRetries: 3 }, strict);
      await expect(fetcher.json(`${base}/x`)).rejects.toThrow(
        'refused by the egress policy: 127.0.0.1 is a loopback address (allow it with QUARRY_FETCH_ALLOW)',
      );
      expect(requests).toBe(0);
      expect(fetcher.retries).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
