import * as fs from 'node:fs';
import * as path from 'node:path';
import express, { type Express, type Request, type Response } from 'express';
import { introspectionFromSchema, type GraphQLSchema } from 'graphql';
import { findRepoRoot } from '@quarry/config';

/** Where `npm run build` puts the console (apps/console, built by Vite). */
export const CONSOLE_DIR = path.join(findRepoRoot(), 'dist', 'console');

const HOST_HEADER = /^[\w.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/**
 * The pages people open in a browser get their own Content-Security-Policy; the API keeps the
 * strict `default-src 'none'` set for every response. Scripts and styles come only from Quarry
 * itself (no inline script, no CDN) and the page may talk only to its own origin, over HTTP and
 * the graphql-ws socket (named explicitly: older browsers do not count ws: as 'self').
 */
export function pageCsp(
  req: Request,
  options: { inlineStyles?: boolean; connectSources?: string[] } = {},
): string {
  const host = req.headers.host && HOST_HEADER.test(req.headers.host) ? req.headers.host : undefined;
  const sockets = host ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    // GraphiQL and Swagger UI set style attributes and inject <style> elements; the console does not.
    `style-src 'self'${options.inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    // The identity provider, when the console signs users in (its metadata and token endpoint).
    `connect-src 'self'${sockets}${(options.connectSources ?? []).map((source) => ` ${source}`).join('')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function withCsp(options: { inlineStyles?: boolean; connectSources?: string[] } = {}) {
  return (req: Request, res: Response, next: () => void) => {
    res.setHeader('Content-Security-Policy', pageCsp(req, options));
    next();
  };
}

/** A file shipped in an npm package (through its package.json: UMD files are not in `exports`). */
function packageFile(name: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${name}/package.json`)), file);
}

/** GET /graphql asked for by a browser (it accepts HTML and sends no query): the IDE, not the API. */
function wantsIde(req: Request): boolean {
  return req.query.query === undefined && req.accepts(['application/json', 'text/html']) === 'text/html';
}

const GRAPHIQL_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Quarry GraphiQL</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="/dev/graphiql/graphiql.min.css" />
    <link rel="stylesheet" href="/dev/graphiql/page.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/dev/graphiql/react.production.min.js"></script>
    <script src="/dev/graphiql/react-dom.production.min.js"></script>
    <script src="/dev/graphiql/graphiql.min.js"></script>
    <script src="/dev/graphiql/init.js"></script>
  </body>
</html>
`;

// A file, not an inline script, so the page's CSP can stay `script-src 'self'`.
const GRAPHIQL_INIT = `(function () {
  var socket = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
  var key = sessionStorage.getItem('quarry.apiKey');
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: socket,
    headers: key ? { Authorization: 'Bearer ' + key } : undefined,
    wsConnectionParams: key ? { authorization: 'Bearer ' + key } : undefined,
  });
  var defaultQuery =
    '# Quarry GraphQL: queries, mutations and subscriptions (graphql-ws on this path).\\n' +
    '# With API keys, add {"Authorization": "Bearer <key>"} under Headers.\\n' +
    'query Search {\\n  search(input: { query: "disk", size: 5 }) {\\n    total\\n    tookMs\\n' +
    '    hits { id title snippet collection }\\n  }\\n}\\n';
  // A link can carry an operation: /graphql#query=<url-encoded operation>.
  var linked = new URLSearchParams(location.hash.slice(1)).get('query');
  function render(schema) {
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        schema: schema,
        query: linked || undefined,
        defaultEditorToolsVisibility: true,
        defaultQuery: defaultQuery,
      }),
    );
  }
  // The schema comes from Quarry as a file: GraphiQL's own introspection query is deeper than the
  // depth limit every GraphQL request gets.
  fetch('/dev/graphiql/introspection.json')
    .then(function (response) {
      return response.ok ? response.json() : undefined;
    })
    .then(render, function () {
      render(undefined);
    });
})();
`;

const GRAPHIQL_CSS = 'html, body, #graphiql { height: 100%; margin: 0; }\n';

const SWAGGER_INIT = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    validatorUrl: null,
  });
};
`;

function sendScript(body: string) {
  return (_req: Request, res: Response) => {
    res.type('application/javascript').setHeader('Cache-Control', 'no-cache');
    res.send(body);
  };
}

/**
 * The browser pages on Quarry's port: the console at `/` (static files built by Vite), GraphiQL
 * for browser GETs of `/graphql`, and Swagger UI at `/docs`. Everything is served from this
 * checkout and node_modules, so the pages work offline. Mount before the GraphQL module so a
 * browser's GET /graphql reaches the IDE; clients' POSTs and GETs with a query pass through.
 */
export function mountBrowserPages(
  app: Express,
  options: { schema: () => GraphQLSchema; consoleDir?: string; connectSources?: string[] },
): void {
  const consoleDir = options.consoleDir ?? CONSOLE_DIR;
  let introspection: unknown;
  const consolePage = withCsp({ connectSources: options.connectSources });
  const devPage = withCsp({ inlineStyles: true });
  const staticOptions = { index: false, maxAge: '1h' } as const;

  // The console: a single page (hash routes), its hashed assets cacheable for long.
  app.get(['/', '/index.html'], consolePage, (_req, res) => {
    const index = path.join(consoleDir, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build`.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  app.use(
    '/assets',
    consolePage,
    express.static(path.join(consoleDir, 'assets'), { ...staticOptions, immutable: true, maxAge: '365d' }),
  );
  app.get('/favicon.svg', consolePage, (_req, res) => res.sendFile(path.join(consoleDir, 'favicon.svg')));

  // GraphiQL: the package's own UMD build with React 18's, as files.
  app.get('/graphql', (req, res, next) => {
    if (!wantsIde(req)) return next();
    res.setHeader('Content-Security-Policy', pageCsp(req, { inlineStyles: true }));
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(GRAPHIQL_PAGE);
  });
  const graphiqlFiles: Record<string, string> = {
    'graphiql.min.js': packageFile('graphiql', 'graphiql.min.js'),
    'graphiql.min.css': packageFile('graphiql', 'graphiql.min.css'),
    'react.production.min.js': packageFile('react', 'umd/react.production.min.js'),
    'react-dom.production.min.js': packageFile('react-dom', 'umd/react-dom.production.min.js'),
  };
  app.get('/dev/graphiql/init.js', devPage, sendScript(GRAPHIQL_INIT));
  app.get('/dev/graphiql/introspection.json', (_req, res) => {
    // The schema is fixed once the app is up; introspection is public on POST /graphql too.
    introspection ??= introspectionFromSchema(options.schema());
    res.json(introspection);
  });
  app.get('/dev/graphiql/page.css', devPage, (_req, res) => res.type('text/css').send(GRAPHIQL_CSS));
  app.get('/dev/graphiql/:file', devPage, (req, res, next) => {
    const file = graphiqlFiles[String(req.params.file)];
    if (!file) return next();
    res.sendFile(file, { maxAge: '1h' });
  });

  // Swagger UI for the REST API, reading /openapi.json.
  const swaggerDir = packageFile('swagger-ui-dist', '');
  app.get('/docs', (req, res, next) => {
    // Relative asset URLs in Swagger UI's page need the trailing slash.
    if (req.originalUrl.split('?')[0] !== '/docs') return next();
    res.redirect(301, '/docs/');
  });
  app.get('/docs/', devPage, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(swaggerDir, 'index.html'));
  });
  app.get('/docs/swagger-initializer.js', devPage, sendScript(SWAGGER_INIT));
  app.use('/docs', devPage, express.static(swaggerDir, staticOptions));
}
