import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pinoHttp from 'pino-http';
import type { QuarryConfig } from '@quarry/config';
import { createLogger } from '@quarry/observability';
import { setupIndices } from '@quarry/search';
import { ensureServices } from '@quarry/services';
import { AppModule } from './app.module';
import { createRuntime, type QuarryRuntime } from './runtime';

export interface RunningServer {
  url: string;
  port: number;
  runtime: QuarryRuntime;
  app: NestExpressApplication;
  close(): Promise<void>;
}

/** Dimensions of the default embedder until the embeddings library is wired in. */
const LOCAL_EMBEDDER = { id: 'local:use-lite-512', dims: 512 };

/**
 * Starts one Quarry instance: services (embedded or configured), indices, then the HTTP
 * server. Used by `npm start`, the CLI and the integration tests alike.
 */
export async function startServer(config: QuarryConfig): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const endpoints = await ensureServices(config, (message) => logger.info(message));
  const runtime = createRuntime(config, endpoints, logger);
  try {
    const indices = await setupIndices(runtime.elasticsearch, config.indexPrefix, LOCAL_EMBEDDER);
    for (const index of indices)
      logger.info({ alias: index.alias, index: index.index, action: index.action }, 'index ready');

    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRuntime(runtime), {
      logger: ['error', 'warn'],
      bodyParser: true,
    });
    app.disable('x-powered-by');
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
