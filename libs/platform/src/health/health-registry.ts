import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * What `GET /health` checks. The platform registers the database and Kafka; a feature
 * that can fail on its own (a consumer that stopped, say) registers itself too.
 */
@Injectable()
export class HealthRegistry {
  private readonly indicators: HealthIndicatorFunction[] = [];

  register(indicator: HealthIndicatorFunction): void {
    this.indicators.push(indicator);
  }

  all(): readonly HealthIndicatorFunction[] {
    return this.indicators;
  }
}
