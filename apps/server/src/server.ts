import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import pinoHttp from 'pino-http';
import type { QuarryConfig } from '@quarry/config';
import { createLogger } from '@quarry/observability';
import { AppModule } from './app.module';
import { bootRuntime, type QuarryRuntime } from '@quarry/runtime';

export const BODY_LIMIT = '20mb';

export interface RunningServer {
  url: string;
  port: number;
  runtime: QuarryRuntime;
  app: NestExpressApplication;
  close(): Promise<void>;
}

/**
 * Starts one Quarry instance: services (embedded or configured), indices, then the HTTP
 * server. Used by `npm start`, the CLI and the integration tests alike.
 */
export async function startServer(config: QuarryConfig): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const runtime = await bootRuntime(config, logger);
  try {
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRuntime(runtime), {
      logger: ['error', 'warn'],
      bodyParser: false,
    });
    app.disable('x-powered-by');
    // Bulk ingest carries up to 1,000 documents; the limit keeps one request from exhausting memory.
    app.useBodyParser('json', { limit: BODY_LIMIT });
    app.use(
      pinoHttp({
        logger,
        genReqId: (req, res) => {
          const incoming = req.headers['x-request-id'];
          const id =
            typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
          res.setHeader('X-Request-Id', id);
          return id;
        },
        autoLogging: { ignore: (req) => req.url === '/health' },
      }),
    );
    const openApi = SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Quarry').setDescription('Search for agents and apps').setVersion('1').build(),
    );
    (app.getHttpAdapter().getInstance() as Express).get('/openapi.json', (_req, res) => {
      res.json(openApi);
    });
    await app.listen(config.port, config.host);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      runtime,
      app,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await runtime.close();
        })()),
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
