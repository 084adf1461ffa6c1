import fs from 'node:fs';
import avro from 'avsc';
import { readSchema, SCHEMA_NAMES, SCHEMAS_DIR, type SchemaName } from '../../../src/schemas/files';
import * as t from '../../../src/schemas/types';

/**
 * The TypeScript types and the .avsc files must describe the same records. The samples below are
 * typed, so the compiler checks them against the TypeScript types (every key present, none
 * extra); the test checks the same samples against the schemas (same keys, valid values), and the
 * enum symbol lists against the schemas' enums.
 */
const geo: t.GeoPoint = { lat: 40.71, lon: -74.0 };
const samples: { [K in SchemaName]: t.SchemaTypes[K] } = {
  LeadEvent: {
    event_id: 'e1',
    lead_id: 'l1',
    event_type: 'CREATED',
    occurred_at: 1_790_000_000_000,
    source_channel: 'WEB',
    status: 'NEW',
    budget_min: 300_000,
    budget_max: 450_000,
    preferred_area: 'Riverside',
    preferred_property_type: 'CONDO',
    min_beds: 2,
    min_baths: 1.5,
    location: geo,
    agent_id: 'a1',
  },
  EngagementEvent: {
    event_id: 'e2',
    lead_id: 'l1',
    engagement_type: 'TOUR_REQUEST',
    occurred_at: 1_790_000_000_000,
    channel: 'MOBILE_APP',
    property_id: 'p1',
    duration_seconds: 30,
    session_id: 's1',
  },
  PropertyEvent: {
    event_id: 'e3',
    property_id: 'p1',
    event_type: 'LISTED',
    occurred_at: 1_790_000_000_000,
    list_price: 425_000,
    property_type: 'CONDO',
    beds: 2,
    baths: 2,
    sqft: 1100,
    area: 'Riverside',
    location: geo,
    listing_status: 'ACTIVE',
  },
  LeadScore: {
    lead_id: 'l1',
    event_id: 'e2',
    scored_at: 1_790_000_000_500,
    conversion_probability: 0.42,
    score_band: 'MEDIUM',
    top_reasons: [{ feature: 'tour_requests_30d', value: 2, direction: 'RAISES' }],
    model_name: 'lead_scorer',
    model_version: '1.0.0',
    fallback: null,
  },
  PropertyMatches: {
    lead_id: 'l1',
    event_id: 'e2',
    scored_at: 1_790_000_000_500,
    matches: [{ property_id: 'p1', score: 0.3, rank: 1 }],
    candidates_considered: 40,
    model_name: 'property_matcher',
    model_version: '1.0.0',
    fallback: 'breaker_open',
  },
  ChurnRisk: {
    lead_id: 'l1',
    event_id: 'e2',
    scored_at: 1_790_000_000_500,
    churn_probability: 0.1,
    risk_band: 'LOW',
    days_since_last_engagement: 0.5,
    model_name: 'churn_predictor',
    model_version: '1.0.0',
    fallback: null,
  },
};

const enums: Record<string, readonly string[]> = {
  LeadEventType: t.LEAD_EVENT_TYPES,
  SourceChannel: t.SOURCE_CHANNELS,
  LeadStatus: t.LEAD_STATUSES,
  PropertyType: t.PROPERTY_TYPES,
  EngagementType: t.ENGAGEMENT_TYPES,
  EngagementChannel: t.ENGAGEMENT_CHANNELS,
  PropertyEventType: t.PROPERTY_EVENT_TYPES,
  ListingStatus: t.LISTING_STATUSES,
  ScoreBand: t.BANDS,
  RiskBand: t.BANDS,
  ReasonDirection: t.REASON_DIRECTIONS,
};

/** Every record and enum in a schema, found by walking its JSON. */
function walk(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node !== null && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}

function keysOfRecords(value: unknown, schema: avro.Type, out: string[][]): void {
  if (schema instanceof avro.types.RecordType && value !== null && typeof value === 'object') {
    out.push([Object.keys(value).sort().join(','), schema.fields.map((f) => f.name).sort().join(',')]);
    for (const f of schema.fields) keysOfRecords((value as Record<string, unknown>)[f.name], f.type, out);
  } else if (schema instanceof avro.types.ArrayType && Array.isArray(value)) {
    value.forEach((v) => keysOfRecords(v, schema.itemsType, out));
  } else if (schema instanceof avro.types.UnwrappedUnionType && value !== null) {
    const branch = schema.types.find((b: avro.Type) => b.isValid(value));
    if (branch) keysOfRecords(value, branch, out);
  }
}

describe('schemas/*.avsc and src/schemas/types.ts', () => {
  it('lists every schema file', () => {
    const files = fs.readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.avsc')).map((f) => f.replace('.avsc', ''));
    expect(files.sort()).toEqual([...SCHEMA_NAMES].sort());
  });

  it.each(SCHEMA_NAMES)('%s: the typed sample has exactly the schema fields, at every level, and is valid', (name) => {
    const type = avro.Type.forSchema(JSON.parse(readSchema(name)) as avro.Schema);
    const sample = samples[name];
    const pairs: string[][] = [];
    keysOfRecords(sample, type, pairs);
    for (const [sampleKeys, schemaKeys] of pairs) expect(sampleKeys).toBe(schemaKeys);
    const errors: string[] = [];
    expect(type.isValid(sample, { errorHook: (path) => errors.push(path.join('.')) })).toBe(true);
    expect(errors).toEqual([]);
  });

  it.each(SCHEMA_NAMES)('%s: every enum has the symbols the TypeScript union allows, in order', (name) => {
    walk(JSON.parse(readSchema(name)), (n) => {
      if (n.type !== 'enum') return;
      expect(enums[n.name as string]).toEqual(n.symbols);
    });
  });

  it('every optional (nullable) field has a null default, so adding one stays BACKWARD compatible', () => {
    for (const name of SCHEMA_NAMES) {
      walk(JSON.parse(readSchema(name)), (n) => {
        if (Array.isArray(n.type) && (n.type as unknown[])[0] === 'null') expect(n).toHaveProperty('default', null);
      });
    }
  });
});
