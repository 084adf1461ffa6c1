import { bool, hostPortList, httpUrl, int, oneOf, str, versionPolicy, type FieldValue } from './fields';

/**
 * Every setting of scorestream, with its default and what it does. `scorestream config` prints
 * them; a config file (JSON, dotted or nested keys) and environment variables override defaults,
 * environment last. Defaults that performance depends on are set by measurement (bench/README.md).
 */
export const SCHEMA = {
  appId: str('app.id', 'scorestream', 'names the consumer group, transactional ids and changelog topic; instances of one deployment share it'),
  brokers: hostPortList('kafka.brokers', 'bootstrap servers host:port,...; empty (with registry.url empty too): start the local services (development only)', ['KAFKA_BROKERS']),
  clientId: str('kafka.clientId', 'scorestream', 'Kafka client id prefix'),
  tls: bool('kafka.tls.enabled', false, 'connect to the brokers with TLS'),
  tlsCaFile: str('kafka.tls.caFile', '', 'PEM file of the CA that signed the brokers (empty: the system CAs)'),
  saslMechanism: oneOf('kafka.sasl.mechanism', ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, 'none', 'SASL mechanism'),
  saslUsername: str('kafka.sasl.username', '', 'SASL user'),
  saslPassword: str('kafka.sasl.password', '', 'SASL password', [], true),
  registryUrl: httpUrl('registry.url', 'Confluent-compatible schema registry URL; required with kafka.brokers; empty (with kafka.brokers empty too): the local registry', ['SCHEMA_REGISTRY_URL']),
  registryTimeoutMs: int('registry.timeoutMs', 10_000, 'how long a schema registry request may take before it counts as unanswered', 100, 300_000),
  registryUsername: str('registry.username', '', 'registry basic-auth user'),
  registryPassword: str('registry.password', '', 'registry basic-auth password', [], true),
  topicPrefix: str('topics.prefix', '', 'prepended to every topic name, so deployments or test runs can share a cluster'),
  partitions: int('topics.partitions', 6, 'partitions of lead.events and engagement.events when scorestream creates them (co-partitioned)', 1, 10_000),
  replicationFactor: int('topics.replicationFactor', 1, 'replication factor of topics scorestream creates (3 in production)', 1, 10),
  processingGuarantee: oneOf('processing.guarantee', ['exactly_once', 'at_least_once'] as const, 'exactly_once', 'exactly_once: outputs, changelog and offsets in one transaction per batch; at_least_once: no transactions (a crash repeats outputs since the last commit), for comparison'),
  processingThreads: int('processing.threads', 1, 'stream threads in this process (worker threads, as Kafka Streams num.stream.threads): each is a member of the group with its own clients, producers, partitions and state under state.dir/thread-<n>; one /metrics, /readyz and SIGTERM for all', 1, 64),
  // 25 ms by measurement (bench/README.md): at 300 and 1,000 events/s it cut p50 and p99 by about
  // a sixth against 0, with the same CPU; 50 and 100 ms take less CPU and add latency.
  commitIntervalMs: int('processing.commitIntervalMs', 25, "least time between two transactions of a partition (Kafka Streams' commit.interval.ms): records that arrive meanwhile wait and go in the next one, unless a full batch is buffered; 0: each batch commits as soon as the one before has", 0, 60_000),
  batchMaxRecords: int('batch.maxRecords', 512, 'a partition batch is scored when it holds this many records...', 1, 100_000),
  batchLingerMs: int('batch.lingerMs', 5, '...or when its oldest record has waited this long (inference combines the batches of several partitions meanwhile)', 0, 60_000),
  sessionTimeoutMs: int('consumer.sessionTimeoutMs', 30_000, 'how long the group waits for a silent instance before moving its partitions', 6_000, 300_000),
  rebalanceTimeoutMs: int('consumer.rebalanceTimeoutMs', 60_000, 'how long a rebalance waits for members to rejoin', 1_000, 600_000),
  // Bounded memory: a side of a partition is paused once batch.maxRecords x 4 records wait in its
  // merge, so what is held is that plus at most one fetch, bounded by these two.
  fetchMaxBytesPerPartition: int('consumer.maxBytesPerPartition', 1_048_576, 'most bytes fetched from one partition at a time', 1024, 1_073_741_824),
  fetchMaxBytes: int('consumer.maxBytes', 10_485_760, 'most bytes fetched in one request across partitions', 1024, 1_073_741_824),
  compression: oneOf('kafka.compression', ['gzip', 'lz4', 'snappy', 'none'] as const, 'gzip', 'codec of the outputs, changelog and DLQ records: gzip compresses best and every client reads it; lz4 and snappy cost the processor about 0.05 CPU s per 1,000 events less, and your consumers must read them; inputs are read in any codec (gzip, snappy, lz4, zstd)'),
  maxBatchBytes: int('kafka.maxBatchBytes', 1_000_000, "most bytes of records written to one partition in one produce request; keep it under the brokers' message.max.bytes and the topics' max.message.bytes (1,048,588 by default): a larger transaction is split over several requests, and a DLQ copy larger than this is cut, with the original's size and SHA-256 in headers", 65_536, 1_073_741_824),
  maxFutureMs: int('validation.maxFutureMs', 3_600_000, "an event whose occurred_at is more than this after its record's timestamp goes to the DLQ (feature_invalid)", 0, 100 * 365 * 86_400_000),
  maxPastMs: int('validation.maxPastMs', 3650 * 86_400_000, "an event whose occurred_at is more than this before its record's timestamp goes to the DLQ (feature_invalid); raise it to load older history", 0, 100 * 365 * 86_400_000),
  stallTimeoutMs: int('health.stallTimeoutMs', 60_000, 'a partition whose batch has been processing, or failing, this long is stalled: /healthz and /readyz answer 503 and scorestream_partition_stalled is 1', 1_000, 3_600_000),
  cacheMaxEntries: int('cache.maxEntries', 0, 'in-memory result cache entries (LRU) in front of RocksDB; 0 (the default) disables it: measured, it pays only where identical feature rows recur', 0, 100_000_000),
  cacheTtlMs: int('cache.ttlMs', 3_600_000, 'how long a cached score may be reused', 0, 365 * 86_400_000),
  modelsDir: str('models.dir', 'models', 'where models/<name>/<version>/ live'),
  // auto by default: the statically quantized model, whose activation scales are constants of the
  // graph, scores a record the same whatever its batch, so INT8 keeps the guarantee of equal outputs
  // whatever the batch boundaries; each version is checked against its manifest (src/registry/precision.ts).
  precision: oneOf('models.precision', ['auto', 'fp32', 'int8'] as const, 'auto', "auto: static INT8 on the cpu provider for a version whose manifest shows it batch-independent and its holdout AUC within 0.003 of fp32, else fp32 with a log line saying why; int8 or fp32: that precision, or the version is refused"),
  provider: oneOf('models.provider', ['cpu', 'cuda'] as const, 'cpu', 'ONNX Runtime execution provider; cuda falls back to cpu when not installed'),
  inference: oneOf('models.inference', ['worker', 'inline'] as const, 'worker', "where ONNX Runtime runs: worker (a worker thread per processor, off its event loop) or inline (on the processor's own thread: with processing.threads > 1 that is its stream thread, not the main thread)"),
  intraOpThreads: int('models.intraOpThreads', 1, 'ONNX Runtime threads per session', 1, 256),
  backend: oneOf('models.backend', ['local', 'remote'] as const, 'local', 'local: ONNX Runtime in this process; remote: an inference server speaking the Open Inference Protocol (KServe v2 gRPC: Triton, KServe, MLServer) at models.remote.url, hosting the versions of models.dir (scorestream models export)'),
  remoteUrl: str('models.remote.url', '', 'the inference server, grpc://host:port (plain) or grpcs://host:port (TLS); required with models.backend=remote'),
  remoteTimeoutMs: int('models.remote.timeoutMs', 2_000, 'how long one inference request may take, waiting for a free slot included, before it counts as a failure of the server', 10, 600_000),
  remoteMaxBatchRows: int('models.remote.maxBatchRows', 4_096, "most rows in one inference request: a larger micro-batch is sent as several (the models' scores do not depend on the batch); at most the server's max_batch_size (scorestream models export writes this value)", 1, 1_048_576),
  remoteMaxInFlight: int('models.remote.maxInFlight', 4, 'most inference requests this process has outstanding at the server at once; more wait for a slot', 1, 1024),
  remoteFallback: oneOf('models.remote.fallback', ['rules', 'local'] as const, 'rules', "what answers while the inference server does not (x-fallback: remote_unavailable): rules, each model's rule-based fallback; local, the same version in ONNX Runtime in this process (loaded and checked beside the remote one; the rules where it could not be)"),
  remoteTlsCaFile: str('models.remote.tls.caFile', '', 'PEM file of the CA that signed the server (grpcs; empty: the system CAs)'),
  remoteTlsCertFile: str('models.remote.tls.certFile', '', 'PEM client certificate, for a server that asks for one (grpcs)'),
  remoteTlsKeyFile: str('models.remote.tls.keyFile', '', 'PEM key of models.remote.tls.certFile', [], true),
  leadScorerVersion: versionPolicy('models.leadScorer.version', 'lead_scorer version: latest or pinned'),
  propertyMatcherVersion: versionPolicy('models.propertyMatcher.version', 'property_matcher version: latest or pinned'),
  churnPredictorVersion: versionPolicy('models.churnPredictor.version', 'churn_predictor version: latest or pinned'),
  modelsPollMs: int('models.pollMs', 5_000, 'how often a running processor looks for a newer version under the latest policy (0: only on SIGHUP or the admin endpoint)', 0, 3_600_000),
  breakerFailures: int('breaker.failureThreshold', 5, 'consecutive inference failures that open a model circuit breaker', 1, 1000),
  breakerCooldownMs: int('breaker.cooldownMs', 30_000, 'how long an open breaker waits before a trial call', 1, 3_600_000),
  stateDir: str('state.dir', '.scorestream/state', 'RocksDB directory (a cache of the changelog: deleting it costs only restore time)'),
  httpHost: str('http.host', '0.0.0.0', 'address of /metrics, /healthz and /readyz'),
  httpPort: int('http.port', 9464, 'port of /metrics, /healthz and /readyz (0: off)', 0, 65535),
  httpAdmin: bool('http.admin', false, 'serve POST /models/<name>?version=<x.y.z|latest> (switch a model version at run time) on the admin listener, http.admin.host:http.admin.port'),
  httpAdminHost: str('http.admin.host', '127.0.0.1', 'address of the admin listener; loopback by default, as it changes what the processor serves'),
  httpAdminPort: int('http.admin.port', 9465, 'port of the admin listener (apart from http.port)', 1, 65535),
  httpAdminToken: str('http.admin.token', '', 'when set, admin requests must send Authorization: Bearer <token>', [], true),
  logLevel: oneOf('log.level', ['debug', 'info', 'warn', 'error'] as const, 'info', 'log level'),
  // Training labels from observed outcomes (src/features/labels.ts); a row whose horizon passes the end of the data is censored.
  labelConvertedDays: int('labels.convertedDays', 30, 'lead_scorer label: converted = a STATUS_CHANGED to CLOSED_WON within this many days after the scored event', 1, 3650),
  labelChurnedDays: int('labels.churnedDays', 21, 'churn_predictor label: churned = no engagement within this many days after the scored event', 1, 3650),
  labelTouredDays: int('labels.touredDays', 14, 'property_matcher label: toured = a TOUR_REQUEST for the listing within this many days after the scored event', 1, 3650),
  shutdownTimeoutMs: int('shutdown.timeoutMs', 20_000, 'after SIGTERM or SIGINT, `run` finishes the batch in flight and leaves the group; if that takes longer than this it exits 1 at once (a second signal exits at once too)', 1_000, 600_000),
} as const;

export type Config = { readonly [K in keyof typeof SCHEMA]: FieldValue<(typeof SCHEMA)[K]> };
