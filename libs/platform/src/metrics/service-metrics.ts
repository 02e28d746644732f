import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import type { ServiceConfig } from '../config';

/**
 * The Prometheus metrics of one service process, in a registry of its own (several
 * services may share a test process), labelled with the service and the instance.
 * Metrics are made once by name: asking again for one returns it.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  constructor(config: Pick<ServiceConfig, 'service' | 'instanceId'>) {
    this.registry.setDefaultLabels({ service: config.service, instance: config.instanceId });
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(options: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (
      this.existing<Counter<L>>(options.name) ??
      new Counter({ ...options, registers: [this.registry] })
    );
  }

  gauge<L extends string>(options: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return (
      this.existing<Gauge<L>>(options.name) ?? new Gauge({ ...options, registers: [this.registry] })
    );
  }

  histogram<L extends string>(options: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (
      this.existing<Histogram<L>>(options.name) ??
      new Histogram({ ...options, registers: [this.registry] })
    );
  }

  private existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(name) as M | undefined;
  }
}
