import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceMetrics } from './service-metrics';

interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: string };
}

/**
 * Express middleware: every request's duration in `http_request_duration_seconds`, by
 * method, route pattern (`/api/rooms/:id`, never the ids themselves) and status.
 * Requests no route took are `unmatched`, so scanners cannot grow the label set.
 */
export function httpMetrics(metrics: ServiceMetrics) {
  const duration = metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return (request: RoutedRequest, response: ServerResponse, next: () => void): void => {
    const stop = duration.startTimer();
    response.once('finish', () => {
      const path = request.route?.path;
      stop({
        method: request.method ?? 'unknown',
        route: path === undefined ? 'unmatched' : `${request.baseUrl ?? ''}${path}`,
        status: String(response.statusCode),
      });
    });
    next();
  };
}
