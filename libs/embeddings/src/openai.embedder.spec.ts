import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmbedder } from './create-embedder';
import {
  EmbeddingProviderError,
  OpenAiEmbedder,
  retryAfterMs,
  type OpenAiEmbedderOptions,
} from './openai.embedder';

interface Received {
  path: string;
  authorization?: string;
  body: { model: string; input: string[] };
  at: number;
}

type Handler = (request: Received, response: ServerResponse, count: number) => void;

/** Deterministic 4-dim vector per text, so the tests can tell which vector belongs to which input. */
const vectorOf = (text: string): number[] => [text.length, text.charCodeAt(0) || 0, 1, -1];

/** Answers like the real API, but lists the embeddings in reverse order: clients must sort by `index`. */
const answer = (request: Received, response: ServerResponse): void => {
  const data = request.body.input.map((text, index) => ({
    object: 'embedding',
    index,
    embedding: vectorOf(text),
  }));
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ object: 'list', model: request.body.model, data: data.reverse() }));
};

/** A real HTTP server on 127.0.0.1 speaking /v1/embeddings; each test installs its own behaviour. */
class FakeProvider {
  readonly received: Received[] = [];
  handler: Handler = answer;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const received: Received = {
          path: `${req.method} ${req.url}`,
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
          at: Date.now(),
        };
        this.received.push(received);
        this.handler(received, res, this.received.length);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('OpenAiEmbedder against a real local HTTP server', () => {
  const provider = new FakeProvider();
  let url = '';
  const embedder = (options: Partial<OpenAiEmbedderOptions> = {}): OpenAiEmbedder =>
    new OpenAiEmbedder({ url, model: 'test-model', dims: 4, ...options });

  beforeAll(async () => {
    url = await provider.listen();
  });
  afterAll(() => provider.close());
  beforeEach(() => {
    provider.received.length = 0;
    provider.handler = answer;
  });

  it('posts model and input to /v1/embeddings with the bearer key and orders vectors by index', async () => {
    const texts = ['alpha', 'bravo!', 'c'];
    const vectors = await embedder({ apiKey: 'sk-test' }).embed(texts);
    expect(vectors).toEqual(texts.map(vectorOf));
    expect(provider.received).toHaveLength(1);
    expect(provider.received[0]).toMatchObject({
      path: 'POST /v1/embeddings',
      authorization: 'Bearer sk-test',
      body: { model: 'test-model', input: texts },
    });
  });

  it('sends no Authorization header without a key, even with OPENAI_API_KEY in the environment', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-the-environment';
    try {
      await embedder().embed(['x']);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    expect(provider.received[0].authorization).toBeUndefined();
  });

  it('asks for float vectors, which every compatible server returns', async () => {
    await embedder().embed(['x']);
    expect(provider.received[0].body).toMatchObject({ encoding_format: 'float' });
  });

  it('does not double /v1 when the URL already ends with it', async () => {
    await embedder({ url: `${url}/v1/` }).embed(['x']);
    expect(provider.received[0].path).toBe('POST /v1/embeddings');
  });

  it('sends at most batchSize inputs per request and keeps the overall order', async () => {
    const texts = Array.from({ length: 7 }, (_, i) => 'w'.repeat(i + 1));
    const vectors = await embedder({ batchSize: 3 }).embed(texts);
    expect(provider.received.map((r) => r.body.input.length)).toEqual([3, 3, 1]);
    expect(vectors).toEqual(texts.map(vectorOf));
  });

  it('retries a 503 and then succeeds', async () => {
    provider.handler = (request, response, count) => {
      if (count <= 2) {
        response.writeHead(503, { 'content-type': 'application/json', 'retry-after-ms': '20' });
        response.end('{"error":{"message":"overloaded"}}');
      } else answer(request, response);
    };
    await expect(embedder({ maxRetries: 3 }).embed(['hello'])).resolves.toEqual([vectorOf('hello')]);
    expect(provider.received).toHaveLength(3);
  });

  it('waits as long as Retry-After asks before retrying a 429', async () => {
    provider.handler = (request, response, count) => {
      if (count === 1) {
        response.writeHead(429, { 'retry-after': '1' });
        response.end('slow down');
      } else answer(request, response);
    };
    await embedder({ maxRetries: 1 }).embed(['hello']);
    expect(provider.received).toHaveLength(2);
    expect(provider.received[1].at - provider.received[0].at).toBeGreaterThanOrEqual(950);
  });

  it('stops at once when the caller aborts while waiting out a Retry-After', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(429, { 'retry-after': '2' });
      response.end('slow down');
    };
    const controller = new AbortController();
    let waiting!: () => void;
    const backingOff = new Promise<void>((resolve) => (waiting = resolve));
    const logger = { error: () => {}, warn: () => {}, debug: () => {}, info: waiting };
    const pending = embedder({ maxRetries: 1, logger, logLevel: 'info' }).embed(['x'], controller.signal);
    // The SDK logs "... failed with status 429 ... - retrying" and then sleeps 2 s (not abortable; the
    // timer outlives the test by those 2 s, hence this test before slower ones).
    await backingOff;
    const abortedAt = Date.now();
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(provider.received).toHaveLength(1);
  });

