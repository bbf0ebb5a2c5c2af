import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RUNTIME, type QuarryRuntime } from '@quarry/runtime';

@Controller('health')
export class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: QuarryRuntime) {}

  /** Liveness: the process answers. Never touches a dependency, so it cannot hang. */
  @Get()
  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: Elasticsearch and Redis each with status and latency; 503 while either is down. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const readiness = await this.runtime.health.readiness();
    response.status(readiness.status === 'ready' ? 200 : 503);
    return readiness;
  }
}
