import type { KafkaMessage, Message } from 'kafkajs';
import type { InferenceCombiner } from '../batch/inference-combiner';
import type { ResultCache } from '../cache/result-cache';
import type { Merged, Side } from '../consume/partition-merge';
import { partitioningViolation } from '../consume/partitioning';
import { AvroDecoder } from '../decode/avro-decoder';
import type { DlqReason } from '../decode/outcome';
import { daysSinceLastEngagement } from '../features/lead-features';
import type { LeadState } from '../features/lead-state';
import type { AreaCenters } from '../features/match-features';
import type { PropertyTable, PropertyVersion } from '../features/property-table';
import { LEAD_FEATURES, MATCH_FEATURES, MODEL_NAMES, type ModelName } from '../features/spec';
import { inputOf, inputRejection, serveEvent, writeMatches } from '../features/serve-event';
import { RowBuffer } from '../features/row-buffer';
import { MAX_CANDIDATES } from '../features/candidates';
import type { TimeBounds } from '../features/validate';
import type { AvroEncoder } from '../publish/avro-encoder';
import { dlqRecord } from '../publish/dlq-record';
import { outputHeaders, traceContext, type Source, type TraceContext } from '../publish/headers';
import type { ModelRegistry, ScoreResult } from '../registry/registry';
import type { ChurnRisk, EngagementEvent, LeadEvent, LeadScore, PropertyMatches } from '../schemas/types';
import { churnRisk, leadScore, propertyMatches } from '../score/outputs';
import { encodeState, type EncodedState } from '../state/codec';
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
  /** Where each model's outputs go (the live output topics unless a replay says otherwise). */
  readonly outputs: Readonly<Record<ModelName, string>>;
  /** The most bytes one record may take (kafka.maxBatchBytes): a larger DLQ copy is cut to fit. */
  readonly maxRecordBytes: number;
  /** The partition count of an input topic now, for the partitioning contract. */
  partitions(topic: string): number;
  readonly timeBounds: TimeBounds;
  /** A replay: which records are re-scored (the rest only update state), by which models, and the run id header. */
  readonly replay?: {
    readonly run: string;
    readonly models: readonly ModelName[];
    emits(record: Merged, partition: number): boolean;
  };
}

export interface BatchResult {
  readonly records: number;
  /** Input records per topic. */
  readonly inputs: Readonly<Record<string, number>>;
  /** Records scored: each has one output per model. */
  readonly scored: number;
  /** Output records per topic. */
  readonly outputs: Readonly<Record<string, number>>;
  readonly dlq: { readonly topic: string; readonly reason: DlqReason; readonly offset: string }[];
  /** Records whose event_id the lead had already seen: neither applied nor scored again, per input topic. */
  readonly duplicates: Readonly<Record<string, number>>;
  readonly fallbacks: number;
  /** Input timestamps (ms) of the scored records, for end-to-end latency. */
  readonly inputTimes: number[];
}

/** One score of the batch, for reports: the model's headline number for one input record. */
export interface ScoreLine {
  readonly source: Source;
  readonly model: ModelName;
  readonly version: string;
  readonly value: number;
}

/** What one batch writes, computed but not yet written. */
export interface ComputedBatch {
  readonly partition: number;
  readonly topicMessages: { topic: string; messages: Message[] }[];
  /** The touched leads' states, encoded once for the changelog and RocksDB, in changelog order. */
  readonly states: EncodedState[];
  /** Next offset per input topic. */
  readonly offsets: { topic: string; offset: string }[];
  readonly lines: ScoreLine[];
  readonly result: BatchResult;
}

/** Thrown when a dependency (the schema registry) is down: the batch waits, nothing goes to the DLQ. */
export class DependencyUnavailable extends Error {}

interface Scored {
  readonly message: KafkaMessage;
  readonly topic: string;
  readonly event: LeadEvent | EngagementEvent;
  readonly leadRow: number;
  readonly matchRows: { readonly first: number; readonly listings: PropertyVersion[] };
  readonly daysSince: number;
}

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

const sideTopic = (names: TopicNames, side: Side): string => (side === 0 ? names.lead : names.engagement);

