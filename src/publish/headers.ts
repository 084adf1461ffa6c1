import type { DlqReason } from '../decode/outcome';

/**
 * Header names, in one place: every output says which model scored it and from which input; every
 * DLQ record says where it came from and why it was rejected.
 */
export const HEADERS = {
  modelName: 'x-model-name',
  modelVersion: 'x-model-version',
  modelSha256: 'x-model-sha256',
  fallback: 'x-fallback',
  sourceTopic: 'x-source-topic',
  sourcePartition: 'x-source-partition',
  sourceOffset: 'x-source-offset',
  eventId: 'x-event-id',
  scoredAt: 'x-scored-at',
  replayRun: 'x-replay-run',
  dlqReason: 'x-dlq-reason',
  dlqError: 'x-dlq-error',
  dlqAt: 'x-dlq-at',
} as const;

export interface Source {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface Provenance {
  readonly model: string;
  readonly version: string;
  /** Empty when the rule-based fallback answered (it has no file). */
  readonly sha256: string | null;
  readonly fallback: string | null;
  readonly source: Source;
  readonly eventId: string;
  readonly scoredAt: number;
  readonly replayRun?: string;
  readonly trace?: TraceContext;
}

/** W3C trace context of an input record, carried to each of its outputs. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** The W3C limits: traceparent is 55 characters in version 00; tracestate at most 512. */
const MAX_TRACE_HEADER_BYTES = 512;

type RecordHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined;

function single(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.length === 0 || v.length > MAX_TRACE_HEADER_BYTES) return undefined;
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** The trace context an input record carries, if any (a tracestate without a traceparent means nothing). */
export function traceContext(headers: RecordHeaders): TraceContext | undefined {
  if (!headers) return undefined;
  const traceparent = single(headers.traceparent);
  if (traceparent === undefined) return undefined;
  const tracestate = single(headers.tracestate);
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

export function outputHeaders(p: Provenance): Record<string, string> {
  return {
    [HEADERS.modelName]: p.model,
    [HEADERS.modelVersion]: p.version,
    [HEADERS.modelSha256]: p.sha256 ?? '',
    ...(p.fallback === null ? {} : { [HEADERS.fallback]: p.fallback }),
    [HEADERS.sourceTopic]: p.source.topic,
    [HEADERS.sourcePartition]: String(p.source.partition),
    [HEADERS.sourceOffset]: p.source.offset,
    [HEADERS.eventId]: p.eventId,
    [HEADERS.scoredAt]: new Date(p.scoredAt).toISOString(),
    ...(p.replayRun === undefined ? {} : { [HEADERS.replayRun]: p.replayRun }),
    ...(p.trace === undefined ? {} : p.trace.tracestate === undefined ? { traceparent: p.trace.traceparent } : { traceparent: p.trace.traceparent, tracestate: p.trace.tracestate }),
  };
}

const MAX_ERROR_CHARS = 1000;

/**
 * The DLQ record keeps the original key, value and headers untouched, and adds where it came from
 * and why. An original header of the same name as ours is kept under `x-original-<name>`.
 */
export function dlqHeaders(
  source: Source,
  reason: DlqReason,
  message: string,
  original: Readonly<Record<string, Buffer | string | undefined>> = {},
  at = Date.now(),
): Record<string, Buffer | string> {
  const ours: Record<string, string> = {
    [HEADERS.sourceTopic]: source.topic,
    [HEADERS.sourcePartition]: String(source.partition),
    [HEADERS.sourceOffset]: source.offset,
    [HEADERS.dlqReason]: reason,
    [HEADERS.dlqError]: message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}...` : message,
    [HEADERS.dlqAt]: new Date(at).toISOString(),
  };
  const kept: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(original)) {
    if (value === undefined) continue;
    kept[name in ours ? `x-original-${name}` : name] = value;
  }
  return { ...kept, ...ours };
}
