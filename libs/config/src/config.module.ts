import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { QuarryConfig } from './config';

/** The process's configuration, read and validated once at start-up. */
export const CONFIG = Symbol('QuarryConfig');
/** True in a process that serves (server, stdio): it follows other instances and runs background work. */
export const SERVING = Symbol('Serving');

/** A configuration whose services are resolved: the app connects to these URLs and starts nothing. */
export type ConnectedConfig = QuarryConfig & { elasticsearchUrl: string };

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ConnectedConfig, serving: boolean): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: SERVING, useValue: serving },
      ],
      exports: [CONFIG, SERVING],
    };
  }
}
