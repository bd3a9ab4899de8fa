/**
 * The cloud server's Prometheus metrics (prom-client), on a Registry of its own per server (never the
 * global one: two servers in one process, as in the tests, keep separate counts). Served at GET /metrics.
 *
 *   splitee_requests_total{route, model, split, code}       counter   every answered request
 *   splitee_request_duration_seconds{route}                  histogram arrival -> response finished
 *   splitee_request_body_bytes_total{model}                  counter   resume request bytes read
 *   splitee_requests_in_flight                               gauge     admitted, not yet answered
 *   splitee_open_connections                                 gauge
 *   splitee_rejected_total{reason}                           counter   connections / requests refused with 503
 *   splitee_limit{limit}                                     gauge     this process's bounds: max_connections,
 *                                                                      max_in_flight, max_queued (a worker's share)
 *   + prom-client's default process metrics (RSS, heap, event-loop lag, ...) with prefix splitee_
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Route = 'resume' | 'models' | 'healthz' | 'readyz' | 'metrics' | 'other';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'model' | 'split' | 'code'>;
  readonly duration: Histogram<'route'>;
  readonly bodyBytes: Counter<'model'>;
  readonly inFlight: Gauge;
  readonly connections: Gauge;
  readonly rejected: Counter<'reason'>;
  readonly limits: Gauge<'limit'>;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'splitee_requests_total', help: 'Answered requests by route, model, split and HTTP status', labelNames: ['route', 'model', 'split', 'code'], registers });
    this.duration = new Histogram({
      name: 'splitee_request_duration_seconds',
      help: 'Request arrival to response finished, seconds',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.bodyBytes = new Counter({ name: 'splitee_request_body_bytes_total', help: 'Resume request body bytes read', labelNames: ['model'], registers });
    this.inFlight = new Gauge({ name: 'splitee_requests_in_flight', help: 'Requests admitted and not yet answered', registers });
    this.connections = new Gauge({ name: 'splitee_open_connections', help: 'Open client connections', registers });
    this.rejected = new Counter({ name: 'splitee_rejected_total', help: 'Connections or requests refused with 503 (reason: connections, in_flight, draining, queue_full, predicted_wait, waited)', labelNames: ['reason'], registers });
    this.limits = new Gauge({ name: 'splitee_limit', help: "This process's admission bounds (max_connections, max_in_flight, max_queued: a worker's share of --max-queued)", labelNames: ['limit'], registers });
    collectDefaultMetrics({ register: this.registry, prefix: 'splitee_' });
  }

  /** One answered request. `model` and `split` are '' when not applicable or unknown. */
  observe(route: Route, model: string, split: string, code: number, seconds: number): void {
    this.requests.inc({ route, model, split, code: String(code) });
    this.duration.observe({ route }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
