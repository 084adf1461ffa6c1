import client from 'prom-client';

/** Metric names, in one place, with unit suffixes. */
export const METRIC = {
  recordsIn: 'scorestream_records_in_total',
  recordsOut: 'scorestream_records_out_total',
  recordsDlq: 'scorestream_records_dlq_total',
  enumDefaulted: 'scorestream_enum_defaulted_total',
  recordsDuplicate: 'scorestream_records_duplicate_total',
  producerFenced: 'scorestream_producer_fenced_total',
  partitionStalled: 'scorestream_partition_stalled',
  batchRecords: 'scorestream_batch_records',
  batchSeconds: 'scorestream_batch_seconds',
  inferenceSeconds: 'scorestream_inference_seconds',
  endToEndSeconds: 'scorestream_end_to_end_latency_seconds',
  stageSeconds: 'scorestream_record_stage_seconds',
  cacheHits: 'scorestream_cache_hits_total',
  cacheMisses: 'scorestream_cache_misses_total',
  fallbacks: 'scorestream_fallbacks_total',
  breakerOpen: 'scorestream_breaker_open',
  modelSwaps: 'scorestream_model_swaps_total',
  modelRollbacks: 'scorestream_model_rollbacks_total',
  providerFallbacks: 'scorestream_execution_provider_fallbacks_total',
  consumerLag: 'scorestream_consumer_lag_records',
  ready: 'scorestream_ready',
  replayDone: 'scorestream_replay_records_done',
  replayTotal: 'scorestream_replay_range_records',
  propertyRejected: 'scorestream_property_records_rejected_total',
  propertyTombstones: 'scorestream_property_tombstones_total',
  kafkaRetries: 'scorestream_kafka_retries_total',
  rebalances: 'scorestream_rebalances_total',
  modelRefused: 'scorestream_model_versions_refused_total',
  modelServing: 'scorestream_model_serving',
} as const;

export type Metrics = ReturnType<typeof createMetrics>;

/** The process's CPU, memory, event loop and GC metrics. */
export function collectProcessMetrics(registry: client.Registry): void {
  client.collectDefaultMetrics({ register: registry, prefix: 'scorestream_' });
}

/**
 * Creates every metric on `registry` (passed in, so tests and several processors stay apart).
 * The process's own metrics (CPU, memory, event loop) come with them, unless `processMetrics` is
 * false: a stream thread's registry leaves them to the main thread, which has the one process.
 */
