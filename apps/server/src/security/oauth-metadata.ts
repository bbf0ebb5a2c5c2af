import type { Express, Request, Response } from 'express';
import type { OAuthResourceServer } from '@quarry/auth';

/** RFC 9728's well-known prefix; the Origin check lets these public documents through. */
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * Serves the protected resource metadata (RFC 9728) at the path-aware location of the MCP
 * resource (`/.well-known/oauth-protected-resource/mcp`) and at the root form, for clients that
 * look there. A public document: any origin may read it, as browser-based MCP clients must.
 */
export function mountProtectedResourceMetadata(app: Express, resourceServer: OAuthResourceServer): void {
  const document = resourceServer.metadata();
  const path = new URL(resourceServer.resourceMetadataUrl).pathname;
  const serve = (req: Request, res: Response) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      const requested = req.headers['access-control-request-headers'];
      if (requested) res.setHeader('Access-Control-Allow-Headers', requested);
      res.status(204).end();
      return;
    }
    res.json(document);
  };
  for (const route of new Set([path, PROTECTED_RESOURCE_METADATA_PATH])) {
    app.get(route, serve);
    app.options(route, serve);
  }
}

/** The console's sign-in settings (same origin only: the console is Quarry's own page). */
export const CONSOLE_SIGN_IN_PATH = '/console/sign-in.json';

/**
 * What the console needs to sign users in (authorization code + PKCE in the browser): always
 * answered, `null` when it signs in with keys only, so the page never meets a 404.
 */
export function mountConsoleSignIn(app: Express, resourceServer: OAuthResourceServer | undefined): void {
  const config = resourceServer?.config;
  const settings = config?.consoleClientId
    ? {
        issuer: config.issuer,
        clientId: config.consoleClientId,
        resource: config.resource,
        scopes: resourceServer!.metadata().scopes_supported,
      }
    : null;
  app.get(CONSOLE_SIGN_IN_PATH, (_req, res) => {
    res.json(settings);
  });
}
