import avro from 'avsc';
import { AvroDecoder, type WriterSchemas } from '../../../src/decode/avro-decoder';
import { readSchema, type SchemaName } from '../../../src/schemas/files';
import type { EngagementEvent, PropertyEvent } from '../../../src/schemas/types';
import { leadEvent } from '../../helpers/lead-events';

/**
 * A newer writer schema that adds an enum symbol must not send its records to the DLQ: the symbol
 * reads as the reader enum's default, and each time that happens the decoder says so (field and
 * symbol), so that it can be counted. Pure: the writer schemas come from a map, not a registry.
 */
type Json = Record<string, unknown>;

class Writers implements WriterSchemas {
  private readonly types = new Map<number, avro.Type>();
  private next = 1;

  add(schema: Json): number {
    const id = this.next++;
    this.types.set(id, avro.Type.forSchema(schema as avro.Schema));
    return id;
  }

  async getSchema(id: number): Promise<avro.Type> {
    const type = this.types.get(id);
    if (!type) throw Object.assign(new Error(`schema ${id} not found`), { status: 404 });
    return type;
  }

  encode(id: number, value: unknown): Buffer {
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, (this.types.get(id) as avro.Type).toBuffer(value)]);
  }
}

const schemaJson = (name: SchemaName): Json => JSON.parse(readSchema(name)) as Json;

