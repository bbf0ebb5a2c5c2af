import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from './logger';
import { QuarryMetrics } from './metrics';

export const LOGGER = Symbol('Logger');

/** The process's logger and its Prometheus metrics, shared by every module. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [{ provide: LOGGER, useValue: logger }, QuarryMetrics],
      exports: [LOGGER, QuarryMetrics],
    };
  }
}
