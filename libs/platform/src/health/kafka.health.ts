import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { KafkaConnection } from '../kafka';

@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check<const Key extends string>(key: Key, timeoutMs: number) {
    const indicator = this.indicators.check(key);
    try {
      await this.connection.ping(timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
