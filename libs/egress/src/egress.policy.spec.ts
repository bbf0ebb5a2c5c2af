import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressRefusedError, ResponseTooLargeError } from './egress.errors';
import { EgressPolicy, type Resolver } from './egress.policy';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A loopback server that records what reaches it and answers with `handler`. */
async function serve(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void = (_q, r) => r.end('ok'),
) {
  const seen: Seen[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ path: request.url ?? '', headers: request.headers });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    seen,
    port,
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const rebinding =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('EgressPolicy', () => {
  const policies: EgressPolicy[] = [];
  const policy = (options: ConstructorParameters<typeof EgressPolicy>[0]) => {
    const made = new EgressPolicy(options);
    policies.push(made);
    return made;
  };
  afterAll(() => Promise.all(policies.map((p) => p.close())));

  it('refuses loopback by default, naming the address and the variable', async () => {
    const site = await serve();
    try {
      await expect(policy({}).fetch(`${site.base}/`)).rejects.toThrow(
        'refused by the egress policy: 127.0.0.1 is a loopback address (allow it with QUARRY_FETCH_ALLOW)',
      );
      await expect(policy({}).fetch(`http://[::ffff:127.0.0.1]:${site.port}/`)).rejects.toBeInstanceOf(
        EgressRefusedError,
      );
      expect(site.seen).toHaveLength(0);
      const allowed = await policy({ allow: [`127.0.0.1:${site.port}`] }).fetch(`${site.base}/`);
      expect(allowed.body.toString()).toBe('ok');
    } finally {
      await site.close();
    }
  });

  it('checks the addresses the connection itself resolves (DNS rebinding)', async () => {
    const site = await serve();
    try {
      // A public-looking name that resolves to loopback is refused before any byte is sent.
      await expect(
        policy({ resolve: rebinding('127.0.0.1') }).fetch(`http://rebind.example.com:${site.port}/`),
      ).rejects.toThrow('127.0.0.1 is a loopback address');
      // One private address among public ones is enough to refuse.
      await expect(
        policy({ resolve: rebinding('93.184.216.34', '10.0.0.7') }).fetch(
          `http://mixed.example.com:${site.port}/`,
        ),
      ).rejects.toThrow('10.0.0.7 is a private address');
      expect(site.seen).toHaveLength(0);
      // The resolver is the one the connection uses: allowed, the same name reaches the server.
      const allowed = policy({ resolve: rebinding('127.0.0.1'), allow: ['127.0.0.1'] });
      await expect(allowed.fetch(`http://rebind.example.com:${site.port}/`)).resolves.toMatchObject({
        status: 200,
      });
      expect(site.seen).toHaveLength(1);
    } finally {
      await site.close();
    }
  });

  it("refuses Quarry's own Elasticsearch and Redis unless their exact host:port is listed", async () => {
    const own = await serve();
    try {
      const internal = [{ name: 'Elasticsearch', url: `http://localhost:${own.port}` }];
      const ranged = policy({ allow: ['127.0.0.0/8'], internal });
      await expect(ranged.fetch(`${own.base}/_search`)).rejects.toThrow(`Quarry's own Elasticsearch`);
      await expect(ranged.fetch(`http://0.0.0.0:${own.port}/`)).rejects.toThrow(`Quarry's own Elasticsearch`);
      expect(own.seen).toHaveLength(0);
      const exact = policy({ allow: [`127.0.0.1:${own.port}`], internal });
      await expect(exact.fetch(`${own.base}/`)).resolves.toMatchObject({ status: 200 });
    } finally {
      await own.close();
    }
  });

  it('knows its own services configured by name when they are reached by address', async () => {
    const own = await serve();
    try {
      // As in a compose file: Elasticsearch is `http://elasticsearch:<port>`, the operator opens loopback.
      const egress = policy({
        allow: ['127.0.0.0/8'],
        internal: [{ name: 'Elasticsearch', url: `http://elasticsearch:${own.port}` }],
        resolve: async (name) => (name === 'elasticsearch' ? [{ address: '127.0.0.1', family: 4 }] : []),
      });
      await expect(egress.fetch(`${own.base}/_search`)).rejects.toThrow(
        `127.0.0.1:${own.port} is Quarry's own Elasticsearch`,
      );
      expect(own.seen).toHaveLength(0);
    } finally {
      await own.close();
    }
  });

  it('re-checks every redirect and strips credentials and custom headers on a cross-origin hop', async () => {
    const other = await serve();
    const target = await serve();
    const start = await serve((request, response) => {
      if (request.url === '/to-loopback')
        return void response.writeHead(302, { location: `${other.base}/x` }).end();
      if (request.url === '/same') return void response.writeHead(301, { location: '/final' }).end();
      if (request.url === '/final') return void response.end('same origin');
      response.writeHead(307, { location: `${target.base}/landing` }).end();
    });
    try {
      const egress = policy({ allow: [`127.0.0.1:${start.port}`, `127.0.0.1:${target.port}`] });
      await expect(egress.fetch(`${start.base}/to-loopback`)).rejects.toThrow(
        '127.0.0.1 is a loopback address',
      );
      expect(other.seen).toHaveLength(0);

      const headers = {
        authorization: 'Bearer s3cret',
        'x-secret': 'hush',
        cookie: 'a=b',
        accept: 'text/plain',
      };
      const same = await egress.fetch(`${start.base}/same`, { headers });
      expect(same).toMatchObject({ url: `${start.base}/final`, status: 200 });
      expect(start.seen.at(-1)!.headers).toMatchObject({
        authorization: 'Bearer s3cret',
        'x-secret': 'hush',
      });

      const moved = await egress.fetch(`${start.base}/away`, { headers });
      expect(moved.url).toBe(`${target.base}/landing`);
      const landed = target.seen.at(-1)!.headers;
      expect(landed.authorization).toBeUndefined();
      expect(landed['x-secret']).toBeUndefined();
      expect(landed.cookie).toBeUndefined();
      expect(landed.accept).toBe('text/plain');

      await expect(egress.fetch(`${start.base}/away`, { redirects: 'same-origin' })).rejects.toThrow(
        'redirects off its site',
      );
    } finally {
      await Promise.all([start.close(), target.close(), other.close()]);
    }
  });

  it('stops after maxRedirects hops', async () => {
    const loop = await serve((request, response) => {
      const n = Number(request.url!.slice(1)) || 0;
      response.writeHead(302, { location: `/${n + 1}` }).end();
    });
    try {
      await expect(policy({ allow: ['127.0.0.1'], maxRedirects: 3 }).fetch(`${loop.base}/0`)).rejects.toThrow(
        'more than 3 redirects',
      );
      expect(loop.seen).toHaveLength(4);
    } finally {
      await loop.close();
    }
  });

  it('cuts a body at the limit while it streams, and names the limit', async () => {
    let sent = 0;
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const endless = await serve((_request, response) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      response.on('close', closed);
      const pump = () => {
        // Bounded: at most 64 MiB, however the client behaves.
        while (!response.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
    try {
      const egress = policy({ allow: ['127.0.0.1'], maxBytes: 1024 * 1024 });
      const failure = await egress.fetch(`${endless.base}/`).catch((error: Error) => error);
      expect(failure).toBeInstanceOf(ResponseTooLargeError);
      expect((failure as Error).message).toContain('limit of 1048576 bytes');
      await done;
      expect(sent).toBeLessThan(16 * 1024 * 1024);
      // A declared length over the limit is refused before the body is read.
      await expect(
        policy({ allow: ['127.0.0.1'] }).fetch(`${endless.base}/`, { maxBytes: 10 }),
      ).rejects.toThrow('limit of 10 bytes');
    } finally {
      await endless.close();
    }
  });

  it('vets a URL before any fetch: scheme, address, resolved name', async () => {
    const egress = policy({ resolve: rebinding('10.0.0.8') });
    await expect(egress.vet('http://wiki.example.com/')).resolves.toBe(
      '10.0.0.8 is a private address (allow it with QUARRY_FETCH_ALLOW)',
    );
    await expect(egress.vet('http://[fe80::1]/')).resolves.toContain('link-local');
    await expect(egress.vet('gopher://x/')).resolves.toContain('gopher: URLs are not fetched');
    await expect(
      policy({ resolve: rebinding('93.184.216.34') }).vet('https://example.com/'),
    ).resolves.toBeUndefined();
  });

  it('refuses other schemes', async () => {
    await expect(policy({}).fetch('file:///etc/passwd')).rejects.toThrow('file: URLs are not fetched');
  });

  it('trusts the origin the operator configured, and only that origin', async () => {
    const provider = await serve((request, response) => {
      if (request.url === '/v1/moved')
        return void response.writeHead(307, { location: 'http://127.0.0.1:1/' }).end();
      response.end('{}');
    });
    try {
      const egress = new EgressPolicy({}).trusting(`http://localhost:${provider.port}`);
      policies.push(egress);
      await expect(egress.fetch(`http://localhost:${provider.port}/v1/embeddings`)).resolves.toMatchObject({
        status: 200,
      });
      await expect(egress.fetch(`http://localhost:${provider.port}/v1/moved`)).rejects.toThrow(
        '127.0.0.1 is a loopback address',
      );
    } finally {
      await provider.close();
    }
  });
});
