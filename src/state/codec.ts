import avro from 'avsc';
import { TRACKED_ENGAGEMENTS, type LeadState, type TrackedEngagement } from '../features/lead-state';
import { NO_SEEN_EVENTS } from '../features/seen-events';

/**
 * The serialized form of a lead's state, in RocksDB and in the changelog topic: one format byte,
 * then the body. Format 1 was JSON; format 2 is Avro binary (about a third of the bytes, and
 * faster both ways: every touched lead is encoded once per batch, then compressed, sent to the
 * changelog and written to RocksDB, which the profile showed to be the largest per-event cost).
 * Both are read, so a changelog or store written by an earlier version still restores.
 */
const FORMAT_JSON_V1 = 1;
const FORMAT_AVRO_V2 = 2;
/** Format 3 adds the window of seen event ids (idempotence by event_id); formats 1 and 2 read with an empty one. */
const FORMAT_AVRO_V3 = 3;

/** A lead's state as written to the changelog and RocksDB: encoded once per batch, written twice. */
export interface EncodedState {
  readonly leadId: string;
  readonly bytes: Buffer;
}

const nullable = (type: avro.Schema): avro.Schema => ['null', type] as avro.Schema;

/**
 * Engagement windows are a map holding only the non-empty lists (most are empty), keyed by type
 * name, so that a type added later still reads old states. Strings, not enums, for the same reason.
 */
const FIELDS_V2: avro.schema.RecordType['fields'] = [
  { name: 'lead_id', type: 'string' },
  { name: 'created_at', type: 'long' },
  { name: 'last_event_at', type: 'long' },
  { name: 'last_engagement_at', type: nullable('long') },
  { name: 'source_channel', type: nullable('string') },
  { name: 'status', type: 'string' },
  { name: 'budget_min', type: nullable('double') },
  { name: 'budget_max', type: nullable('double') },
  { name: 'preferred_area', type: nullable('string') },
  { name: 'preferred_property_type', type: nullable('string') },
  { name: 'min_beds', type: nullable('double') },
  { name: 'location', type: nullable({ type: 'record', name: 'GeoPointV2', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] }) },
  { name: 'unsubscribed', type: 'boolean' },
  { name: 'recent', type: { type: 'map', values: { type: 'array', items: 'long' } } },
  { name: 'viewed', type: { type: 'map', values: 'long' } },
  { name: 'saved', type: { type: 'map', values: 'long' } },
];
const STATE_V2 = avro.Type.forSchema({ type: 'record', name: 'LeadStateV2', fields: FIELDS_V2 });
const STATE_V3 = avro.Type.forSchema({ type: 'record', name: 'LeadStateV3', fields: [...FIELDS_V2, { name: 'seen', type: 'bytes' }] });

const HEADER_V3 = Buffer.from([FORMAT_AVRO_V3]);

export function encodeState(state: LeadState): Buffer {
  const recent: Record<string, readonly number[]> = {};
  for (const k of TRACKED_ENGAGEMENTS) if (state.recent[k].length > 0) recent[k] = state.recent[k];
  return Buffer.concat([HEADER_V3, STATE_V3.toBuffer({ ...state, recent })]);
}

/** Throws what decodeState would for a format this version cannot read, without parsing. */
export function checkStateFormat(bytes: Buffer): void {
  if (bytes[0] !== FORMAT_AVRO_V3 && bytes[0] !== FORMAT_AVRO_V2 && bytes[0] !== FORMAT_JSON_V1) throw new Error(`unknown lead state format ${bytes[0]}`);
}

export function decodeState(bytes: Buffer): LeadState {
  checkStateFormat(bytes);
  if (bytes[0] === FORMAT_JSON_V1) return { ...(JSON.parse(bytes.subarray(1).toString('utf8')) as Omit<LeadState, 'seen'>), seen: NO_SEEN_EVENTS };
  const type = bytes[0] === FORMAT_AVRO_V3 ? STATE_V3 : STATE_V2;
  const raw = type.fromBuffer(bytes.subarray(1)) as Omit<LeadState, 'recent' | 'seen'> & { recent: Record<string, number[]>; seen?: Buffer };
  const recent = {} as Record<TrackedEngagement, number[]>;
  for (const k of TRACKED_ENGAGEMENTS) recent[k] = raw.recent[k] ?? [];
  // avsc decodes records into instances of a generated class; state is a plain object elsewhere.
  return {
    lead_id: raw.lead_id,
    created_at: raw.created_at,
    last_event_at: raw.last_event_at,
    last_engagement_at: raw.last_engagement_at,
    source_channel: raw.source_channel,
    status: raw.status,
    budget_min: raw.budget_min,
    budget_max: raw.budget_max,
    preferred_area: raw.preferred_area,
    preferred_property_type: raw.preferred_property_type,
    min_beds: raw.min_beds,
    location: raw.location === null ? null : { lat: raw.location.lat, lon: raw.location.lon },
    unsubscribed: raw.unsubscribed,
    recent,
    viewed: { ...raw.viewed },
    saved: { ...raw.saved },
    seen: raw.seen ?? NO_SEEN_EVENTS,
  };
}
