import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { errorMessage } from '../errors';
import { dlq, ok, retry, type Outcome } from './outcome';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary. */
const HEADER_BYTES = 5;

type WriterLookup = { kind: 'known'; resolver: avro.Resolver } | { kind: 'unknown'; message: string };

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && (err as { status: unknown }).status === 404;
}

/**
 * Decodes record values written with any registered schema into the reader schema scorestream
 * reads (schemas/*.avsc), with BACKWARD evolution. Each writer schema id is looked up once and
 * its resolver built once; `prepare` does all the awaiting for a batch, then `decode` is
 * synchronous per record, so the hot path has no per-message promise.
 */
export class AvroDecoder {
  private readonly reader: avro.Type;
  private readonly writers = new Map<number, WriterLookup>();

  constructor(
    private readonly registry: SchemaRegistry,
    readerSchema: string,
    private readonly readerName: string,
  ) {
    this.reader = avro.Type.forSchema(JSON.parse(readerSchema) as avro.Schema);
  }

  /** The schema id of a value in the wire format, or undefined when the framing is wrong. */
  static schemaId(value: Buffer | null): number | undefined {
    if (!value || value.length < HEADER_BYTES || value[0] !== 0) return undefined;
    return value.readInt32BE(1);
  }

  /**
   * Looks up the writer schemas of these values that are not cached yet. Resolves to a retry
   * outcome when the registry cannot be reached (the batch must wait), undefined otherwise.
   */
  async prepare(values: readonly (Buffer | null)[]): Promise<Outcome<never> | undefined> {
    const missing = new Set<number>();
    for (const v of values) {
      const id = AvroDecoder.schemaId(v);
      if (id !== undefined && !this.writers.has(id)) missing.add(id);
    }
    for (const id of missing) {
      try {
        const writer = (await this.registry.getSchema(id)) as unknown as avro.Type;
        try {
          this.writers.set(id, { kind: 'known', resolver: this.reader.createResolver(writer) });
        } catch (err: unknown) {
          this.writers.set(id, { kind: 'unknown', message: `schema id ${id} cannot be read as ${this.readerName}: ${errorMessage(err)}` });
        }
      } catch (err: unknown) {
        if (isNotFound(err)) this.writers.set(id, { kind: 'unknown', message: `schema id ${id} is not in the registry` });
        else return retry(`schema registry unavailable while looking up schema id ${id}: ${errorMessage(err)}`);
      }
    }
    return undefined;
  }

  /** Decodes one value; `prepare` must have seen it. */
  decode<T>(value: Buffer | null): Outcome<T> {
    if (!value || value.length === 0) return dlq('bad_magic', 'empty value (a tombstone or a record without a body)');
    if (value[0] !== 0) return dlq('bad_magic', `first byte is ${value[0]}, not the Confluent magic byte 0`);
    if (value.length < HEADER_BYTES) return dlq('bad_magic', `${value.length} bytes: too short for the 5-byte wire format header`);
    const id = value.readInt32BE(1);
    const writer = this.writers.get(id);
    if (!writer) return retry(`schema id ${id} was not prepared`);
    if (writer.kind === 'unknown') return dlq('unknown_schema', writer.message);
    try {
      return ok(this.reader.fromBuffer(value.subarray(HEADER_BYTES), writer.resolver) as T);
    } catch (err: unknown) {
      return dlq('avro_decode', `cannot decode ${value.length - HEADER_BYTES} bytes with schema id ${id}: ${errorMessage(err)}`);
    }
  }
}
