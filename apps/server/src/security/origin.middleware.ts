import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { ERROR_TABLE } from '@quarry/core';
import { MCP_HTTP_PATH } from '../mcp/streamable-http';
import type { OriginPolicy } from './origin.policy';
import { PROTECTED_RESOURCE_METADATA_PATH } from './oauth-metadata';

/** Public discovery documents: any page may read them (the Host check still applies). */
function isPublicDocument(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') &&
    req.path.startsWith(PROTECTED_RESOURCE_METADATA_PATH)
  );
}

/** Refuses, with 403 and the reason, every HTTP request the policy does not allow; /mcp answers in JSON-RPC. */
export function originPolicyMiddleware(policy: OriginPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const verdict = policy.check(isPublicDocument(req) ? { ...req.headers, origin: undefined } : req.headers);
    if (verdict.allowed) return next();
    req.log?.warn({ host: req.headers.host, origin: req.headers.origin }, verdict.reason);
    if (req.path === MCP_HTTP_PATH) {
      res.status(403).json({
        jsonrpc: '2.0',
        error: { code: ERROR_TABLE.forbidden.jsonRpc, message: verdict.reason },
        id: null,
      });
      return;
    }
    res.status(403).json({ error: { code: 'forbidden', message: verdict.reason } });
  };
}

/** The same refusal for a WebSocket upgrade, before any handshake. */
export function refuseUpgrade(socket: Duplex, reason: string): void {
  socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
}
