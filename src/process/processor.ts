import path from 'node:path';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { InferenceCombiner } from '../batch/inference-combiner';
import { ResultCache } from '../cache/result-cache';
import type { Config } from '../config/schema';
import { CoPartitionedAssigner } from '../consume/co-partitioned-assigner';
import { CONSUMER_RETRY } from '../consume/consumer-retry';
import { isFenced, isNonRetriable, rejoinError } from '../kafka/error-kinds';
import { registryAccess, schemaRegistryClient } from '../kafka/registry-http';
import { PreviousMember } from '../consume/previous-member';
import { removeMembersLeftByRestarts, type RestartedMemberWatch } from '../consume/restarted-member';
import { AvroDecoder, type AvroDecoderOptions } from '../decode/avro-decoder';
import { ScorestreamError, errorMessage } from '../errors';
import { MODEL_FEATURES } from '../features/spec';
import { inferenceFor, localFallbackFor } from '../infer/inference-for';
import type { Metrics } from '../ops/metrics';
import { sleep } from '../local/wait';
import { AvroEncoder } from '../publish/avro-encoder';
import { outputSchemaId } from '../publish/output-schema';
import { ModelRegistry, type RegistryEvent } from '../registry/registry';
import { registryEventLine } from '../registry/registry-event-log';
import { readSchema } from '../schemas/files';
import type { ChurnRisk, LeadScore, PropertyMatches } from '../schemas/types';
import { StateStore } from '../state/store';
import { topicNames, valueSubject, type TopicNames } from '../topics/names';
import type { Merged, Side } from '../consume/partition-merge';
import type { ModelName } from '../features/spec';
import { DependencyUnavailable, computeBatch, type BatchResult, type ComputedBatch, type TaskDeps } from './batch-task';
import { commitAtLeastOnce, commitBatch, compressionOf, type WriteOptions } from './commit-batch';
import { RecordStages } from './record-stages';
import { MergedPartitions, type MergeBounds } from './merged-partitions';
import { PartitionLoops } from './partition-loops';
import { PropertyDlqWriter } from './property-dlq';
import type { PartitionProgress } from './partition-progress';
import { ProcessorHealth } from './processor-health';
import { PropertyLoader } from './property-loader';
import { TransactionalProducers } from './producers';
import { preparePartition } from './prepare-partition';
import { TaskLocks } from './task-lock';

export interface ProcessorEvents {
  metrics?: Metrics;
  onBatch?(partition: number, result: BatchResult): void;
  onLog?(level: 'info' | 'warn' | 'error', message: string): void;
  onRegistryEvent?(event: RegistryEvent): void;
  /** The consumer can no longer make progress (it crashed for good, or stopped): the process should exit non-zero. */
  onFatal?(error: Error): void;
  /** Added to every log line, e.g. the stream thread's number. */
  logBindings?: Readonly<Record<string, string | number>>;
}

/**
 * What differs between the live processor and a replay. The live one is the default: group
 * `app.id`, every record scored by every model into the output topics.
 */
export interface ProcessorMode {
  /** Consumer group; also the prefix of the transactional ids, the state directory and the changelog topic. */
  readonly groupId: string;
  readonly replay?: TaskDeps['replay'];
  readonly outputs?: Readonly<Record<ModelName, string>>;
  readonly versions?: Partial<Readonly<Record<ModelName, string>>>;
  readonly bounds?: (partition: number) => MergeBounds | undefined;
  /** Called before a batch of partition `partition` is processed (a rate limit waits here). */
  beforeBatch?(partition: number, records: readonly Merged[]): Promise<void>;
  /** Called after a batch committed, with the partition's positions (next offset per side). */
  afterBatch?(partition: number, positions: readonly [bigint | undefined, bigint | undefined]): void;
  /** Instead of the transaction: a dry run only looks at what would be written. */
  dryRun?(batch: ComputedBatch): Promise<void>;
}

/**
 * The processor: a consumer group over lead.events and engagement.events (co-partitioned
 * assignment) whose partition p of both is merged into one order, a transactional producer per
 * partition pair, state restored from the changelog before a partition's first batch, and the
 * property table read whole. The checkpoint order is written down once, in commitBatch: outputs +
 * changelog + DLQ + both offsets in one transaction, then state into RocksDB with its changelog
 * offset. A replay is the same processor in another mode (ProcessorMode).
 */
