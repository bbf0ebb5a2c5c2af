import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../apps/server/src/server';
import { CONSOLE_DIR } from '../apps/server/src/console/console.routes';
import { buildPdf } from '../libs/ingest/src/testing/fixtures';
import { gql, liveEntries } from './support/graphql';
import { call } from './support/http';
import { dropIndices, eventually, testConfig } from './support/test-env';

/**
 * The web console, GraphiQL and Swagger UI in a real browser: Playwright drives Debian's
 * chromium (installed by .ci/run; no browser download) against a real Quarry. The screenshots it
 * takes are the README's (docs/screenshots).
 */
const CHROMIUM = process.env.QUARRY_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(__dirname, '..', 'docs', 'screenshots');

const DOCUMENTS = [
  {
    id: 'disk-full',
    title: 'Disk full runbook',
    body: 'When the disk is full, remove old logs and rotate them. Check inode usage with df -i too.',
    collection: 'runbooks',
    tags: ['ops', 'disk'],
  },
  {
    id: 'deploy-guide',
    title: 'Deploying Quarry',
    body: 'Build with npm run build, then start the server. Keep 2 GB of disk free for the indices.',
    collection: 'guides',
    tags: ['deploy'],
  },
  {
    id: 'cache-guide',
    title: 'Query cache',
    body: 'Hot search results are cached in Redis and invalidated when a collection changes.',
    collection: 'guides',
    tags: ['redis'],
  },
];

