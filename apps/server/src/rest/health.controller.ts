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

  /**
   * Readiness: Elasticsearch and Redis each with status and latency. 200 while the cluster serves
   * (`ready`, or `degraded` with the reasons when Redis is down: reads served, writes refused); 503
   * only when no listed Elasticsearch node can serve.
   */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const readiness = await this.health.readiness();
    response.status(readiness.status === 'not_ready' ? 503 : 200);
    return readiness;
  }
}
