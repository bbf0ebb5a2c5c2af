import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { contentSecurityPolicy, securityHeaders } from './security-headers';

async function serve(corsOrigins: string[]): Promise<{ base: string; server: Server }> {
  const app = express();
  app.use(securityHeaders({ corsOrigins }));
  app.get('/v1/collections', (_req, res) => {
    res.json({ collections: [] });
  });
  app.get('/page', contentSecurityPolicy({ defaultSrc: ["'none'"], scriptSrc: ["'self'"] }), (_req, res) => {
    res.type('html').send('<!doctype html><p>page</p>');
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('security headers', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    servers = [];
  });

  it('gives every API answer the strict CSP and the hardening headers', async () => {
    const { base, server } = await serve([]);
    servers.push(server);
    const { headers } = await fetch(`${base}/v1/collections`);
    expect(headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(headers.get('x-powered-by')).toBeNull();
    // Quarry speaks plain HTTP: HSTS is the TLS terminator's to send.
    expect(headers.get('strict-transport-security')).toBeNull();
  });

  it('lets allowed origins read answers when CORS origins are configured', async () => {
    const { base, server } = await serve(['https://app.example.com']);
    servers.push(server);
    const { headers } = await fetch(`${base}/v1/collections`);
    expect(headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('lets a browser page replace the CSP on its own route', async () => {
    const { base, server } = await serve([]);
    servers.push(server);
    const { headers } = await fetch(`${base}/page`);
    expect(headers.get('content-security-policy')).toBe("default-src 'none';script-src 'self'");
    expect(headers.get('x-frame-options')).toBe('DENY');
  });
});
