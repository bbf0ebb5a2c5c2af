import { IsInt, IsString, Max, Min } from 'class-validator';
import { ForbiddenError, InvalidError, NotFoundError, QuarryError, RateLimitedError } from './errors';
import {
  MessageManager,
  type Envelope,
  type MessageManagerPlugin,
  type Operation,
  type OperationContext,
  type Outcome,
} from './message-manager';
import { currentRequestId } from './request-context';

class EchoInput {
  @IsString()
  text!: string;

  @IsInt()
  @Min(1)
  @Max(3)
  times!: number;
}

type Run = (args: EchoInput, context: OperationContext) => Promise<string>;

function echo(implementation: Run = async (args) => args.text.repeat(args.times)) {
  const run = jest.fn<Promise<string>, [EchoInput, OperationContext]>(implementation);
  const operation: Operation<EchoInput, string> = {
    name: 'echo',
    description: 'repeats text',
    role: 'writer',
    input: EchoInput,
    run,
  };
  return { operation: operation as Operation<never, unknown>, run };
}

function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    op: 'echo',
    args: { text: 'ab', times: 2 },
    principal: { id: 'key:w', role: 'writer' },
    transport: 'rest',
    requestId: 'req-1',
    ...overrides,
  };
}

/** A plugin that records what it saw. */
function recorder(refuse?: Error) {
  const seen = { before: [] as string[], after: [] as Outcome[], results: [] as unknown[] };
  const plugin: MessageManagerPlugin = {
    beforeRun: (env) => {
      seen.before.push(env.op);
      if (refuse) throw refuse;
    },
    afterRun: (outcome, result) => {
      seen.after.push(outcome);
      seen.results.push(result);
    },
  };
  return { plugin, seen };
}

describe('MessageManager', () => {
  it('validates, runs and reports one request to every plugin', async () => {
    const { operation, run } = echo();
    const { plugin, seen } = recorder();
    const manager = new MessageManager().register(operation).use(plugin);
    await expect(manager.handle(envelope())).resolves.toBe('abab');
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0][0]).toBeInstanceOf(EchoInput);
    expect(run.mock.calls[0][1]).toMatchObject({
      principal: { id: 'key:w' },
      transport: 'rest',
      requestId: 'req-1',
    });
    expect(seen.before).toEqual(['echo']);
    expect(seen.after).toHaveLength(1);
    expect(seen.after[0]).toMatchObject({
      op: 'echo',
      transport: 'rest',
      requestId: 'req-1',
      args: { text: 'ab' },
    });
    expect(seen.after[0].error).toBeUndefined();
    expect(seen.results).toEqual(['abab']);
  });

  it('answers an unknown operation as not found, and still reports it', async () => {
    const { plugin, seen } = recorder();
    const manager = new MessageManager().use(plugin);
    const error = await manager.handle(envelope({ op: 'nope' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe('operation "nope" not found');
    expect(seen.before).toEqual([]);
    expect(seen.after[0].error?.kind).toBe('not_found');
  });

  it('refuses a role below the operation’s before validating or running anything', async () => {
    const { operation, run } = echo();
    const { plugin, seen } = recorder();
    const manager = new MessageManager().register(operation).use(plugin);
    const error = await manager
      .handle(envelope({ principal: { id: 'key:r', role: 'reader' }, args: { bad: true } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as Error).message).toBe('echo needs the writer role; key:r is reader');
    expect(run).not.toHaveBeenCalled();
    expect(seen.before).toEqual([]);
    // An admin may do what a writer may.
    await expect(manager.handle(envelope({ principal: { id: 'a', role: 'admin' } }))).resolves.toBe('abab');
  });

  it('names every bad, missing and unknown field', async () => {
    const { operation, run } = echo();
    const manager = new MessageManager().register(operation);
    const error = (await manager
      .handle(envelope({ args: { times: 9, extra: 1 } }))
      .catch((e: unknown) => e)) as InvalidError;
    expect(error).toBeInstanceOf(InvalidError);
    const fields = (error.details.problems as { field: string }[]).map((p) => p.field).sort();
    expect(fields).toEqual(['extra', 'text', 'times']);
    expect(error.message).toMatch(/^invalid arguments: /);
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses arguments that are not a JSON object', async () => {
    const manager = new MessageManager().register(echo().operation);
    for (const args of ['text', [1, 2], 42]) {
      const error = (await manager.handle(envelope({ args })).catch((e: unknown) => e)) as InvalidError;
      expect(error).toBeInstanceOf(InvalidError);
      expect(error.details.problems).toEqual([{ field: '(root)', reason: 'must be an object' }]);
    }
  });

  it('lets a plugin refuse a request (a rate limit): the operation does not run', async () => {
    const { operation, run } = echo();
    const { plugin, seen } = recorder(new RateLimitedError(3));
    const manager = new MessageManager().register(operation).use(plugin);
    await expect(manager.handle(envelope())).rejects.toBeInstanceOf(RateLimitedError);
    expect(run).not.toHaveBeenCalled();
    expect(seen.after[0].error?.kind).toBe('rate_limited');
  });

  it('hides a bug behind an internal error, keeping the cause for the log', async () => {
    const bug = new TypeError('undefined is not a function');
    const { operation } = echo(async () => Promise.reject(bug));
    const { plugin, seen } = recorder();
    const manager = new MessageManager().register(operation).use(plugin);
    const error = (await manager.handle(envelope()).catch((e: unknown) => e)) as QuarryError;
    expect(error.kind).toBe('internal');
    expect(error.message).toBe('internal error');
    expect(JSON.stringify(error.toJSON())).not.toContain('undefined is not a function');
    expect((error as QuarryError & { cause?: unknown }).cause).toBe(bug);
    expect(seen.after[0].error).toBe(error);
  });

  it('answers even when a reporting plugin throws', async () => {
    const manager = new MessageManager().register(echo().operation).use({
      afterRun: () => {
        throw new Error('metrics are broken');
      },
    });
    await expect(manager.handle(envelope())).resolves.toBe('abab');
  });

  it('runs the operation with its request id in scope, for the Elasticsearch X-Opaque-Id', async () => {
    let seen: string | undefined;
    const { operation } = echo(async () => {
      await Promise.resolve();
      seen = currentRequestId();
      return '';
    });
    await new MessageManager().register(operation).handle(envelope({ requestId: 'trace-7' }));
    expect(seen).toBe('trace-7');
    expect(currentRequestId()).toBeUndefined();
  });

  it('does not start a request its caller already cancelled', async () => {
    const { operation, run } = echo();
    const controller = new AbortController();
    controller.abort();
    const manager = new MessageManager().register(operation);
    await expect(manager.handle(envelope({ signal: controller.signal }))).rejects.toThrow(
      'request cancelled',
    );
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses to register two operations of one name', () => {
    expect(() => new MessageManager().register(echo().operation, echo().operation)).toThrow(
      'operation echo registered twice',
    );
  });
});
