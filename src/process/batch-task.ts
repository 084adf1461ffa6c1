import { CompressionTypes, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { InferenceCombiner } from '../batch/inference-combiner';
import type { ResultCache } from '../cache/result-cache';
import { AvroDecoder } from '../decode/avro-decoder';
import type { DlqReason } from '../decode/outcome';
import { candidates } from '../features/candidates';
import { daysSinceLastEngagement, leadFeatures } from '../features/lead-features';
import { applyEngagementEvent, applyLeadEvent, type LeadState } from '../features/lead-state';
import { matchFeatures, type AreaCenters } from '../features/match-features';
import type { PropertyTable, PropertyVersion } from '../features/property-table';
import { LEAD_FEATURES, MATCH_FEATURES, type ModelName } from '../features/spec';
import { validateEngagementEvent, validateLeadEvent } from '../features/validate';
import type { AvroEncoder } from '../publish/avro-encoder';
import { dlqHeaders, outputHeaders, type Source } from '../publish/headers';
import type { ModelRegistry, ScoreResult } from '../registry/registry';
import type { ChurnRisk, EngagementEvent, LeadEvent, LeadScore, PropertyMatches } from '../schemas/types';
import { churnRisk, leadScore, propertyMatches } from '../score/outputs';
import { encodeState } from '../state/codec';
import type { StateStore } from '../state/store';
import type { TopicNames } from '../topics/names';
import { scoreRows } from './score-rows';

export interface TaskDeps {
  readonly names: TopicNames;
  readonly groupId: string;
  readonly decoders: { readonly lead: AvroDecoder; readonly engagement: AvroDecoder };
  readonly encoders: {
    readonly lead_scorer: AvroEncoder<LeadScore>;
    readonly property_matcher: AvroEncoder<PropertyMatches>;
    readonly churn_predictor: AvroEncoder<ChurnRisk>;
  };
  readonly store: StateStore;
  readonly properties: PropertyTable;
  readonly areas: AreaCenters;
  readonly registry: ModelRegistry;
  readonly combiner: InferenceCombiner;
  readonly cache: ResultCache;
  readonly now: () => number;
  readonly replayRun?: string;
}

export interface BatchResult {
  readonly records: number;
  /** Records scored: each has one output per model. */
  readonly scored: number;
  readonly dlq: { readonly reason: DlqReason; readonly offset: string }[];
  readonly fallbacks: number;
  /** Input timestamps (ms) of the scored records, for end-to-end latency. */
  readonly inputTimes: number[];
}

/** Thrown when a dependency (the schema registry) is down: the batch waits, nothing goes to the DLQ. */
export class DependencyUnavailable extends Error {}

interface Scored {
  readonly message: KafkaMessage;
  readonly event: LeadEvent | EngagementEvent;
  readonly leadRow: number;
  readonly matchRows: { readonly first: number; readonly listings: PropertyVersion[] };
  readonly daysSince: number;
}

/**
 * One partition batch, exactly once: decode and validate, update lead state, compute features,
 * score, and write in one transaction the three outputs per record, the changelog of the touched
 * leads, the DLQ records and the consumed offset. The state reaches RocksDB only after the
 * commit, with the changelog offset it corresponds to; if anything fails before, nothing of this
 * batch is visible and the batch is read again.
 */
export async function processBatch(deps: TaskDeps, producer: Producer, topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<BatchResult> {
  const isLead = topic === deps.names.lead;
  const decoder = isLead ? deps.decoders.lead : deps.decoders.engagement;
  const retry = await decoder.prepare(messages.map((m) => m.value));
  if (retry) throw new DependencyUnavailable(retry.kind === 'retry' ? retry.message : 'schema registry unavailable');

  const dlq: { message: KafkaMessage; reason: DlqReason; error: string }[] = [];
  const events: { message: KafkaMessage; event: LeadEvent | EngagementEvent }[] = [];
  for (const message of messages) {
    const decoded = decoder.decode<LeadEvent | EngagementEvent>(message.value);
    if (decoded.kind === 'dlq') dlq.push({ message, reason: decoded.reason, error: decoded.message });
    else if (decoded.kind === 'retry') throw new DependencyUnavailable(decoded.message);
    else {
      const invalid = isLead ? validateLeadEvent(decoded.value as LeadEvent) : validateEngagementEvent(decoded.value as EngagementEvent);
      if (invalid) dlq.push({ message, reason: 'feature_invalid', error: invalid.message });
      else events.push({ message, event: decoded.value });
    }
  }

  const leadIds = [...new Set(events.map((e) => e.event.lead_id))];
  const loaded = await deps.store.getStates(leadIds);
  const states = new Map<string, LeadState | undefined>(leadIds.map((id, i) => [id, loaded[i]]));
  const touched = new Set<string>();
  const leadRows: number[] = [];
  const matchRows: number[] = [];
  const scored: Scored[] = [];
  for (const { message, event } of events) {
    const before = states.get(event.lead_id);
    const after = isLead ? applyLeadEvent(before, event as LeadEvent) : applyEngagementEvent(before, event as EngagementEvent);
    const t = event.occurred_at;
    const lead = leadFeatures(after, t);
    if (!lead.ok) {
      // Rejected records leave no trace in state: they are in the DLQ instead.
      dlq.push({ message, reason: 'feature_invalid', error: lead.message });
      continue;
    }
    states.set(event.lead_id, after);
    touched.add(event.lead_id);
    const listings: PropertyVersion[] = [];
    const first = matchRows.length / MATCH_FEATURES.length;
    for (const listing of candidates(after, deps.properties, t)) {
      const m = matchFeatures(after, listing, t, deps.areas);
      if (!m.ok) continue; // one odd listing must not cost the lead its matches
      listings.push(listing);
      for (const v of m.row) matchRows.push(v);
    }
    const leadRow = leadRows.length / LEAD_FEATURES.length;
    for (const v of lead.row) leadRows.push(v);
    scored.push({ message, event, leadRow, matchRows: { first, listings }, daysSince: daysSinceLastEngagement(after, t) });
  }

  const leadArray = Float32Array.from(leadRows);
  const matchArray = Float32Array.from(matchRows);
  const score = (model: ModelName, rows: Float32Array, width: number): Promise<ScoreResult> => scoreRows(model, rows, rows.length / width, deps.registry, deps.combiner, deps.cache);
  const [leadResult, churnResult, matchResult] = await Promise.all([
    score('lead_scorer', leadArray, LEAD_FEATURES.length),
    score('churn_predictor', leadArray, LEAD_FEATURES.length),
    score('property_matcher', matchArray, MATCH_FEATURES.length),
  ]);

  const scoredAt = deps.now();
  const out = { lead_scorer: [] as Message[], churn_predictor: [] as Message[], property_matcher: [] as Message[] };
  const headers = (r: ScoreResult, s: Scored): Record<string, string> =>
    outputHeaders({
      model: r.model,
      version: r.version,
      sha256: r.sha256,
      fallback: r.fallback,
      source: { topic, partition, offset: s.message.offset },
      eventId: s.event.event_id,
      scoredAt,
      ...(deps.replayRun === undefined ? {} : { replayRun: deps.replayRun }),
    });
  for (const s of scored) {
    const key = s.event.lead_id;
    const pLead = leadResult.scores[s.leadRow] as number;
    out.lead_scorer.push({ key, value: deps.encoders.lead_scorer.encode(leadScore(key, s.event.event_id, scoredAt, pLead, leadArray, s.leadRow * LEAD_FEATURES.length, leadResult)), headers: headers(leadResult, s) });
    const pChurn = churnResult.scores[s.leadRow] as number;
    out.churn_predictor.push({ key, value: deps.encoders.churn_predictor.encode(churnRisk(key, s.event.event_id, scoredAt, pChurn, s.daysSince, churnResult)), headers: headers(churnResult, s) });
    const slice = matchResult.scores.subarray(s.matchRows.first, s.matchRows.first + s.matchRows.listings.length);
    out.property_matcher.push({
      key,
      value: deps.encoders.property_matcher.encode(propertyMatches(key, s.event.event_id, scoredAt, s.matchRows.listings, slice, matchResult)),
      headers: headers(matchResult, s),
    });
  }

  const changelog: Message[] = [...touched].map((id) => ({ key: id, value: encodeState(states.get(id) as LeadState), partition }));
  const source = (m: KafkaMessage): Source => ({ topic, partition, offset: m.offset });
  const dlqMessages: Message[] = dlq.map((d) => ({
    key: d.message.key,
    value: d.message.value,
    headers: dlqHeaders(source(d.message), d.reason, d.error, d.message.headers as Record<string, Buffer | string | undefined>),
  }));
  const lastOffset = BigInt((messages[messages.length - 1] as KafkaMessage).offset);

  const tx = await producer.transaction();
  let changelogBase: bigint | undefined;
  try {
    const topicMessages = [
      { topic: deps.names.outputs.lead_scorer, messages: out.lead_scorer },
      { topic: deps.names.outputs.churn_predictor, messages: out.churn_predictor },
      { topic: deps.names.outputs.property_matcher, messages: out.property_matcher },
      { topic: deps.names.changelog, messages: changelog },
      { topic: deps.names.dlq(topic), messages: dlqMessages },
    ].filter((t) => t.messages.length > 0);
    if (topicMessages.length > 0) {
      // Compressed: each partition's records go out as one record batch, and the changelog of up
      // to batch.maxRecords leads can pass the broker's 1 MiB limit as JSON (measured: 1.3 MiB for
      // the 512 largest synthetic leads); a batch the broker refuses would be retried forever.
      const metadata = await tx.sendBatch({ topicMessages, compression: CompressionTypes.GZIP });
      const meta = metadata.find((m) => m.topicName === deps.names.changelog && m.partition === partition);
      if (meta?.baseOffset !== undefined) changelogBase = BigInt(meta.baseOffset);
    }
    await tx.sendOffsets({ consumerGroupId: deps.groupId, topics: [{ topic, partitions: [{ partition, offset: (lastOffset + 1n).toString() }] }] });
    await tx.commit();
  } catch (err: unknown) {
    await tx.abort().catch(() => undefined);
    throw err;
  }
  if (changelogBase !== undefined) {
    await deps.store.apply(
      partition,
      [...touched].map((id) => states.get(id) as LeadState),
      changelogBase + BigInt(changelog.length),
    );
  }
  return {
    records: messages.length,
    scored: scored.length,
    dlq: dlq.map((d) => ({ reason: d.reason, offset: d.message.offset })),
    fallbacks: [leadResult, churnResult, matchResult].filter((r) => r.fallback !== null).length,
    inputTimes: scored.map((s) => Number(s.message.timestamp)),
  };
}