describe('web console in a real browser', () => {
  let server: RunningServer;
  let prefix: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Script errors and CSP violations: the pages must run clean under their policies. */
  const problems: string[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    if (!fs.existsSync(path.join(CONSOLE_DIR, 'index.html')))
      throw new Error(`the console is not built (${CONSOLE_DIR}): run \`npm run build\` first`);
    if (!fs.existsSync(CHROMIUM))
      throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    server = await startServer(testConfig());
    prefix = server.config.indexPrefix;
    const seeded = await call(server.url, 'POST', '/v1/documents?wait=true', DOCUMENTS);
    expect(seeded.body.indexed).toBe(DOCUMENTS.length);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (prefix) await dropIndices(prefix);
  }, 60_000);

  it('searches from the search box and shows highlighted hits, facets and a shareable URL', async () => {
    await page.goto(`${server.url}/`);
    const box = page.locator('input[type="search"]');
    await box.fill('disk');
    await box.press('Enter');
    await page.locator('.hit em').first().waitFor();
    const titles = await page.locator('.hit h2').allTextContents();
    expect(titles).toContain('Disk full runbook');
    expect((await page.locator('.hit em').first().textContent())?.toLowerCase()).toBe('disk');
    expect(new URL(page.url()).hash).toContain('q=disk');
    await page.locator('.facets').getByText('runbooks').waitFor();
    // Untouched, the ratio is the server's: the slider rests on its default, which is not sent.
    expect(await page.locator('input[type="range"]').inputValue()).toBe('0.85');
    expect(await page.locator('label', { hasText: 'Semantic ratio' }).locator('output').textContent()).toBe(
      'auto (0.85)',
    );
    expect(new URL(page.url()).hash).not.toContain('ratio');
    await shot('search');

    // The URL holds the search: opening it elsewhere shows the same results.
    const shared = await context.newPage();
    await shared.goto(page.url());
    await shared.locator('.hit h2', { hasText: 'Disk full runbook' }).waitFor();
    await shared.close();

    // Filtering by a collection facet narrows the hits.
    await page.locator('.facets label', { hasText: 'guides' }).locator('input').check();
    await page.locator('.hit[data-id="disk-full"]').waitFor({ state: 'detached' });
    expect(new URL(page.url()).hash).toContain('c=guides');
    await page.locator('.hit[data-id="deploy-guide"]').waitFor();
  });

  it('works at phone width', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${server.url}/`);
    // Results come as you type, without pressing Enter.
    await phone.locator('input[type="search"]').pressSequentially('disk');
    await phone.locator('.hit em').first().waitFor();
    expect(new URL(phone.url()).hash).toContain('q=disk');
    // Page functions run in the browser; as strings they need no DOM types in this Node project.
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: path.join(SHOTS, 'search-phone.png') });
    await phone.close();
  });

  it('opens a document from a hit', async () => {
    await page.goto(`${server.url}/#/search?q=inode`);
    await page.locator('.hit h2 a', { hasText: 'Disk full runbook' }).click();
    await page.locator('h1', { hasText: 'Disk full runbook' }).waitFor();
    expect(await page.locator('pre.body').first().textContent()).toContain('df -i');
    // The link carries the chunk the hit's passage came from (the body is one chunk here).
    expect(new URL(page.url()).hash).toBe('#/documents/disk-full?chunk=0');
  });

  it('opens a hit at its passage: the view scrolls to the matched chunk far down a long document', async () => {
    const day = (n: number) =>
      `Day ${n}: the survey team logged weather, tides and supplies, and mended the nets.`;
    const phrase = 'quokka colony nests beside the old lighthouse';
    // The phrase is on day 70 of 90: far below what the text box shows at first.
    const days = Array.from({ length: 90 }, (_, i) =>
      i === 69 ? `Day 70: a ${phrase}, far from the landing.` : day(i + 1),
    );
    const body = days.join('\n\n');
    const stored = await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'island-log', title: 'Island survey log', body, collection: 'guides' },
    ]);
    expect(stored.body.indexed).toBe(1);
    try {
      await page.goto(`${server.url}/#/search?q=${encodeURIComponent('quokka lighthouse')}&mode=LEXICAL`);
      await page.locator('.hit h2 a', { hasText: 'Island survey log' }).click();
      await page.locator('h1', { hasText: 'Island survey log' }).waitFor();
      // The phrase, wherever it is in the document's text, is on screen: inside the text box's
      // visible part (it scrolls) and inside the window. At the top of the document it is not.
      const whereIsPhrase = `(() => {
        const pre = document.querySelector('pre.body');
        const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.textContent.indexOf(${JSON.stringify(phrase)});
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + ${phrase.length});
          const r = range.getBoundingClientRect();
          const box = pre.getBoundingClientRect();
          const onScreen = r.height > 0 && r.top >= Math.max(0, box.top) && r.bottom <= Math.min(innerHeight, box.bottom);
          return { onScreen, top: Math.round(r.top), textBox: [Math.round(box.top), Math.round(box.bottom)], window: innerHeight };
        }
        return { onScreen: false, top: null };
      })()`;
      // Polled: the view scrolls once the document has rendered.
      await eventually(
        () => page.evaluate<{ onScreen: boolean }>(whereIsPhrase),
        (where) => where.onScreen,
        5_000,
      );
      // The link named the chunk (not the first: the phrase is far down).
      const chunk = Number(new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('chunk'));
      expect(chunk).toBeGreaterThan(0);
      // It is marked, in the text and in the list of chunks.
      expect(await page.locator('pre.body mark.passage').first().textContent()).toContain(phrase);
      const matched = page.locator('ol.chunks li.matched');
      expect(await matched.count()).toBe(1);
      expect(await matched.textContent()).toContain(phrase);
      expect(await matched.getAttribute('aria-current')).toBe('location');
      await shot('document');
    } finally {
      await call(server.url, 'DELETE', '/v1/documents/island-log?wait=true');
    }
  });

  it('shows a document’s chunks with the heading each one is under', async () => {
    const body =
      '# Install\n\nQuarry needs Node 20 and Elasticsearch 8.\n\n## On Debian\n\nInstall the nodejs package with apt, then run npm ci in the checkout.\n';
    const stored = await call(server.url, 'POST', '/v1/documents?wait=true', [
      { id: 'install-guide', title: 'Installing Quarry', body, collection: 'guides' },
    ]);
    expect(stored.body.indexed).toBe(1);
    await page.goto(`${server.url}/#/documents/install-guide`);
    const chunk = page.locator('ol.chunks li', { hasText: 'nodejs package' });
    await chunk.waitFor();
    expect(await chunk.locator('.location').textContent()).toContain('Install › On Debian');
    await call(server.url, 'DELETE', '/v1/documents/install-guide?wait=true');
  });

  it('turns a search live and shows a document ingested through REST without reloading', async () => {
    await page.goto(`${server.url}/#/live?q=geyser&mode=LEXICAL`);
    await page.locator('.live-status[data-status="listening"]').waitFor();
    // The live query is registered once Quarry stores it; only then can the ingest match it.
    await eventually(
      () => liveEntries(prefix),
      (entries) => entries.length === 1,
    );
    await page.evaluate('window.loadedOnce = true');
    const ingested = await call(server.url, 'POST', '/v1/documents', [
      { id: 'geyser-1', title: 'Geyser pressure alarm', body: 'The geyser valve reports high pressure.' },
      { id: 'geyser-2', title: 'Old geyser note', body: 'A geyser note that is about to be deleted.' },
    ]);
    expect(ingested.status).toBeLessThan(300);
    const hit = page.locator('.hit[data-id="geyser-1"]');
    await hit.waitFor({ timeout: 20_000 });
    expect(await hit.locator('.marker').textContent()).toBe('new');
    expect(await hit.locator('em').first().textContent()).toMatch(/geyser/i);
    // Same page, no reload: the flag set before the ingest is still there.
    expect(await page.evaluate('window.loadedOnce')).toBe(true);

    await page.locator('.hit[data-id="geyser-2"]').waitFor();
    await call(server.url, 'DELETE', '/v1/documents/geyser-2');
    await page.locator('.hit.deleted[data-id="geyser-2"] .marker', { hasText: 'deleted' }).waitFor();
    expect(await hit.locator('.marker').textContent()).toBe('new');
    await shot('live');
  });

  it('uploads a file and watches its job finish', async () => {
    await page.goto(`${server.url}/#/ingest`);
    await page.locator('#files').setInputFiles({
      name: 'tundra-notes.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# Tundra notes\n\nPermafrost thaw changes the tundra every spring.\n'),
    });
    await page.locator('input[name="upload-collection"]').fill('field-notes');
    await page.getByRole('button', { name: 'Upload' }).click();
    const job = page.locator('.job[data-finished="true"]');
    await job.waitFor();
    expect(await job.locator('.status').textContent()).toContain('finished · 1 indexed');
    expect(await job.locator('progress').getAttribute('value')).toBe(
      await job.locator('progress').getAttribute('max'),
    );
    const found = await gql(
      server.url,
      '{ search(input: { query: "permafrost", mode: LEXICAL }) { hits { title collection } } }',
    );
    expect(found.body.data.search.hits).toEqual([{ title: 'Tundra notes', collection: 'field-notes' }]);
  });

  it('uploads a PDF, which Quarry extracts, and shows its chunks with their pages', async () => {
    const pdf = await buildPdf(
      ['Moraine survey.\nTill deposits mark the old ice edge.', 'Drumlins point the way the glacier flowed.'],
      'Moraine survey',
    );
    await page.goto(`${server.url}/#/ingest`);
    await page
      .locator('#files')
      .setInputFiles({ name: 'moraine.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.locator('input[name="upload-collection"]').fill('field-notes');
    await page.getByRole('button', { name: 'Upload' }).click();
    const job = page.locator('.job[data-finished="true"]', { hasText: 'moraine.pdf' });
    await job.waitFor();
    expect(await job.locator('.status').textContent()).toContain('finished · 1 indexed');
    const found = await gql(
      server.url,
      '{ search(input: { query: "drumlins", mode: LEXICAL }) { hits { id collection } } }',
    );
    expect(found.body.data.search.hits).toEqual([
      { id: 'field-notes:moraine.pdf', collection: 'field-notes' },
    ]);

    await page.goto(`${server.url}/#/documents/${encodeURIComponent('field-notes:moraine.pdf')}`);
    const second = page.locator('ol.chunks li', { hasText: 'Drumlins' });
    await second.waitFor();
    expect(await second.locator('.location').textContent()).toContain('page 2');
    expect(
      await page.locator('ol.chunks li', { hasText: 'Till deposits' }).locator('.location').textContent(),
    ).toContain('page 1');
  });

  it('adds a directory source, syncs it, follows its job and browses what it brought in', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-console-'));
    fs.writeFileSync(path.join(folder, 'basalt.md'), '# Basalt\n\nBasalt columns form as lava cools.\n');
    fs.writeFileSync(path.join(folder, 'obsidian.txt'), 'Obsidian is volcanic glass.\n');
    try {
      await page.goto(`${server.url}/#/ingest`);
      await page.locator('input[name="source-name"]').fill('rocks');
      await page.locator('input[name="source-collection"]').fill('geology');
      await page.locator('input[name="source-location"]').fill(folder);
      await page.getByRole('button', { name: 'Add source' }).click();
      await page.locator('tr[data-source="rocks"]').waitFor();
      await page.getByRole('button', { name: 'Sync rocks' }).click();
      const job = page.locator('.job[data-status="succeeded"]', { hasText: 'rocks' });
      await job.waitFor({ timeout: 30_000 });
      expect(await job.locator('.meta').textContent()).toContain('indexed 2');
      expect(await job.locator('progress').count()).toBe(5);

      await page.goto(`${server.url}/#/documents?c=geology`);
      await page.locator('table.listing a', { hasText: 'Basalt' }).waitFor();
      expect(await page.locator('table.listing tbody tr').count()).toBe(2);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('uploads several files: each document its own link, a PNG counted and shown as skipped with its reason', async () => {
    // A 1×1 PNG: not readable as text, so Quarry skips it (README: "reported as skipped with the reason").
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const texts = ['fjord', 'glacier', 'moraine', 'tarn', 'cirque'].map((word) => ({
      name: `${word}.md`,
      mimeType: 'text/markdown',
      buffer: Buffer.from(`# ${word}\n\nA ${word} in the survey area.\n`),
    }));
    await page.goto(`${server.url}/#/ingest`);
    await page
      .locator('#files')
      .setInputFiles([...texts, { name: 'map.png', mimeType: 'image/png', buffer: png }]);
    await page.locator('input[name="upload-collection"]').fill('landforms');
    await page.getByRole('button', { name: 'Upload' }).click();
    const job = page.locator('.job[data-finished="true"]', { hasText: 'map.png' });
    await job.waitFor();
    const status = (await job.locator('.status').textContent()) ?? '';
    expect(status).toContain('finished · 5 indexed · 1 skipped');
    expect(status).not.toContain('failed');

    // One link per document, each to its own page, each in its own row with its file.
    const ids = texts.map((t) => `landforms:${t.name}`);
    const links = job.locator('a[href^="#/documents/"]');
    expect(await links.allTextContents()).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      expect(await links.nth(i).getAttribute('href')).toBe(`#/documents/${encodeURIComponent(id)}`);
      const row = job.locator('ul.files li', {
        has: page.locator(`a[href="#/documents/${encodeURIComponent(id)}"]`),
      });
      expect(await row.locator('.file-name').textContent()).toBe(texts[i].name);
    }
    const skipped = job.locator('ul.files li[data-status="skipped"]');
    expect(await skipped.count()).toBe(1);
    expect(await skipped.locator('.file-name').textContent()).toBe('map.png');
    expect(((await skipped.locator('.file-reason').textContent()) ?? '').length).toBeGreaterThan(0);
    expect(await skipped.locator('a').count()).toBe(0);
    expect(await job.locator('ul.files li[data-status="failed"]').count()).toBe(0);
    await shot('ingest');

    // A link opens that document.
    await links.nth(2).click();
    await page.locator('h1', { hasText: 'moraine' }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/documents/${encodeURIComponent('landforms:moraine.md')}`);
  });

  it('creates an API key, shows it once, and revokes it', async () => {
    await page.goto(`${server.url}/#/admin`);
    await page.locator('input[name="key-name"]').fill('console-reader');
    await page.locator('select[name="key-role"]').selectOption('reader');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('[data-testid="new-key"]').textContent())?.trim() ?? '';
    expect(key.length).toBeGreaterThan(20);
    await page.locator('tr[data-key="console-reader"]').waitFor();
    const listed = await gql(server.url, '{ apiKeys { name role } }');
    expect(listed.body.data.apiKeys).toEqual([{ name: 'console-reader', role: 'reader' }]);
    await shot('admin');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke console-reader' }).click();
    await page.locator('tr[data-key="console-reader"]').waitFor({ state: 'detached' });
    expect((await gql(server.url, '{ apiKeys { name } }')).body.data.apiKeys).toEqual([]);
    // Shown once: reloading the page does not bring the key back.
    await page.reload();
    await page.locator('#keys-title').waitFor();
    expect(await page.locator('[data-testid="new-key"]').count()).toBe(0);
  });

  it('tries a tool and evaluates relevance from the administration page', async () => {
    await page.goto(`${server.url}/#/admin`);
    await page.getByRole('button', { name: 'Try tool search' }).click();
    await page.getByLabel('Arguments of tool search (JSON)').fill('{ "query": "inode" }');
    await page.getByRole('button', { name: 'Call' }).click();
    expect(await page.locator('[data-testid="try-output"]').textContent()).toContain('Disk full runbook');

    await page
      .getByLabel('Judgments', { exact: true })
      .fill(
        '{"query": "disk full", "relevant": {"disk-full": 2}}\n{"query": "redis cache", "relevant": {"cache-guide": 1}}',
      );
    await page.getByRole('button', { name: 'Evaluate' }).click();
    const table = page.locator('table.evaluation');
    await table.waitFor();
    const runs = await table.locator('tbody td:first-child').allTextContents();
    expect(runs).toEqual(expect.arrayContaining(['lexical', 'semantic', 'hybrid']));
  });

  it('shows the health of Elasticsearch and Redis and charts from the metrics', async () => {
    await page.goto(`${server.url}/#/operations`);
    await page.locator('.health li.up', { hasText: 'Elasticsearch' }).waitFor();
    await page.locator('.health li.up', { hasText: 'Redis' }).waitFor();
    // Two scrapes make the first point of a rate chart; a line needs a few.
    await page.locator('.chart svg[data-points="3"]').first().waitFor({ timeout: 20_000 });
    await shot('operations');
  });

  it('serves GraphiQL to a browser GET of /graphql while clients keep the API', async () => {
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window', { hasText: 'Disk full runbook' }).waitFor();
    await shot('graphiql');

    // Subscriptions run over graphql-ws from the IDE too (the page's CSP lets it reach ws://host).
    // A fresh profile: GraphiQL remembers (in localStorage) the last operation it ran.
    const fresh = await browser.newContext();
    const tab = await fresh.newPage();
    try {
      const operation = 'subscription Changes { documentChanged { id change } }';
      await tab.goto(`${server.url}/graphql#query=${encodeURIComponent(operation)}`);
      await tab.locator('.graphiql-query-editor', { hasText: 'Changes' }).waitFor();
      await tab.locator('.graphiql-execute-button').click();
      // The subscription starts once the socket carries it; until a change shows, ingest another.
      let attempt = 0;
      await eventually(
        async () => {
          attempt += 1;
          await call(server.url, 'POST', '/v1/documents', [
            { id: `ide-${attempt}`, body: 'seen from GraphiQL' },
          ]);
          return (await tab.locator('.result-window').textContent()) ?? '';
        },
        (text) => text.includes('"documentChanged"') && text.includes('ide-'),
      );
    } finally {
      await fresh.close();
    }

    const post = await gql(server.url, '{ collections { name } }');
    expect(post.status).toBe(200);
    expect(post.body.data.collections.length).toBeGreaterThan(0);
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ collections { name } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(get.headers.get('content-type')).toContain('application/json');
    const ide = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(ide.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await ide.text()).not.toMatch(/<script>|https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('serves Swagger UI for the REST API at /docs, offline', async () => {
    const external: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:'))
        external.push(request.url());
    });
    await page.goto(`${server.url}/docs`);
    await page.locator('.swagger-ui .info .title', { hasText: 'Quarry' }).waitFor();
    await page.locator('.opblock-summary-path', { hasText: '/v1/search' }).first().waitFor();
    await shot('swagger');
    expect(external).toEqual([]);
    // The API keeps its strict policy.
    const api = await call(server.url, 'GET', '/v1/collections');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(api.headers.get('content-security-policy')).not.toContain("script-src 'self'");
  });

  it('passes axe-core accessibility checks (WCAG 2 A/AA: labels, names, contrast) on every page', async () => {
    // axe is injected as a script, which the console's CSP rightly refuses: a separate context bypasses it.
    const audit = await browser.newContext({ bypassCSP: true, viewport: { width: 1200, height: 760 } });
    const axe = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    const found: string[] = [];
    try {
      const probe = await audit.newPage();
      for (const [route, ready] of [
        ['#/search?q=disk', '.hit'],
        ['#/live?q=geyser', '.live-status[data-status="listening"]'],
        ['#/documents', 'table'],
        ['#/documents/disk-full', 'pre.body'],
        ['#/documents/disk-full?chunk=0', 'pre.body mark.passage'],
        ['#/ingest', '#files'],
        ['#/admin', '#keys-title'],
        ['#/operations', '.health li'],
      ]) {
        await probe.goto(`${server.url}/${route}`);
        await probe.reload();
        await probe.locator(ready).first().waitFor();
        await probe.evaluate(axe);
        const violations = await probe.evaluate<
          { id: string; impact: string; nodes: { target: string[] }[] }[]
        >(
          `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
        );
        for (const v of violations)
          found.push(
            `${route}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
      }
    } finally {
      await audit.close();
    }
    expect(found).toEqual([]);
  });

  it('ran every page without script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});

describe('web console with API keys', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer(
      testConfig({ QUARRY_API_KEYS: 'reader-secret-0123456789:reader,admin-secret-0123456789:admin' }),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
  }, 60_000);

  it('asks for a key, keeps it for the tab, and shows only what the role allows', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Key', { exact: true }).fill('wrong-key');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Key', { exact: true }).fill('reader-secret-0123456789');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('input[type="search"]').waitFor();
    const pages = await page.locator('header nav a').allTextContents();
    expect(pages).toContain('Search');
    expect(pages).not.toContain('Administration');
    expect(pages).not.toContain('Ingest');
    // Kept for the tab's session: a reload stays signed in; a new tab asks again.
    await page.reload();
    await page.locator('input[type="search"]').waitFor();
    const other = await context.newPage();
    await other.goto(`${server.url}/`);
    await other.getByLabel('Key', { exact: true }).waitFor();
    await context.close();
  });
});
