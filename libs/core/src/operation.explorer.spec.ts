import { Module, type Type } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { MessageManager, type Operation } from './message-manager';
import { operationRef } from './operation-ref';
import { OperationExplorer } from './operation.explorer';
import { Operations, type OperationSource } from './operations.decorator';

const ECHO = operationRef<object, string>('echo');
const SHOUT = operationRef<object, string>('shout');

const op = (name: string): Operation<never, unknown> => ({
  name,
  description: name,
  role: 'reader',
  run: async () => name,
});

function appWith(names: string[]): Type {
  @Operations()
  class Ops implements OperationSource {
    operations() {
      return names.map(op);
    }
  }
  @Module({
    imports: [DiscoveryModule],
    providers: [{ provide: MessageManager, useValue: new MessageManager() }, OperationExplorer, Ops],
  })
  class App {}
  return App;
}

describe('OperationExplorer start-up check', () => {
  it('refuses to start when an operation an edge references has no operation', async () => {
    await expect(NestFactory.createApplicationContext(appWith([ECHO]), { logger: false })).rejects.toThrow(
      /no operation registered for shout/,
    );
  });

  it('starts when every referenced operation is registered, and refs type the result', async () => {
    const app = await NestFactory.createApplicationContext(appWith([ECHO, SHOUT]), { logger: false });
    try {
      const manager = app.get(MessageManager);
      const result: string = await manager.handle({
        op: SHOUT,
        args: {},
        principal: { id: 't', role: 'reader' },
        transport: 'internal',
        requestId: 'r',
      });
      expect(result).toBe('shout');
    } finally {
      await app.close();
    }
  });
});
