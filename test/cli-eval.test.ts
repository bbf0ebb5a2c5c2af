import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropIndices, servicesFromSetup, uniquePrefix } from './support/test-env';
import { quarry } from './support/cli';

describe('quarry eval and the hybrid search options of quarry search', () => {
  const prefix = uniquePrefix();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quarry-eval-'));
  const { elasticsearchUrl, redisUrl } = servicesFromSetup();
  const env = { ELASTICSEARCH_URL: elasticsearchUrl, REDIS_URL: redisUrl, QUARRY_INDEX_PREFIX: prefix };

  beforeAll(async () => {
    fs.writeFileSync(
      path.join(dir, 'docs.jsonl'),
      [
        {
          id: 'backup',
          title: 'Backups',
          body: "The database backup runs nightly; it's kept for thirty days.",
        },
        { id: 'vpn', title: 'VPN', body: 'Connect to the office network through the VPN client.' },
        { id: 'coffee', title: 'Coffee', body: 'Descale the coffee machine every month.' },
      ]
        .map((d) => JSON.stringify(d))
        .join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'judgments.jsonl'),
      [
        '# query and the documents that answer it',
        JSON.stringify({ query: 'database backup', relevant: { backup: 2 } }),
        JSON.stringify({ query: 'remote access to the office', relevant: ['vpn'] }),
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'bad.jsonl'),
      `${JSON.stringify({ query: 'x', relevant: { backup: 1 } })}\n{ nope`,
    );
    const ingested = await quarry(['ingest', path.join(dir, 'docs.jsonl'), '--wait'], env);
    expect(ingested.code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await dropIndices(prefix);
  });

  it('prints MRR@10, nDCG@10 and recall@10/100 per mode as a table', async () => {
    const result = await quarry(['eval', path.join(dir, 'judgments.jsonl')], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 judged queries');
    expect(result.stdout).toMatch(/run +MRR@10 +nDCG@10 +recall@10 +recall@100/);
    for (const mode of ['lexical', 'semantic', 'hybrid'])
      expect(result.stdout).toMatch(new RegExp(`^${mode} +[01]\\.\\d{3}`, 'm'));
  }, 120_000);

  it('sweeps semanticRatio with each fusion on request (JSON)', async () => {
    const result = await quarry(['eval', path.join(dir, 'judgments.jsonl'), '--sweep', '--json'], env);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { rows: { run: string }[] };
    expect(parsed.rows).toHaveLength(3 + 22);
    expect(parsed.rows.map((r) => r.run)).toContain('hybrid rrf r=0.7');
  }, 120_000);

  it('names the bad line of a judgments file', async () => {
    const result = await quarry(['eval', path.join(dir, 'bad.jsonl')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.jsonl:2: not JSON/);
  }, 120_000);

  it('search takes --semantic-ratio, --fusion and --explain, and prints plain text', async () => {
    const result = await quarry(
      ['search', 'database backup', '--semantic-ratio', '0', '--fusion', 'rrf', '--explain'],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/lexical #1 \(\d+\.\d{3}\), semantic -/);
    expect(result.stdout).toContain("it's kept");
    expect(result.stdout).not.toMatch(/&#x27;|&#39;/);
  }, 120_000);
});
