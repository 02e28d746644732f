import { Controller, Get, type OnModuleInit } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HealthRegistry } from './health-registry';
import { KafkaHealthIndicator } from './kafka.health';
import { reusedFor } from './reused-for';

const CHECK_TIMEOUT_MS = 2_000;
// Each check pings the database and asks Kafka for its cluster: however often /health is
// called (by probes, monitors, or anyone through the edge), that runs at most once a second.
const REUSE_MS = 1_000;

/**
 * `GET /health`, the readiness check: 200 `{status: "ok", ...}` when every dependency
 * answers, 503 otherwise (an answer up to a second old). `GET /health/live`, the liveness
 * check: 200 whenever the event loop runs, and nothing else, so a database or broker away
 * takes instances out of rotation without an orchestrator restarting all of them at once.
 */
@Controller('health')
export class HealthController implements OnModuleInit {
  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: HealthRegistry,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
  ) {}

  private readonly readiness = reusedFor(REUSE_MS, () =>
    this.health.check([...this.registry.all()]),
  );

  onModuleInit(): void {
    this.registry.register(() =>
      this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
    );
    this.registry.register(() => this.kafka.check('kafka', CHECK_TIMEOUT_MS));
  }

  @Get()
  @HealthCheck()
  check() {
    return this.readiness();
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