/** The schema with `edit` applied to the definition of the enum named `enumName`. */
function editEnum(schema: Json, enumName: string, edit: (e: { symbols: string[]; name: string; default?: string }) => void): Json {
  const copy = JSON.parse(JSON.stringify(schema)) as Json;
  let found = false;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      const o = n as Json;
      if (o.type === 'enum' && o.name === enumName) {
        edit(o as unknown as { symbols: string[]; name: string });
        found = true;
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(copy);
  if (!found) throw new Error(`no enum ${enumName}`);
  return copy;
}

const addSymbol = (schema: Json, enumName: string, symbol: string): Json => editEnum(schema, enumName, (e) => e.symbols.push(symbol));

const engagement: EngagementEvent = {
  event_id: 'g1', lead_id: 'l1', engagement_type: 'SAVE', occurred_at: 1_790_000_000_000, channel: 'WEB', property_id: 'p1', duration_seconds: null, session_id: null,
};
const property: PropertyEvent = {
  event_id: 'p1', property_id: 'p1', event_type: 'LISTED', occurred_at: 1_790_000_000_000, list_price: 400_000, property_type: 'CONDO',
  beds: 2, baths: 1, sqft: 900, area: 'Riverside', location: { lat: 40.7, lon: -74 }, listing_status: 'ACTIVE',
};

function decoderFor(name: SchemaName, writers: Writers): { decoder: AvroDecoder; defaulted: [string, string][]; notices: string[] } {
  const defaulted: [string, string][] = [];
  const notices: string[] = [];
  const decoder = new AvroDecoder(writers, readSchema(name), name, {
    onEnumDefaulted: (field, symbol) => defaulted.push([field, symbol]),
    onNewSymbols: (id, line) => notices.push(`${id}: ${line}`),
  });
  return { decoder, defaulted, notices };
}

describe('AvroDecoder: enum symbols added by a newer writer', () => {
  it('reads ARCHIVED, which our LeadStatus lacks, as UNKNOWN and counts only the records that carry it', async () => {
    const writers = new Writers();
    const id = writers.add(addSymbol(schemaJson('LeadEvent'), 'LeadStatus', 'ARCHIVED'));
    const archived = leadEvent(1, { event_type: 'STATUS_CHANGED' });
    const qualified = leadEvent(2, { event_type: 'STATUS_CHANGED', status: 'QUALIFIED' });
    const values = [writers.encode(id, { ...archived, status: 'ARCHIVED' }), writers.encode(id, qualified)];
    const { decoder, defaulted, notices } = decoderFor('LeadEvent', writers);
    expect(await decoder.prepare(values)).toBeUndefined();
    expect(decoder.decode(values[0] as Buffer)).toEqual({ kind: 'ok', value: { ...archived, status: 'UNKNOWN' } });
    expect(decoder.decode(values[1] as Buffer)).toEqual({ kind: 'ok', value: qualified });
    expect(defaulted).toEqual([['status', 'ARCHIVED']]);
    // Said once per writer schema, when it is first seen: a line to log.
    expect(notices).toEqual([`${id}: schema id ${id} of LeadEvent has enum symbols our schema lacks (LeadStatus ARCHIVED): they read as the enum's default`]);
  });

  const lead = leadEvent(3, { preferred_property_type: 'CONDO' });
  const cases: [SchemaName, string, string, string, object][] = [
    ['LeadEvent', 'LeadEventType', 'event_type', 'UNKNOWN', lead],
    ['LeadEvent', 'SourceChannel', 'source_channel', 'OTHER', lead],
    ['LeadEvent', 'LeadStatus', 'status', 'UNKNOWN', lead],
    ['LeadEvent', 'PropertyType', 'preferred_property_type', 'OTHER', lead],
    ['EngagementEvent', 'EngagementType', 'engagement_type', 'OTHER', engagement],
    ['EngagementEvent', 'EngagementChannel', 'channel', 'OTHER', engagement],
    ['PropertyEvent', 'PropertyEventType', 'event_type', 'UNKNOWN', property],
    ['PropertyEvent', 'PropertyType', 'property_type', 'OTHER', property],
    ['PropertyEvent', 'ListingStatus', 'listing_status', 'OFF_MARKET', property],
  ];
  it.each(cases)('%s: a new %s symbol in %s reads as %s', async (name, enumName, field, expected, sample) => {
    const writers = new Writers();
    const id = writers.add(addSymbol(schemaJson(name), enumName, 'ADDED_LATER'));
    const value = writers.encode(id, { ...sample, [field]: 'ADDED_LATER' });
    const { decoder, defaulted } = decoderFor(name, writers);
    expect(await decoder.prepare([value])).toBeUndefined();
    expect(decoder.decode(value)).toEqual({ kind: 'ok', value: { ...sample, [field]: expected } });
    expect(defaulted).toEqual([[field, 'ADDED_LATER']]);
  });

  it('counts nothing for a writer with the same symbols, even reordered', async () => {
    const writers = new Writers();
    const same = writers.add(schemaJson('LeadEvent'));
    const reordered = writers.add(editEnum(schemaJson('LeadEvent'), 'LeadStatus', (e) => e.symbols.reverse()));
    const event = leadEvent(4, { status: 'OFFER' });
    const values = [writers.encode(same, event), writers.encode(reordered, event)];
    const { decoder, defaulted, notices } = decoderFor('LeadEvent', writers);
    expect(await decoder.prepare(values)).toBeUndefined();
    expect(values.map((v) => decoder.decode(v))).toEqual([{ kind: 'ok', value: event }, { kind: 'ok', value: event }]);
    expect([defaulted, notices]).toEqual([[], []]);
  });

  it('still sends what truly cannot be read to the DLQ', async () => {
    const writers = new Writers();
    const noStatus = schemaJson('LeadEvent');
    noStatus.fields = (noStatus.fields as Json[]).filter((f) => f.name !== 'status');
    const withoutStatus = writers.add(noStatus);
    const renamed = writers.add(editEnum(schemaJson('LeadEvent'), 'LeadStatus', (e) => (e.name = 'Stage')));
    const { status: _s, ...rest } = leadEvent(5);
    const good = writers.add(addSymbol(schemaJson('LeadEvent'), 'LeadStatus', 'ARCHIVED'));
    const truncated = writers.encode(good, { ...leadEvent(6), status: 'ARCHIVED' });
    const values = [writers.encode(withoutStatus, rest), writers.encode(renamed, leadEvent(7)), truncated.subarray(0, truncated.length - 4)];
    const { decoder, defaulted } = decoderFor('LeadEvent', writers);
    expect(await decoder.prepare(values)).toBeUndefined();
    expect(values.map((v) => decoder.decode(v)).map((o) => (o.kind === 'dlq' ? o.reason : o.kind))).toEqual(['unknown_schema', 'unknown_schema', 'avro_decode']);
    expect(defaulted).toEqual([]);
  });
});
