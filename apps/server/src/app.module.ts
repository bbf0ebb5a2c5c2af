import { DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './rest/health.controller';
import { RUNTIME, type QuarryRuntime } from './runtime';

@Module({})
export class AppModule {
  static forRuntime(runtime: QuarryRuntime): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController],
      providers: [{ provide: RUNTIME, useValue: runtime }],
    };
  }
}
