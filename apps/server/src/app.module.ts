import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphqlApiModule } from './graphql/graphql.module';
import { DocumentsController } from './rest/documents.controller';
import { QuarryExceptionFilter } from './rest/exception.filter';
import { HealthController } from './rest/health.controller';
import { IngestionController } from './rest/ingestion.controller';
import { RegistryController } from './rest/registry.controller';
import { ReindexController } from './rest/reindex.controller';
import { SearchController } from './rest/search.controller';
import { RUNTIME, type QuarryRuntime } from '@quarry/runtime';

@Module({})
export class AppModule {
  static forRuntime(runtime: QuarryRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [GraphqlApiModule.forRuntime(runtime)],
      controllers: [
        HealthController,
        DocumentsController,
        SearchController,
        RegistryController,
        IngestionController,
        ReindexController,
      ],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: APP_FILTER, useValue: new QuarryExceptionFilter(runtime.logger) },
      ],
    };
  }
}
