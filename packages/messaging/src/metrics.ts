import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The messaging layer's metrics, registered once on the service's registry. */
export class MessagingMetrics {
  readonly consumed: Counter<'stage'>;
  readonly acked: Counter<'stage'>;
  readonly retried: Counter<'stage' | 'reason'>;
  readonly deadLettered: Counter<'stage' | 'reason'>;
  readonly handlerDuration: Histogram<'stage' | 'outcome'>;
  readonly inFlight: Gauge<'stage'>;
  readonly publishConfirmDuration: Histogram<'exchange'>;
  readonly publishRefused: Counter<'exchange'>;
  readonly connected: Gauge;
  readonly reconnects: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.consumed = new Counter({
      name: 'tributary_messages_consumed_total',
      help: 'Messages delivered to a handler',
      labelNames: ['stage'],
      registers,
    });
    this.acked = new Counter({
      name: 'tributary_messages_acked_total',
      help: 'Messages acknowledged after their outcome was safe',
      labelNames: ['stage'],
      registers,
    });
    this.retried = new Counter({
      name: 'tributary_messages_retried_total',
      help: 'Messages sent to a delay queue for another attempt',
      labelNames: ['stage', 'reason'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'tributary_messages_dead_lettered_total',
      help: 'Messages sent to the stage dead-letter queue',
      labelNames: ['stage', 'reason'],
      registers,
    });
    this.handlerDuration = new Histogram({
      name: 'tributary_handler_duration_seconds',
      help: 'Time from delivery to ack, by outcome',
      labelNames: ['stage', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'tributary_messages_in_flight',
      help: 'Messages delivered and not yet acknowledged',
      labelNames: ['stage'],
      registers,
    });
    this.publishConfirmDuration = new Histogram({
      name: 'tributary_publish_confirm_seconds',
      help: 'Time from publish to broker confirm',
      labelNames: ['exchange'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.publishRefused = new Counter({
      name: 'tributary_publish_refused_total',
      help: 'Publishes the broker refused (queue full), retried after a backoff',
      labelNames: ['exchange'],
      registers,
    });
    this.connected = new Gauge({
      name: 'tributary_broker_connected',
      help: '1 while connected to the broker',
      registers,
    });
    this.reconnects = new Counter({
      name: 'tributary_broker_reconnects_total',
      help: 'Connections established after the first',
      registers,
    });
  }
}
