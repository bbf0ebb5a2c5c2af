import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import DataLoader from 'dataloader';
import { Injectable } from '@nestjs/common';
import { Authenticator } from '@quarry/auth';
import { InvalidError, MessageManager, type Envelope, type OperationRef, type Principal } from '@quarry/core';
import { GET_DOCUMENTS, LIMITS, type PublicDocument } from '@quarry/search';
import { credentialsOf } from '../rest/envelope';

/** What every resolver gets, whichever transport (HTTP or graphql-ws) carried the operation. */
export interface GraphqlContext {
  /** Resolved once per operation, on first use, so an unauthenticated query fails with UNAUTHENTICATED. */
  principal(): Promise<Principal>;
  requestId: string;
  signal?: AbortSignal;
  /** Documents by id, batched into one `get_documents` call per tick (per operation). */
  documents: DataLoader<string, PublicDocument | null>;
  /** Where resolvers send their operations. */
  manager: MessageManager;
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= compute());
}

/** Builds the context of each GraphQL operation, over HTTP or graphql-ws. */
@Injectable()
export class GraphqlContexts {
  constructor(
    private readonly auth: Authenticator,
    private readonly manager: MessageManager,
  ) {}

  create(source: {
    principal: () => Promise<Principal>;
    requestId?: string;
    signal?: AbortSignal;
    /** False for subscriptions: their context lives as long as they do, and documents change. */
    cacheDocuments?: boolean;
  }): GraphqlContext {
    const context: GraphqlContext = {
      principal: once(source.principal),
      requestId: source.requestId ?? randomUUID(),
      signal: source.signal,
      manager: this.manager,
      documents: new DataLoader(
        async (ids) => {
          const result = await execute(context, GET_DOCUMENTS, {
            ids: [...ids],
          });
          return result.documents;
        },
        { maxBatchSize: LIMITS.maxSize, cache: source.cacheDocuments ?? true },
      ),
    };
    return context;
  }

  /**
   * The context of one GraphQL-over-HTTP request: credentials from its headers, like REST, already
   * checked by GraphqlAdmission before the document was read.
   */
  http(req: IncomingMessage & { id?: unknown; principal?: Principal }, res?: ServerResponse): GraphqlContext {
    const controller = new AbortController();
    res?.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    return this.create({
      principal: async () => req.principal ?? this.auth.authenticate(credentialsOf(req)),
      requestId: typeof req.id === 'string' ? req.id : undefined,
      signal: controller.signal,
    });
  }
}

/**
 * Runs an operation through the message manager: the only way a resolver reaches Quarry. Field
 * problems of an argument object are named by their GraphQL path (`input.size`).
 */
export async function execute<A, R>(
  context: GraphqlContext,
  op: OperationRef<A, R>,
  args: unknown,
  options: { argument?: string; onProgress?: Envelope['onProgress'] } = {},
): Promise<R> {
  try {
    return await context.manager.handle({
      op,
      args,
      principal: await context.principal(),
      transport: 'graphql',
      requestId: context.requestId,
      signal: context.signal,
      onProgress: options.onProgress,
    });
  } catch (error) {
    if (options.argument && error instanceof InvalidError && error.problems.length) {
      const { argument } = options;
      const problems = error.problems.map((p) => ({
        field: p.field === '(root)' ? argument : `${argument}.${p.field}`,
        reason: p.reason,
      }));
      throw new InvalidError(error.message, problems);
    }
    throw error;
  }
}

/**
 * A client may send an explicit null for an optional input field; the operations' DTOs expect
 * such a field absent. Shallow on purpose: JSON values (metadata) keep their nulls.
 */
export function withoutNulls<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}
