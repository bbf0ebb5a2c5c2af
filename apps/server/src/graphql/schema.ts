import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { findRepoRoot } from '@quarry/config';
import { GRAPHQL_RESOLVERS } from './graphql.module';

export const SCHEMA_FILE = path.join(findRepoRoot(), 'schema.graphql');

const HEADER = [
  '# Quarry GraphQL schema, printed from the code-first resolvers in apps/server/src/graphql.',
  '# Do not edit: run `npm run graphql:schema`; a test fails when this file is not current.',
].join('\n');

/** The schema the resolvers declare, built without a running Quarry (no services needed). */
export async function buildGraphqlSchema(): Promise<GraphQLSchema> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  try {
    return await app.get(GraphQLSchemaFactory).create(GRAPHQL_RESOLVERS);
  } finally {
    await app.close();
  }
}

/** SDL as checked in: sorted, with a header, formatted like the rest of the repository. */
export async function printGraphqlSchema(schema: GraphQLSchema): Promise<string> {
  // Only the generator and its test format; a deployed server never loads prettier (a dev dependency).
  const prettier = require('prettier') as typeof import('prettier');
  const sdl = `${HEADER}\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(sdl, { ...options, parser: 'graphql' });
}

async function main(): Promise<void> {
  fs.writeFileSync(SCHEMA_FILE, await printGraphqlSchema(await buildGraphqlSchema()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE) || SCHEMA_FILE}\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
