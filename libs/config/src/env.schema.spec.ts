import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from './config';
import { configTable } from './config-table';
import { envSchema } from './env.schema';

const SOURCES = path.join(__dirname);
const variables = Object.keys(envSchema.shape);

/** Variables a source file reads itself (`env.X`, `env['X']`, `process.env.X`; `env[name]` as `[name]`). */
function environmentReads(source: string): string[] {
  return [
    ...source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*'([A-Z][A-Z0-9_]*)'\s*\]|\[\s*([a-z]\w*)\s*\])/g),
  ].map((match) => match[1] ?? match[2] ?? `[${match[3]}]`);
}

describe('the environment schema', () => {
  it('is the only reader of the environment in libs/config', () => {
    const readers = fs
      .readdirSync(SOURCES)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts') && file !== 'env.schema.ts')
      .map((file) => [file, environmentReads(fs.readFileSync(path.join(SOURCES, file), 'utf8'))] as const)
      .filter(([, reads]) => reads.length > 0);
    expect(readers).toEqual([]);
  });

  it('catches a hand-written reader', () => {
    expect(
      environmentReads("const host = env.HOST || '127.0.0.1'; env['PORT']; process.env.X; env[name]"),
    ).toEqual(['HOST', 'PORT', 'X', '[name]']);
  });

  it('declares every variable a cross-field rule names', () => {
    const named = [
      ...fs
        .readFileSync(path.join(SOURCES, 'config.ts'), 'utf8')
        .matchAll(/new ConfigError\(\s*(?:\w+ \? )?'([A-Z_]+)'(?: : '([A-Z_]+)')?/g),
    ].flatMap((match) => [match[1], match[2]].filter(Boolean));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((name) => !variables.includes(name))).toEqual([]);
  });

  it('describes every variable, and the README table lists each once with its default', () => {
    expect(
      variables.filter((name) => !envSchema.shape[name as keyof typeof envSchema.shape].description),
    ).toEqual([]);
    const table = configTable();
    for (const name of variables) expect(table.split(`| \`${name}\` |`)).toHaveLength(2);
    expect(table).toContain('| `PORT` | `3000` | HTTP port |');
    expect(table).toContain('| `QUARRY_API_KEYS` | none |');
    expect(table).toContain('| `QUARRY_PUBLIC_URL` | `http://HOST:PORT` |');
    expect(table).toContain('| `LOG_FORMAT` | pretty on a terminal, else json |');
  });

  it('checks a variable even when the feature using it is off, and treats empty as unset', () => {
    // Was ignored without ELASTICSEARCH_URL: a typo stayed silent until someone pointed at a cluster.
    expect(() => loadConfig({ QUARRY_ES_SNIFF: 'maybe' })).toThrow(
      /^QUARRY_ES_SNIFF: must be true or false, got "maybe"$/,
    );
    expect(() => loadConfig({ QUARRY_OAUTH_GROUPS_CLAIM: 'a b' })).toThrow(
      /^QUARRY_OAUTH_GROUPS_CLAIM: is not a claim name/,
    );
    expect(loadConfig({ PORT: '', LOG_LEVEL: '' })).toMatchObject({ port: 3000, logLevel: 'info' });
  });

  it('reports the first bad variable, with its reason only', () => {
    expect(() => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud' })).toThrow(
      /^PORT: must be a port number 1-65535, got "70000"$/,
    );
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
      /^LOG_LEVEL: must be one of fatal, .*, got "loud"$/,
    );
    expect(() => loadConfig({ ELASTICSEARCH_URL: 'http://a:1,http://b:2,nope' })).toThrow(
      /^ELASTICSEARCH_URL: is not a valid URL: "nope"$/,
    );
  });
});
