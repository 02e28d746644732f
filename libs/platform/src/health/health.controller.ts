import { Controller, Get, type OnModuleInit } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HealthRegistry } from './health-registry';
import { KafkaHealthIndicator } from './kafka.health';

const CHECK_TIMEOUT_MS = 2_000;

/** `GET /health`: 200 `{status: "ok", ...}` when every dependency answers, 503 otherwise. */
@Controller('health')
export class HealthController implements OnModuleInit {
  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: HealthRegistry,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
  ) {}

  onModuleInit(): void {
    this.registry.register(() =>
      this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
    );
    this.registry.register(() => this.kafka.check('kafka', CHECK_TIMEOUT_MS));
  }

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([...this.registry.all()]);
  }
}