  it('does not wait out a Retry-After beyond the limit', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(429, { 'retry-after': '3600' });
      response.end('come back in an hour');
    };
    // The provider's words are in `detail` (logged), not in the message clients see.
    await expect(embedder({ maxRetries: 5 }).embed(['hello'])).rejects.toMatchObject({
      detail: expect.stringMatching(/HTTP 429.*retry after 3600 s/),
    });
    expect(provider.received).toHaveLength(1);
  });

  it('fails with a clear error when the server does not answer in time', async () => {
    provider.handler = () => undefined;
    const error = await embedder({ timeoutMs: 150, maxRetries: 1 })
      .embed(['hello'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingProviderError);
    expect((error as Error).message).toMatch(/openai:test-model/);
    expect((error as Error).message).toContain(`${url}/v1/embeddings`);
    expect((error as EmbeddingProviderError).detail).toMatch(/timed out after 150 ms \(after 2 attempts\)/);
    expect(provider.received).toHaveLength(2);
  });

  it('times out a response whose body stalls after the headers', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data": [');
    };
    await expect(embedder({ timeoutMs: 150, maxRetries: 0 }).embed(['hello'])).rejects.toMatchObject({
      detail: 'timed out after 150 ms',
    });
  });

  it('does not retry a 400 and names provider, URL and status', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"input too long"}}');
    };
    const error = (await embedder({ maxRetries: 3 })
      .embed(['hello'])
      .catch((e: unknown) => e)) as EmbeddingProviderError;
    expect(provider.received).toHaveLength(1);
    expect(error).toBeInstanceOf(EmbeddingProviderError);
    expect(error.status).toBe(400);
    expect(error.message).toContain('openai:test-model');
    expect(error.message).toContain(`${url}/v1/embeddings`);
    expect(error.detail).toContain('HTTP 400');
    expect(error.detail).toContain('input too long');
  });

  it('keeps an error body that is not OpenAI-shaped (vLLM, FastAPI) and does not retry a 422', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(422, { 'content-type': 'application/json' });
      response.end('{"detail":[{"msg":"field required","loc":["body","input"]}]}');
    };
    const error = (await embedder({ maxRetries: 3 })
      .embed(['hello'])
      .catch((e: unknown) => e)) as EmbeddingProviderError;
    expect(provider.received).toHaveLength(1);
    expect(error.status).toBe(422);
    expect(error.detail).toBe('HTTP 422: {"detail":[{"msg":"field required","loc":["body","input"]}]}');
  });

  it('retries a refused connection and reports it as a network error', async () => {
    const closed = new FakeProvider();
    const deadUrl = await closed.listen();
    await closed.close();
    await expect(embedder({ url: deadUrl, maxRetries: 1 }).embed(['x'])).rejects.toMatchObject({
      detail: expect.stringMatching(/network error: ECONNREFUSED \(after 2 attempts\)/),
    });
  });

  it('rejects a response whose count does not match the inputs', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: [{ index: 0, embedding: [1, 2, 3, 4] }] }));
    };
    await expect(embedder().embed(['a', 'b'])).rejects.toMatchObject({
      detail: expect.stringMatching(/1 embeddings for 2 inputs/),
    });
  });

  it('names the provider when a 200 answer is not JSON', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('<html>proxy login</html>');
    };
    await expect(embedder().embed(['a'])).rejects.toMatchObject({
      name: 'EmbeddingProviderError',
      detail: expect.stringMatching(/^unreadable answer: .*JSON/),
    });
    provider.handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>proxy login</html>');
    };
    await expect(embedder().embed(['a'])).rejects.toMatchObject({
      detail: 'HTTP 200 with a body that is not JSON: <html>proxy login</html>',
    });
  });

  it('stops at once when the caller aborts', async () => {
    provider.handler = () => undefined;
    const controller = new AbortController();
    const pending = embedder({ timeoutMs: 10_000 }).embed(['x'], controller.signal);
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    await expect(pending).rejects.toThrow('caller gave up');
    expect(provider.received).toHaveLength(1);
  });

  it('follows no redirect off the configured provider into loopback: refused at once, named, not retried', async () => {
    const elsewhere = new FakeProvider();
    const target = await elsewhere.listen();
    provider.handler = (_request, response) => {
      response.writeHead(307, { location: `${target}/v1/embeddings` });
      response.end();
    };
    try {
      await expect(embedder({ maxRetries: 3 }).embed(['x'])).rejects.toThrow(
        'refused by the egress policy: 127.0.0.1 is a loopback address (allow it with QUARRY_FETCH_ALLOW)',
      );
      expect(provider.received).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('createEmbedder discovers dims with one probe and names itself after the model', async () => {
    const created = await createEmbedder({ kind: 'openai', url, model: 'probe-model', maxRetries: 0 });
    expect(created.id).toBe('openai:probe-model');
    expect(created.dims).toBe(4);
    expect(provider.received).toHaveLength(1);
    expect(provider.received[0].body.model).toBe('probe-model');
    await created.close();
  });

  it('createEmbedder fails at start-up when the probe fails', async () => {
    provider.handler = (_request, response) => {
      response.writeHead(401);
      response.end('bad key');
    };
    await expect(createEmbedder({ kind: 'openai', url, model: 'm', maxRetries: 0 })).rejects.toMatchObject({
      detail: expect.stringMatching(/HTTP 401/),
    });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});