/**
 * One batch of partition p's merged lead and engagement records: decode and validate, update lead
 * state in the merged order, compute features, score, and build what the transaction writes: the
 * outputs, the changelog of the touched leads, the DLQ records and the next offsets. Nothing is
 * written here and the store is not touched (commitBatch does both, in the checkpoint order).
 */
export async function computeBatch(deps: TaskDeps, partition: number, records: readonly Merged[]): Promise<ComputedBatch> {
  const decoders = [deps.decoders.lead, deps.decoders.engagement] as const;
  for (const side of [0, 1] as const) {
    const values = records.flatMap((r) => (r.side === side ? [r.message.value] : []));
    if (values.length === 0) continue;
    const retry = await decoders[side].prepare(values);
    if (retry) throw new DependencyUnavailable(retry.kind === 'retry' ? retry.message : 'schema registry unavailable');
  }

  const replay = deps.replay;
  const dlq: { message: KafkaMessage; topic: string; reason: DlqReason; error: string }[] = [];
  const events: { record: Merged; topic: string; event: LeadEvent | EngagementEvent }[] = [];
  for (const record of records) {
    const { side, message } = record;
    const topic = sideTopic(deps.names, side);
    const decoded = decoders[side].decode<LeadEvent | EngagementEvent>(message.value);
    if (decoded.kind === 'dlq') dlq.push({ message, topic, reason: decoded.reason, error: decoded.message });
    else if (decoded.kind === 'retry') throw new DependencyUnavailable(decoded.message);
    else {
      const invalid = inputRejection(inputOf(side, decoded.value), Number(message.timestamp), deps.timeBounds);
      const misplaced = invalid ? undefined : partitioningViolation(message.key, decoded.value.lead_id, partition, deps.partitions(topic));
      if (invalid) dlq.push({ message, topic, reason: 'feature_invalid', error: invalid.message });
      else if (misplaced) dlq.push({ message, topic, reason: 'wrong_partition', error: misplaced });
      else events.push({ record, topic, event: decoded.value });
    }
  }

  const models = replay?.models ?? MODEL_NAMES;
  const matching = models.includes('property_matcher');
  const leadIds = [...new Set(events.map((e) => e.event.lead_id))];
  const loaded = await deps.store.getStates(leadIds);
  const states = new Map<string, LeadState | undefined>(leadIds.map((id, i) => [id, loaded[i]]));
  const touched = new Set<string>();
  const leadRows = new RowBuffer(LEAD_FEATURES, events.length);
  const matchRows = new RowBuffer(MATCH_FEATURES, events.length * MAX_CANDIDATES);
  const scored: Scored[] = [];
  const duplicates: string[] = [];
  for (const { record, topic, event } of events) {
    const served = serveEvent(states.get(event.lead_id), inputOf(record.side, event));
    if (served.kind === 'duplicate') {
      // Already applied and scored: its outputs exist, from its first delivery.
      duplicates.push(topic);
      continue;
    }
    if (served.kind === 'rejected') {
      // Rejected records leave no trace in state: they are in the DLQ instead.
      dlq.push({ message: record.message, topic, reason: 'feature_invalid', error: served.message });
      continue;
    }
    const { after } = served;
    const t = event.occurred_at;
    states.set(event.lead_id, after);
    touched.add(event.lead_id);
    // A replay applies the history around its range to state without scoring it.
    if (replay && !replay.emits(record, partition)) continue;
    const first = matchRows.count;
    // Candidate search is the costliest feature step: only when property_matcher is scored.
    const listings = matching ? writeMatches(after, t, deps.properties, deps.areas, matchRows) : [];
    const leadRow = leadRows.count;
    leadRows.append(served.leadRow);
    scored.push({ message: record.message, topic, event, leadRow, matchRows: { first, listings }, daysSince: daysSinceLastEngagement(after, t) });
  }

  const leadArray = leadRows.view();
  const matchArray = matchRows.view();
  const score = (model: ModelName, rows: Float32Array, width: number): Promise<ScoreResult | undefined> =>
    models.includes(model) ? scoreRows(model, rows, rows.length / width, deps.registry, deps.combiner, deps.cache) : Promise.resolve(undefined);
  const [leadResult, churnResult, matchResult] = await Promise.all([
    score('lead_scorer', leadArray, LEAD_FEATURES.length),
    score('churn_predictor', leadArray, LEAD_FEATURES.length),
    score('property_matcher', matchArray, MATCH_FEATURES.length),
  ]);

  const scoredAt = deps.now();
  const out = { lead_scorer: [] as Message[], churn_predictor: [] as Message[], property_matcher: [] as Message[] };
  const lines: ScoreLine[] = [];
  const emit = (r: ScoreResult, s: Scored, value: Buffer, headline: number, trace: TraceContext | undefined): void => {
    const source = { topic: s.topic, partition, offset: s.message.offset };
    const headers = outputHeaders({
      model: r.model,
      version: r.version,
      sha256: r.sha256,
      fallback: r.fallback,
      source,
      eventId: s.event.event_id,
      scoredAt,
      ...(replay ? { replayRun: replay.run } : {}),
      ...(trace ? { trace } : {}),
    });
    const model = r.model as ModelName;
    out[model].push({ key: s.event.lead_id, value, headers });
    lines.push({ source, model, version: r.version, value: headline });
  };
  for (const s of scored) {
    const key = s.event.lead_id;
    const trace = traceContext(s.message.headers);
    if (leadResult) {
      const p = leadResult.scores[s.leadRow] as number;
      emit(leadResult, s, deps.encoders.lead_scorer.encode(leadScore(key, s.event.event_id, scoredAt, p, leadArray, s.leadRow * LEAD_FEATURES.length, leadResult)), p, trace);
    }
    if (churnResult) {
      const p = churnResult.scores[s.leadRow] as number;
      emit(churnResult, s, deps.encoders.churn_predictor.encode(churnRisk(key, s.event.event_id, scoredAt, p, s.daysSince, churnResult)), p, trace);
    }
    if (matchResult) {
      const slice = matchResult.scores.subarray(s.matchRows.first, s.matchRows.first + s.matchRows.listings.length);
      const value = propertyMatches(key, s.event.event_id, scoredAt, s.matchRows.listings, slice, matchResult);
      emit(matchResult, s, deps.encoders.property_matcher.encode(value), value.matches[0]?.score ?? 0, trace);
    }
  }

  const touchedStates: EncodedState[] = [...touched].map((id) => ({ leadId: id, bytes: encodeState(states.get(id) as LeadState) }));
  const changelog: Message[] = touchedStates.map((s) => ({ key: s.leadId, value: s.bytes, partition }));
  // A replay leaves dead-lettering to the live processor, which already did it for these records.
  const dlqMessages = (input: string): Message[] =>
    replay
      ? []
      : dlq.filter((d) => d.topic === input).map((d) => dlqRecord(d.message, { topic: d.topic, partition, offset: d.message.offset }, d.reason, d.error, deps.maxRecordBytes));
  const topicMessages = [
    ...MODEL_NAMES.map((m) => ({ topic: deps.outputs[m], messages: out[m] })),
    { topic: deps.names.changelog, messages: changelog },
    ...[deps.names.lead, deps.names.engagement].map((input) => ({ topic: deps.names.dlq(input), messages: dlqMessages(input) })),
  ].filter((t) => t.messages.length > 0);
  const offsets = ([0, 1] as const).flatMap((side) => {
    const last = records.filter((r) => r.side === side).at(-1);
    return last ? [{ topic: sideTopic(deps.names, side), offset: (BigInt(last.message.offset) + 1n).toString() }] : [];
  });
  return {
    partition,
    topicMessages,
    states: touchedStates,
    offsets,
    lines,
    result: {
      records: records.length,
      inputs: countBy(records.map((r) => sideTopic(deps.names, r.side))),
      scored: scored.length,
      outputs: Object.fromEntries(MODEL_NAMES.filter((m) => out[m].length > 0).map((m) => [deps.outputs[m], out[m].length])),
      dlq: dlq.map((d) => ({ topic: d.topic, reason: d.reason, offset: d.message.offset })),
      duplicates: countBy(duplicates),
      fallbacks: [leadResult, churnResult, matchResult].filter((r) => r !== undefined && r.fallback !== null).length,
      inputTimes: scored.map((s) => Number(s.message.timestamp)),
    },
  };
}