export class Processor {
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private producers: TransactionalProducers | undefined;
  private loader: PropertyLoader | undefined;
  /** Writes property.events.dlq while partition 0 is assigned here (live mode only). */
  private propertyDlq: PropertyDlqWriter | undefined;
  private registry: ModelRegistry | undefined;
  private store: StateStore | undefined;
  private readonly locks = new TaskLocks();
  private readonly stages = new RecordStages();
  private readonly ready = new Map<number, Promise<void>>();
  private readonly names: TopicNames;
  private readonly mode: ProcessorMode;
  private merged: MergedPartitions | undefined;
  private loops: PartitionLoops | undefined;
  /** When each partition's last transaction committed (ms), for processing.commitIntervalMs. */
  private readonly lastCommit = new Map<number, number>();
  /** The error a partition's loop failed with, for the next delivery to hand to KafkaJS. */
  private loopFailure: { readonly error: unknown; readonly generation: number } | undefined;
  private stopping = false;
  private running = false;
  /** Partitions assigned here whose producers or restore are not done yet. */
  private readonly preparing = new Set<number>();
  private cache: ResultCache | undefined;
  private cacheSeen = { hits: 0, misses: 0 };
  private readonly logger: Logger;
  private pollTimer: NodeJS.Timeout | undefined;
  /** processing.guarantee=at_least_once: one idempotent producer for every partition, no transactions. */
  private plainProducer: Promise<Producer> | undefined;
  private polling: Promise<void> = Promise.resolve();
  /** Partition counts of the inputs, for the partitioning contract; read at start and at each join. */
  private readonly partitionCounts = new Map<string, number>();
  /** How batches are written: kafka.maxBatchBytes and kafka.compression. */
  private readonly writeOptions: WriteOptions;
  private readonly healthState: ProcessorHealth;
  /** In a group with an assignment: false from a crash or a rebalance until the next join. */
  private joined = false;
  /** Counts assignments: preparing a partition gives up once a newer assignment has come. */
  private generation = 0;
  /** Removes the member a crashed consumer left behind when KafkaJS restarts it (it could not leave). */
  private restartedMembers: RestartedMemberWatch | undefined;

  /** Replays are always exactly once: their resumption relies on the transaction. */
  private get atLeastOnce(): boolean {
    return this.config.processingGuarantee === 'at_least_once' && this.mode.replay === undefined;
  }

