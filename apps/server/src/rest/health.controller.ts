import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthChecker } from '@quarry/observability';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthChecker) {}

  /** Liveness: the process answers. Never touches a dependency, so it cannot hang. */
  @Get()
  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: Elasticsearch and Redis each with status and latency; 503 while either is down. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const readiness = await this.health.readiness();
    response.status(readiness.status === 'ready' ? 200 : 503);
    return readiness;
  }
}