export function createMetrics(registry: client.Registry, options: { processMetrics?: boolean } = {}) {
  if (options.processMetrics !== false) collectProcessMetrics(registry);
  const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    recordsIn: new client.Counter({ name: METRIC.recordsIn, help: 'input records processed (committed), by topic', labelNames: ['topic'], registers: [registry] }),
    recordsOut: new client.Counter({ name: METRIC.recordsOut, help: 'output records committed, by topic', labelNames: ['topic'], registers: [registry] }),
    recordsDlq: new client.Counter({ name: METRIC.recordsDlq, help: 'records sent to a DLQ, by input topic and reason', labelNames: ['topic', 'reason'], registers: [registry] }),
    enumDefaulted: new client.Counter({ name: METRIC.enumDefaulted, help: 'enum symbols our input schema lacks (added by a newer producer schema), read as the enum default, by input topic and field', labelNames: ['topic', 'field'], registers: [registry] }),
    producerFenced: new client.Counter({ name: METRIC.producerFenced, help: 'transactions aborted because the producer was fenced (another instance took its partition, or the transaction outlived its timeout); each is followed by a rejoin', registers: [registry] }),
    recordsDuplicate: new client.Counter({ name: METRIC.recordsDuplicate, help: 'input records whose event_id the lead had already seen: neither applied nor scored again, by topic', labelNames: ['topic'], registers: [registry] }),
    partitionStalled: new client.Gauge({ aggregator: 'max', name: METRIC.partitionStalled, help: '1 while a partition has been processing one batch, or failing, for longer than health.stallTimeoutMs', labelNames: ['partition'], registers: [registry] }),
    batchRecords: new client.Histogram({ name: METRIC.batchRecords, help: 'records per partition batch (one transaction)', buckets: [1, 8, 32, 64, 128, 256, 512, 1024, 4096], registers: [registry] }),
    batchSeconds: new client.Histogram({ name: METRIC.batchSeconds, help: 'time to process and commit one partition batch', buckets: latencyBuckets, registers: [registry] }),
    inferenceSeconds: new client.Histogram({ name: METRIC.inferenceSeconds, help: 'time of one inference call, by model', labelNames: ['model'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [registry] }),
    endToEnd: new client.Histogram({ name: METRIC.endToEndSeconds, help: 'from the input record timestamp to the commit of its outputs', buckets: latencyBuckets, registers: [registry] }),
    stageSeconds: new client.Histogram({
      name: METRIC.stageSeconds,
      help: "where an input record's time goes until its outputs are committed, one observation per record and stage: fetch (its timestamp to its delivery to the processor), merge (delivery to the start of its batch: waiting for the other input and for earlier batches), compute (decode, state, features, inference, encode, and any wait for a dependency that was down), commit (the transaction and the state write)",
      labelNames: ['stage'],
      buckets: [0.001, 0.0025, ...latencyBuckets],
      registers: [registry],
    }),
    cacheHits: new client.Counter({ name: METRIC.cacheHits, help: 'result cache hits', registers: [registry] }),
    cacheMisses: new client.Counter({ name: METRIC.cacheMisses, help: 'result cache misses', registers: [registry] }),
    fallbacks: new client.Counter({ name: METRIC.fallbacks, help: 'batches answered by a rule-based fallback, by model and reason', labelNames: ['model', 'reason'], registers: [registry] }),
    breakerOpen: new client.Gauge({ aggregator: 'max', name: METRIC.breakerOpen, help: '1 while a model circuit breaker is open or half-open', labelNames: ['model'], registers: [registry] }),
    modelSwaps: new client.Counter({ aggregator: 'max', name: METRIC.modelSwaps, help: 'model versions put into service, by model and version', labelNames: ['model', 'version'], registers: [registry] }),
    modelRollbacks: new client.Counter({ aggregator: 'max', name: METRIC.modelRollbacks, help: 'versions that failed in service and were replaced by the version they had replaced, by model, from and to', labelNames: ['model', 'from', 'to'], registers: [registry] }),
    providerFallbacks: new client.Counter({ aggregator: 'max', name: METRIC.providerFallbacks, help: 'models loaded on CPU because the requested provider was unavailable', labelNames: ['model'], registers: [registry] }),
    consumerLag: new client.Gauge({ name: METRIC.consumerLag, help: 'records behind the end of each input partition, as of the last fetch', labelNames: ['topic', 'partition'], registers: [registry] }),
    replayDone: new client.Gauge({ name: METRIC.replayDone, help: 'records of the replay range re-scored so far, by run', labelNames: ['run'], registers: [registry] }),
    replayTotal: new client.Gauge({ name: METRIC.replayTotal, help: 'records in the replay range, by run', labelNames: ['run'], registers: [registry] }),
    ready: new client.Gauge({ aggregator: 'min', name: METRIC.ready, help: '1 when the property table and the state of every assigned partition are caught up', registers: [registry] }),
    propertyRejected: new client.Counter({ aggregator: 'max', name: METRIC.propertyRejected, help: 'property.events records this instance did not apply to its property table because they are bad (each goes to the DLQ once, from one instance), by reason', labelNames: ['reason'], registers: [registry] }),
    kafkaRetries: new client.Counter({ name: METRIC.kafkaRetries, help: 'KafkaJS log lines of conditions it retries by itself, logged below ERROR and at most one a kind per 10 s, by kind: response (a retried protocol error answer, e.g. CONCURRENT_TRANSACTIONS), produce, connection, consumer_restart, rejoin', labelNames: ['kind'], registers: [registry] }),
    rebalances: new client.Counter({ name: METRIC.rebalances, help: "partition assignments this instance's group members received: one per rebalance they took part in", registers: [registry] }),
    modelRefused: new client.Counter({ aggregator: 'max', name: METRIC.modelRefused, help: 'model versions that failed to load or to pass their checks and were not put into service, by model and reason (the error code, lower case)', labelNames: ['model', 'reason'], registers: [registry] }),
    modelServing: new client.Gauge({ aggregator: 'max', name: METRIC.modelServing, help: '1 for the version each model serves (version="fallback", precision="rules" while no version is loaded), by model, version and precision', labelNames: ['model', 'version', 'precision'], registers: [registry] }),
    propertyTombstones: new client.Counter({ aggregator: 'max', name: METRIC.propertyTombstones, help: 'property.events tombstones read by this instance, by outcome: removed (the listing), no_key or unknown_listing (ignored)', labelNames: ['outcome'], registers: [registry] }),
  };
}
