import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { ScorestreamError } from '../errors';
import { PropertyTable } from '../features/property-table';
import { inputOf } from '../features/serve-event';
import { validatePropertyEvent } from '../features/validate';
import { readSchema, type SchemaName } from '../schemas/files';
import type { EngagementEvent, LeadEvent, PropertyEvent } from '../schemas/types';
import { count, mergeOrder, type History, type HistoryRecord, type Ordered } from './history';

export const JSONL_FILES = { property: 'property.events.jsonl', lead: 'lead.events.jsonl', engagement: 'engagement.events.jsonl' } as const;

/**
 * Each line goes through the topic's Avro schema as a producer would write it and a consumer read
 * it back (doubles stay doubles, enums are checked), so a history exported from a file and the same
 * history produced to the topics give bit-identical rows.
 */
function lines<T>(dir: string, file: string, schema: SchemaName, skipped: Map<string, number>, each: (value: T, line: number) => void): number {
  const where = path.join(dir, file);
  let content: string;
  try {
    content = fs.readFileSync(where, 'utf8');
  } catch (err) {
    throw new ScorestreamError('USAGE_INVALID', `features export: --from-jsonl ${dir}: cannot read ${file} (${(err as Error).message}); the directory \`scorestream generate\` writes holds ${Object.values(JSONL_FILES).join(', ')}`, { cause: err });
  }
  const type = avro.Type.forSchema(JSON.parse(readSchema(schema)) as avro.Schema);
  let n = 0;
  content.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    n++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      count(skipped, 'json_invalid');
      return;
    }
    if (!type.isValid(parsed)) {
      count(skipped, 'avro_decode');
      return;
    }
    each(type.fromBuffer(type.toBuffer(parsed)) as T, i);
  });
  return n;
}

/** A history in the `scorestream generate` format: one JSON event per line, one file per topic. */
export function readJsonlHistory(dir: string): History {
  const skipped = new Map<string, number>();
  const properties = new PropertyTable();
  let recordsRead = lines<PropertyEvent>(dir, JSONL_FILES.property, 'PropertyEvent', skipped, (e) => {
    if (validatePropertyEvent(e)) count(skipped, 'property_invalid');
    else properties.apply(e);
  });
  const records: (HistoryRecord & Ordered)[] = [];
  const add = (side: 0 | 1) => (e: LeadEvent | EngagementEvent, line: number): void => {
    records.push({ input: inputOf(side, e), timestamp: -1, time: e.occurred_at, side, position: BigInt(line) });
  };
  recordsRead += lines<LeadEvent>(dir, JSONL_FILES.lead, 'LeadEvent', skipped, add(0));
  recordsRead += lines<EngagementEvent>(dir, JSONL_FILES.engagement, 'EngagementEvent', skipped, add(1));
  records.sort(mergeOrder);
  return { properties, lanes: [records], skipped, recordsRead, source: { kind: 'jsonl', dir: path.resolve(dir) } };
}
