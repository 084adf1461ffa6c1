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
