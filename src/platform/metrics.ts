import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per app instance, so tests can build several apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'hebao_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ledgerTransfers: new Counter({
      name: 'hebao_ledger_transfers_total',
      help: 'Transfers the ledger answered, by outcome',
      labelNames: ['result'],
      registers: [registry],
    }),
    ledgerBatchSize: new Histogram({
      name: 'hebao_ledger_batch_transfers',
      help: 'Transfers per group-commit batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers: [registry],
    }),
    ledgerBatchSeconds: new Histogram({
      name: 'hebao_ledger_batch_duration_seconds',
      help: 'Time for one group-commit batch, from its start to commit',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