  private producer(): Promise<Producer> {
    this.plainProducer ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 20, maxRetryTime: 2_000 } });
      await p.connect();
      return p;
    })();
    return this.plainProducer;
  }

  constructor(
    private readonly config: Config,
    private readonly kafka: Kafka,
    private readonly registryUrl: string,
    private readonly events: ProcessorEvents = {},
    mode?: ProcessorMode,
  ) {
    this.mode = mode ?? { groupId: config.appId };
    this.names = topicNames(this.mode.groupId, config.topicPrefix);
    this.writeOptions = { maxBatchBytes: config.maxBatchBytes, compression: compressionOf(config.compression) };
    this.logger = pino({ level: config.logLevel, base: { app: config.appId, ...this.events.logBindings } }, pino.destination(2));
    this.healthState = new ProcessorHealth({
      stallTimeoutMs: config.stallTimeoutMs,
      ...(this.events.metrics ? { metrics: this.events.metrics } : {}),
      log: (level, message, bindings) => this.log(level, message, bindings),
      ready: () => this.isReady,
      ...(this.events.onFatal ? { onFatal: this.events.onFatal } : {}),
    });
  }

  /** Structured logs (pino, to stderr), with a child logger's bindings per partition where given. */
  private log(level: 'info' | 'warn' | 'error', message: string, bindings: Record<string, unknown> = {}): void {
    if (this.events.onLog) this.events.onLog(level, message);
    else this.logger.child(bindings)[level](message);
  }

  /** Consuming, the property table loaded, the state of every assigned partition restored, and none stalled. */
  get isReady(): boolean {
    return this.running && this.joined && this.preparing.size === 0 && this.healthState.ok;
  }

  /** Partitions (of both inputs) assigned to this instance. */
  get assigned(): readonly number[] {
    return [...this.ready.keys()];
  }

  cacheStats(): { hits: number; misses: number } {
    return { hits: this.cache?.hits ?? 0, misses: this.cache?.misses ?? 0 };
  }

  /** Alive: consuming, with no stalled partition; models on fallbacks are reported, not fatal. */
  health(): { ok: boolean; partitions: number[]; models: ReturnType<ModelRegistry['health']>; stalled: ReturnType<PartitionProgress['stalled']>; error?: string } {
    const fatal = this.healthState.fatal;
    return {
      ok: this.running && this.healthState.ok,
      partitions: [...this.assigned].sort((a, b) => a - b),
      models: this.registry?.health() ?? [],
      stalled: this.healthState.progress.stalled(),
      ...(fatal ? { error: fatal.message } : {}),
    };
  }

  private async readPartitionCounts(): Promise<void> {
    const topics = [this.names.lead, this.names.engagement];
    const metadata = await (this.admin as Admin).fetchTopicMetadata({ topics });
    for (const t of metadata.topics) this.partitionCounts.set(t.name, t.partitions.length);
  }

  private onRegistryEvent(e: RegistryEvent): void {
    const m = this.events.metrics;
    if (m) {
      if (e.type === 'loaded') m.modelSwaps.inc({ model: e.model, version: e.version });
      if (e.type === 'provider_fallback') m.providerFallbacks.inc({ model: e.model });
      if (e.type === 'breaker') m.breakerOpen.set({ model: e.model }, e.state === 'closed' ? 0 : 1);
      if (e.type === 'rolled_back') m.modelRollbacks.inc({ model: e.model, from: e.from, to: e.to });
      if (e.type === 'load_failed') m.modelRefused.inc({ model: e.model, reason: e.code.toLowerCase() });
      this.recordServing();
    }
    if (this.events.onRegistryEvent) return this.events.onRegistryEvent(e);
    const line = registryEventLine(e, this.registry?.active(e.model)?.version ?? null);
    if (line) this.log(line.level, line.message, line.bindings);
  }

  private record(result: BatchResult, seconds: number): void {
    const m = this.events.metrics;
    if (!m) return;
    for (const [topic, n] of Object.entries(result.inputs)) m.recordsIn.inc({ topic }, n);
    for (const [topic, n] of Object.entries(result.outputs)) m.recordsOut.inc({ topic }, n);
    for (const d of result.dlq) m.recordsDlq.inc({ topic: d.topic, reason: d.reason });
    for (const [topic, n] of Object.entries(result.duplicates)) m.recordsDuplicate.inc({ topic }, n);
    m.batchRecords.observe(result.records);
    m.batchSeconds.observe(seconds);
    const now = Date.now();
    for (const t of result.inputTimes) m.endToEnd.observe(Math.max(0, now - t) / 1000);
    if (this.cache) {
      m.cacheHits.inc(this.cache.hits - this.cacheSeen.hits);
      m.cacheMisses.inc(this.cache.misses - this.cacheSeen.misses);
      this.cacheSeen = { hits: this.cache.hits, misses: this.cache.misses };
    }
    m.ready.set(this.isReady ? 1 : 0);
    this.recordServing();
  }

  /** scorestream_model_serving: the versions in service now, and no series for those replaced. */
  private recordServing(): void {
    const m = this.events.metrics;
    if (!m || !this.registry) return;
    m.modelServing.reset();
    for (const h of this.registry.health()) m.modelServing.set({ model: h.model, version: h.version ?? 'fallback', precision: h.precision ?? 'rules' }, 1);
  }

  async start(): Promise<void> {
    const c = this.config;
    const access = registryAccess(c, this.registryUrl);
    // A short retry in the client, each request bounded by registry.timeoutMs: a longer outage is
    // the processor's to handle, pausing the partition while it keeps heartbeating (a client
    // retrying for half a minute would not).
    const schemaRegistry = schemaRegistryClient(access, { retries: 2, initialRetryTimeInSecs: 0.1, maxRetryTimeInSecs: 1 });
    const schemaId = (topic: string, schema: 'LeadScore' | 'PropertyMatches' | 'ChurnRisk'): Promise<number> => outputSchemaId(access, valueSubject(topic), readSchema(schema));
    const outputs = this.mode.outputs ?? this.names.outputs;
    const encoders = {
      lead_scorer: new AvroEncoder<LeadScore>(await schemaId(outputs.lead_scorer, 'LeadScore'), readSchema('LeadScore')),
      property_matcher: new AvroEncoder<PropertyMatches>(await schemaId(outputs.property_matcher, 'PropertyMatches'), readSchema('PropertyMatches')),
      churn_predictor: new AvroEncoder<ChurnRisk>(await schemaId(outputs.churn_predictor, 'ChurnRisk'), readSchema('ChurnRisk')),
    };
    const localFallback = localFallbackFor(c);
    const registry = new ModelRegistry(
      {
        modelsDir: c.modelsDir,
        versions: { lead_scorer: c.leadScorerVersion, property_matcher: c.propertyMatcherVersion, churn_predictor: c.churnPredictorVersion, ...this.mode.versions },
        precision: c.precision,
        session: { provider: c.provider, intraOpThreads: c.intraOpThreads },
        breaker: { failureThreshold: c.breakerFailures, cooldownMs: c.breakerCooldownMs },
        onEvent: (e) => this.onRegistryEvent(e),
        ...(localFallback ? { localFallback } : {}),
      },
      inferenceFor(c),
    );
    this.registry = registry;
    await registry.start();
    this.recordServing();
    if (c.modelsPollMs > 0) {
      // Under the latest policy a version dropped into models/ is loaded, warmed, then switched to.
      this.pollTimer = setInterval(() => void this.reloadModels(), c.modelsPollMs);
      this.pollTimer.unref();
    }
    const opened = await StateStore.open(path.join(c.stateDir, this.mode.groupId));
    if (opened.rebuilt) this.log('warn', opened.rebuilt);
    this.store = opened.store;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    // Symbols a newer producer schema added are read as our enum's default: counted, and logged once per schema.
    const enumDefaults = (topic: string): AvroDecoderOptions => ({
      onEnumDefaulted: (field) => this.events.metrics?.enumDefaulted.inc({ topic, field }),
      onNewSymbols: (_id, line) => this.log('warn', line),
    });
    const propertyDecoder = (): AvroDecoder => new AvroDecoder(schemaRegistry, readSchema('PropertyEvent'), 'PropertyEvent', enumDefaults(this.names.property));
    const propertyDeps = {
      kafka: this.kafka,
      topic: this.names.property,
      dlqTopic: this.names.dlq(this.names.property),
      log: (level: 'info' | 'warn' | 'error', message: string) => this.log(level, message),
      ...(this.events.metrics ? { metrics: this.events.metrics } : {}),
    };
    this.loader = new PropertyLoader({ ...propertyDeps, admin: this.admin, decoder: propertyDecoder(), appId: c.appId, onFatal: (err) => this.healthState.fail(err) });
    // Replays and dry runs leave dead-lettering to the live processor.
    if (!this.mode.replay && !this.mode.dryRun) this.propertyDlq = new PropertyDlqWriter({ ...propertyDeps, decoder: propertyDecoder(), groupId: this.mode.groupId, maxRecordBytes: c.maxBatchBytes, compression: compressionOf(c.compression), previousMember: new PreviousMember(path.join(c.stateDir, this.mode.groupId), (level, message) => this.log(level, message), 'property-dlq-member-id') });
    await this.loader.start();
    this.log('info', `property table loaded: ${this.loader.table.size} listings`);

    const deps: TaskDeps = {
      names: this.names,
      groupId: this.mode.groupId,
      decoders: {
        lead: new AvroDecoder(schemaRegistry, readSchema('LeadEvent'), 'LeadEvent', enumDefaults(this.names.lead)),
        engagement: new AvroDecoder(schemaRegistry, readSchema('EngagementEvent'), 'EngagementEvent', enumDefaults(this.names.engagement)),
      },
      encoders,
      store: this.store,
      properties: this.loader.table,
      areas: this.loader.table.areaCenter.bind(this.loader.table),
      registry,
      combiner: new InferenceCombiner(async (model, rows, count) => {
        const t0 = process.hrtime.bigint();
        const result = await registry.score(model, rows, count);
        this.events.metrics?.inferenceSeconds.observe({ model }, Number(process.hrtime.bigint() - t0) / 1e9);
        if (result.fallback !== null) this.events.metrics?.fallbacks.inc({ model, reason: result.fallback });
        return result;
      }, {
        maxRows: c.batchMaxRecords * 4,
        lingerMs: c.batchLingerMs,
        width: (m) => MODEL_FEATURES[m].length,
      }),
      cache: (this.cache = new ResultCache(this.store.db, { maxEntries: c.cacheMaxEntries, ttlMs: c.cacheTtlMs })),
      now: Date.now,
      outputs,
      maxRecordBytes: c.maxBatchBytes,
      partitions: (topic) => this.partitionCounts.get(topic) ?? 0,
      timeBounds: { maxFutureMs: c.maxFutureMs, maxPastMs: c.maxPastMs },
      ...(this.mode.replay ? { replay: this.mode.replay } : {}),
    };
    this.producers = new TransactionalProducers(this.kafka, this.mode.groupId);
    const consumer = this.kafka.consumer({
      groupId: this.mode.groupId,
      readUncommitted: false,
      partitionAssigners: [CoPartitionedAssigner],
      sessionTimeout: c.sessionTimeoutMs,
      rebalanceTimeout: c.rebalanceTimeoutMs,
      heartbeatInterval: Math.min(3_000, Math.floor(c.sessionTimeoutMs / 3)),
      maxWaitTimeInMs: Math.max(50, c.batchLingerMs),
      maxBytesPerPartition: c.fetchMaxBytesPerPartition,
      maxBytes: c.fetchMaxBytes,
      retry: CONSUMER_RETRY,
    });
    this.consumer = consumer;
    this.restartedMembers = removeMembersLeftByRestarts(this.kafka, consumer, this.mode.groupId, (level, message) => this.log(level, message));
    // Our member id, kept in the state directory: a restart after a crash removes that dead member before joining.
    const previousMember = new PreviousMember(path.join(c.stateDir, this.mode.groupId), (level, message) => this.log(level, message));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => previousMember.record(payload.memberId));
    await this.readPartitionCounts();
    this.merged = new MergedPartitions(consumer, this.admin, this.mode.groupId, [this.names.lead, this.names.engagement], this.mode.bounds);
    const loops = new PartitionLoops((p) => this.drain(deps, p), (p, err) => this.log('error', `partition ${p}: ${errorMessage(err)}`, { partition: p }));
    this.loops = loops;
    this.merged.wake = (p) => loops.kick(p);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.events.metrics?.rebalances.inc();
      // A rebalance follows a change of partition count: the contract is checked against the new one.
      void this.readPartitionCounts().catch((err: unknown) => this.log('warn', `reading the input partition counts failed: ${errorMessage(err)}`));
      this.onAssignment(payload.memberAssignment);
    });
    // KafkaJS restarts the consumer after retriable errors; after any other it is gone for good.
    // (Its STOP event also fires on the way to a restart, so it says nothing by itself.) Nothing
    // of the crashed consumer survives: its pauses and merges go, and a restart joins again.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      this.merged?.reset();
      if (this.stopping) return;
      if (!payload.restart) this.healthState.fail(payload.error);
      else this.log('warn', `the consumer failed and restarts: ${payload.error.message}`);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.joined = false;
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.events.metrics?.consumerLag.set({ topic: payload.topic, partition: String(payload.partition) }, Number(payload.offsetLag)),
    );
    await previousMember.leave(this.kafka, this.mode.groupId);
    await consumer.connect();
    await consumer.subscribe({ topics: [this.names.lead, this.names.engagement], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, c.partitions * 2),
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
    this.healthState.start();
  }

  /**
   * Every assigned partition, new or kept, is prepared again: its producer initialized anew
   * (fencing any zombie, and bumping our own epoch if we were one), then its store caught up from
   * the changelog. A partition this instance kept may have been processed by another meanwhile (a
   * pause past the session), so its local state cannot be trusted without comparing the checkpoint
   * with the changelog's end; that is one ListOffsets when nothing changed. Every assigned
   * partition's merge starts again from the committed offsets, as KafkaJS's fetches do.
   */
  /** Partitions whose lag this member reported: removed from the gauge when they go. */
  private lagPartitions: number[] = [];

  private onAssignment(assignment: Record<string, number[]>): void {
    const partitions = [...new Set(Object.values(assignment).flat())];
    const generation = ++this.generation;
    this.joined = true;
    // One writer of property.events.dlq per group: the owner of partition 0.
    if (partitions.includes(0) && !this.stopping) this.propertyDlq?.start();
    else void this.propertyDlq?.stop();
    void this.producers?.releasePartitions((p) => partitions.includes(p));
    for (const p of [...this.ready.keys()]) if (!partitions.includes(p)) {
      this.ready.delete(p);
      this.healthState.progress.forget(p);
    }
    // The lag of a partition now read elsewhere is that member's to report: a last value kept
    // here would be summed with its, and never change.
    for (const topic of [this.names.lead, this.names.engagement]) {
      for (const p of this.lagPartitions) if (!partitions.includes(p)) this.events.metrics?.consumerLag.remove({ topic, partition: String(p) });
    }
    this.lagPartitions = partitions;
    for (const p of [...this.preparing]) if (!partitions.includes(p)) this.preparing.delete(p);
    for (const p of partitions) {
      this.preparing.add(p);
      const prepared = this.locks.run(p, () => this.prepare(p, generation));
      prepared.catch((err: unknown) => {
        this.ready.delete(p);
        if (generation !== this.generation || this.stopping) return;
        // The partition cannot be processed here, and no retry helps: the supervisor restarts the process.
        this.healthState.fail(new Error(`partition ${p}: preparing failed: ${errorMessage(err)}`));
      });
      this.ready.set(p, prepared);
    }
  }

  /** Under the partition's lock (see preparePartition); a dry run writes nothing and starts with empty state. */
  private async prepare(p: number, generation: number): Promise<void> {
    this.merged?.forget(p);
    if (!this.mode.dryRun) {
      const deps = {
        kafka: this.kafka,
        admin: this.admin as Admin,
        store: this.store as StateStore,
        names: this.names,
        groupId: this.mode.groupId,
        producers: this.atLeastOnce ? undefined : this.producers,
        merged: this.merged as MergedPartitions,
        log: (level: 'info' | 'warn', message: string, bindings: Record<string, unknown>) => this.log(level, message, bindings),
      };
      if (!(await preparePartition(deps, p, () => generation === this.generation && !this.stopping))) return;
    }
    this.preparing.delete(p);
    this.events.metrics?.ready.set(this.isReady ? 1 : 0);
  }

  /**
   * A batch of lead.events[p] or engagement.events[p] joins partition p's merge and is resolved at
   * once, so that KafkaJS fetches on; partition p's loop (drain) processes what the merge can
   * order, apart from the fetches. A loop that failed left its error here: the next delivery hands
   * it to KafkaJS, which joins the group again (or gives up on an error no retry helps).
   */
  private async eachBatch({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const merged = this.merged as MergedPartitions;
    const side = merged.sideOf(topic);
    if (side === undefined) return;
    // A partition not (or no longer) prepared here is not processed: a rebalance is under way.
    const ready = this.ready.get(partition);
    if (!ready || !(await ready.then(() => true, () => false))) return;
    this.throwLoopFailure();
    if (!this.writable(partition) || batch.messages.length === 0) return;
    // Only what a metric reads is kept: without metrics the hot path does no bookkeeping.
    if (this.events.metrics) this.stages.noteDelivered(batch.messages, Date.now());
    merged.get(partition).offer(side, batch.messages);
    resolveOffset(batch.lastOffset());
    merged.bound(partition, side, this.config.batchMaxRecords * 4);
    this.loops?.kick(partition);
  }

  /** Under the partition's lock: whatever the merge can order, in batches of batch.maxRecords, each in one transaction. */
  private async drain(deps: TaskDeps, partition: number): Promise<void> {
    const generation = this.generation;
    const merged = this.merged as MergedPartitions;
    const alive = (): boolean => !this.stopping && this.joined && generation === this.generation;
    await this.locks.run(partition, async () => {
      try {
        await this.processMerged(deps, partition, merged, alive);
      } catch (err: unknown) {
        this.onLoopFailure(partition, err, generation);
      }
    });
  }

  /** The partition's batches, while there are any and the partition is still this instance's. */
  private async processMerged(deps: TaskDeps, partition: number, merged: MergedPartitions, alive: () => boolean): Promise<void> {
    while (alive() && this.writable(partition)) {
      await this.untilCommitDue(partition, merged, alive);
      if (!alive()) break;
      const records = await merged.take(partition, this.config.batchMaxRecords);
      if (records.length === 0) break;
      await this.mode.beforeBatch?.(partition, records);
      this.healthState.progress.started(partition);
      let committed: boolean;
      try {
        committed = await this.processWithRetry(deps, partition, records, alive);
      } catch (err: unknown) {
        this.healthState.progress.failed(partition);
        throw err;
      }
      if (!committed) {
        this.healthState.progress.paused(partition);
        break;
      }
      this.healthState.progress.committed(partition);
      this.lastCommit.set(partition, Date.now());
      const merge = merged.get(partition);
      merge.commit(records);
      for (const side of [0, 1] as const) merged.bound(partition, side, this.config.batchMaxRecords * 4);
      this.mode.afterBatch?.(partition, [merge.position(0), merge.position(1)]);
    }
  }

  /**
   * processing.commitIntervalMs: a partition's next transaction waits until that long after its
   * last one, and what arrives meanwhile goes in it: fewer, larger transactions cost the processor
   * and the broker less per record. A full batch, a stop or a rebalance ends the wait (looked at
   * every few milliseconds); with nothing buffered there is nothing to wait for.
   */
  private async untilCommitDue(partition: number, merged: MergedPartitions, alive: () => boolean): Promise<void> {
    const interval = this.config.commitIntervalMs;
    if (interval === 0) return;
    const due = (this.lastCommit.get(partition) ?? 0) + interval;
    const merge = merged.get(partition);
    while (alive() && Date.now() < due) {
      const buffered = merge.buffered(0) + merge.buffered(1);
      if (buffered === 0 || buffered >= this.config.batchMaxRecords) return;
      await sleep(Math.min(20, due - Date.now()));
    }
  }

  /**
   * Under the partition's lock, a partition's loop failed: its batch was aborted and its merge is
   * dropped, records KafkaJS had already fetched past. They are fetched again from the committed
   * offsets, and that delivery (or any other first) hands the error to KafkaJS. A failure from
   * before the last assignment is moot: that assignment prepares the partition anew.
   */
  private onLoopFailure(partition: number, err: unknown, generation: number): void {
    if (this.stopping || generation !== this.generation) return;
    this.loopFailure = { error: err, generation };
    this.merged?.forget(partition);
    void this.seekCommitted(partition).catch((e: unknown) => this.log('warn', `partition ${partition}: reading the committed offsets failed: ${errorMessage(e)}`, { partition }));
  }

  private async seekCommitted(partition: number): Promise<void> {
    const consumer = this.consumer as Consumer;
    for (const topic of [this.names.lead, this.names.engagement]) {
      const [committed] = await (this.admin as Admin).fetchOffsets({ groupId: this.mode.groupId, topics: [topic] });
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      const from = offset === '-1' ? (await (this.admin as Admin).fetchTopicOffsets(topic)).find((o) => o.partition === partition)?.low ?? '0' : offset;
      consumer.seek({ topic, partition, offset: from });
    }
  }

  /** Throws the error a partition's loop left, unless the group has been joined again since. */
  private throwLoopFailure(): void {
    const failure = this.loopFailure;
    if (!failure) return;
    this.loopFailure = undefined;
    if (failure.generation === this.generation) throw failure.error;
  }

  /** Prepared here and not fenced since: its transactional producer is current. */
  private writable(partition: number): boolean {
    return this.mode.dryRun !== undefined || this.atLeastOnce || this.producers?.current(this.names.lead, partition) !== undefined;
  }

  /**
   * True once the batch committed; false if the processor stopped while a dependency was down, or
   * if the partition was taken from this instance meanwhile (the batch is dropped, not committed).
   */
  private async processWithRetry(deps: TaskDeps, partition: number, records: readonly Merged[], alive: () => boolean): Promise<boolean> {
    let wait = 200;
    // The producer current when the batch begins is the only one that may commit it: a batch
    // computed before a fencing or a reassignment is never committed by a producer created after.
    const producer = this.mode.dryRun || this.atLeastOnce ? undefined : this.producers?.current(this.names.lead, partition);
    if (!this.mode.dryRun && !this.atLeastOnce && producer === undefined) return false;
    const taken = Date.now();
    for (;;) {
      try {
        const t0 = Date.now();
        const computed = await computeBatch(deps, partition, records);
        const computedAt = Date.now();
        if (this.mode.dryRun) {
          await this.mode.dryRun(computed);
          // Its own scratch store, never checkpointed against a changelog: it lives for one run.
          await deps.store.apply(partition, computed.states, 0n);
        }
        else if (this.atLeastOnce) await commitAtLeastOnce(computed, await this.producer(), this.consumer as Consumer, this.names.changelog, deps.store, this.writeOptions);
        else await commitBatch(computed, await (producer as Promise<Producer>), this.mode.groupId, this.names.changelog, deps.store, this.writeOptions);
        const committed = Date.now();
        this.record(computed.result, (committed - t0) / 1000);
        if (this.events.metrics) this.stages.observe(this.events.metrics, records, { taken, computed: computedAt, committed });
        this.events.onBatch?.(partition, computed.result);
        return true;
      } catch (err: unknown) {
        if (!(err instanceof DependencyUnavailable)) return this.afterFailedTransaction(partition, producer, err);
        this.log('warn', `partition ${partition}: ${err.message}; retrying in ${wait} ms`, { partition });
        await sleep(wait);
        wait = Math.min(wait * 2, 10_000);
        if (!alive()) return false;
      }
    }
  }

  /**
   * A transaction failed and was aborted: nothing of the batch is visible, and nothing of it stays
   * in memory. A fenced producer means another instance may own the partition now (this one was
   * paused past its session) or the broker aborted a transaction that outlived its timeout:
   * either way the group decides again who owns what, and every partition assigned then is
   * prepared anew. An error KafkaJS calls non-retriable (a record the broker refuses) ends the
   * consumer, since reading the same records again would fail the same way.
   */
  private async afterFailedTransaction(partition: number, producer: Promise<Producer> | undefined, err: unknown): Promise<false> {
    this.merged?.forget(partition);
    if (producer === undefined) throw err;
    // Taken away meanwhile (a rebalance discarded or replaced the producer): the new owner goes on.
    if (this.producers?.current(this.names.lead, partition) !== producer) return false;
    await (this.producers as TransactionalProducers).discard(this.names.lead, partition);
    if (isFenced(err)) {
      this.events.metrics?.producerFenced.inc();
      this.log('warn', `partition ${partition}: the producer was fenced (${errorMessage(err)}): the batch was aborted; joining the group again, then starting from the committed offsets`, { partition });
      throw rejoinError(`partition ${partition}: producer fenced`);
    }
    if (isNonRetriable(err)) throw err;
    this.log('warn', `partition ${partition}: the transaction failed (${errorMessage(err)}): the batch was aborted; joining the group again, then starting from the committed offsets`, { partition });
    throw rejoinError(`partition ${partition}: transaction failed`);
  }

  /** Where partition `partition` stands on each side (next offset), as far as this instance has processed it. */
  position(partition: number, side: Side): bigint | undefined {
    return this.merged?.reached(partition, side);
  }

  /** Looks for a newer version (latest policy) or the pinned one now; one look at a time. */
  reloadModels(): Promise<void> {
    this.polling = this.polling.then(() => this.registry?.refresh()).catch((err: unknown) => this.log('error', `model reload failed: ${errorMessage(err)}`));
    return this.polling;
  }

  /** Switches a model to a version policy at run time (admin endpoint, SIGHUP); the old version serves until the new one is warm. */
  async setModelVersion(model: ModelName, policy: string): Promise<string> {
    if (!this.registry) throw new ScorestreamError('CONFIG_INVALID', 'the processor has not started');
    return this.registry.setPolicy(model, policy);
  }

  /** Finishes the batch in flight (its transaction commits or aborts), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    this.healthState.stop();
    await this.propertyDlq?.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    // Each partition's batch in flight commits or aborts before the group is left.
    await this.loops?.settled();
    this.merged?.close();
    this.restartedMembers?.stop();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.loader?.stop().catch(() => undefined);
    await this.producers?.close();
    await this.plainProducer?.then((p) => p.disconnect()).catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    await this.registry?.close();
    await this.store?.close().catch(() => undefined);
  }
}
