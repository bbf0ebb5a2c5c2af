/**
 * Where a server's main thread spent its time, from a `node --cpu-prof` profile: self time by
 * area (the package or Quarry library a function lives in), in ms and per request when the number
 * of requests served is given.
 *
 *   node dist/bench/profile-summary.js profile.cpuprofile [requests] [seconds to skip | from=handle]
 *
 * Skipping the first seconds, or everything before the first sample inside a function (from=handle:
 * the message manager's first request), leaves the start (module loading, compiling, connecting) out.
 */
import * as fs from 'node:fs';
import { round, table } from './stats';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The first pattern a function's file matches names its area; order matters (most specific first). */
const AREAS: [string, RegExp][] = [
  ['validation (class-validator/transformer)', /class-(validator|transformer)|libphonenumber|validator\//],
  ['security headers (helmet)', /node_modules\/helmet/],
  ['logging (pino)', /pino|sonic-boom|thread-stream/],
  ['metrics (prom-client)', /prom-client/],
  ['Redis client (ioredis)', /ioredis|redis-parser|cluster-key-slot/],
  ['Elasticsearch client', /@elastic\/(elasticsearch|transport)/],
  ['Elasticsearch response parsing (secure-json-parse)', /secure-json-parse/],
  [
    'embedder on the main thread (tokenizer, worker pool)',
    /@huggingface\/tokenizers|piscina|libs\/embeddings\//,
  ],
  ['HTTP client (undici)', /undici/],
  ['GraphQL', /node_modules\/(graphql|@apollo|@graphql-tools|graphql-|@nestjs\/graphql)/],
  ['MCP SDK / ws', /@modelcontextprotocol|node_modules\/ws\//],
  ['NestJS / Express', /@nestjs|express|body-parser|router|raw-body|finalhandler|send\/|path-to-regexp/],
  ['JSON schema (ajv/zod)', /ajv|zod/],
  ['libs/core (message manager)', /libs\/core\//],
  ['libs/auth', /libs\/auth\//],
  ['libs/observability', /libs\/observability\//],
  [
    'libs/search: highlighting (words, passages, fragments)',
    /libs\/search\/src\/(highlighter|shown-chunk|snippet)\./,
  ],
  ['libs/search', /libs\/search\//],
  ['libs/redis', /libs\/redis\//],
  ['apps/server (edges)', /apps\/server\//],
  ['other Quarry libs', /dist\/libs\//],
  ['other node_modules', /node_modules/],
  ['Node internals', /^node:|^internal\//],
];

/** The inspector serializing the profile when it is stopped (bench/hybrid-profile.ts): not the server's work. */
const PROFILER = '(profiler)';

function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === 'node:inspector') return PROFILER;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(program)') return '(program: native, parsing, compile)';
    return NATIVE;
  }
  return AREAS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'other';
}

const NATIVE = 'native';
const WRITES = /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|writeUcs2String)$/;
const INTERNAL = new Set([NATIVE, 'Node internals']);

function main() {
  const [file, requestsArg, skipArg] = process.argv.slice(2);
  if (!file)
    throw new Error(
      'usage: profile-summary <file.cpuprofile> [requests] [seconds to skip | from=<function>]',
    );
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // from=<function>: from the first sample inside that function (e.g. the message manager's
  // `handle`: the first request), however long the start took on a busy machine.
  const from = skipArg?.startsWith('from=') ? skipArg.slice(5) : undefined;
  let skipMicroseconds = from ? Infinity : Number(skipArg ?? 0) * 1e6;
  if (from) {
    let at = 0;
    for (let i = 0; i < profile.samples.length && skipMicroseconds === Infinity; i++) {
      at += profile.timeDeltas[i];
      for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id))
        if (byId.get(id)!.callFrame.functionName === from) {
          skipMicroseconds = at;
          break;
        }
    }
  }
  // Native code and Node's own modules are charged to the library that called them (a socket
  // write to the HTTP server or the Elasticsearch client, a regular expression to its user).
  const charged = (id: number): string => {
    let area = areaOf(byId.get(id)!);
    // Socket writes are the system call (and, on a busy machine, the wake-up of the reader), not
    // the code that asked for them: their own rows, by peer.
    if (WRITES.test(byId.get(id)!.callFrame.functionName) && !byId.get(id)!.callFrame.url) {
      for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
        const above = areaOf(byId.get(at)!);
        if (above === 'HTTP client (undici)' || above === 'Elasticsearch client')
          return 'socket writes to Elasticsearch';
        if (above === 'Redis client (ioredis)') return 'socket writes to Redis';
      }
      return 'socket writes to clients (answers)';
    }
    for (let at = parent.get(id); INTERNAL.has(area) && at !== undefined; at = parent.get(at)) {
      const above = areaOf(byId.get(at)!);
      if (above === PROFILER || (!INTERNAL.has(above) && !above.startsWith('('))) area = above;
    }
    return INTERNAL.has(area) ? 'Node internals (event loop, sockets)' : area;
  };
  const self = new Map<string, number>();
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsed += profile.timeDeltas[i];
    if (elapsed < skipMicroseconds) continue;
    const area = charged(profile.samples[i]);
    self.set(area, (self.get(area) ?? 0) + profile.timeDeltas[i] / 1000);
  }
  const requests = Number(requestsArg) || 0;
  const counted = ([area]: [string, number]) => area !== '(idle)' && area !== PROFILER;
  const busy = [...self].filter(counted).reduce((sum, [, ms]) => sum + ms, 0);
  const rows = [...self]
    .filter(counted)
    .sort((a, b) => b[1] - a[1])
    .map(([area, ms]) => ({
      area,
      'self ms': round(ms, 0),
      share: `${round((100 * ms) / busy, 1)}%`,
      ...(requests ? { 'ms per request': round(ms / requests, 3) } : {}),
    }));
  rows.push({
    area: 'total (busy)',
    'self ms': round(busy, 0),
    share: '100%',
    ...(requests ? { 'ms per request': round(busy / requests, 3) } : {}),
  });
  process.stdout.write(`${table(rows)}\n`);
}

main();
