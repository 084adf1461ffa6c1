import avro from 'avsc';
import { errorMessage } from '../errors';
import { addedSymbols, defaultingReader, type EnumDefaulted } from './enum-defaults';
import { dlq, ok, retry, type Outcome } from './outcome';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary. */
const HEADER_BYTES = 5;

/** Where writer schemas come from: the schema registry client, or a map in a unit test. */
export interface WriterSchemas {
  getSchema(id: number): Promise<unknown>;
}

export interface AvroDecoderOptions {
  /**
   * Called for each enum symbol, in a record that decoded, that our reader schema lacks (a newer
   * producer schema added it) and that was read as the enum's default: count it.
   */
  readonly onEnumDefaulted?: EnumDefaulted;
  /** Called once per writer schema id that adds enum symbols, with a line saying which: log it. */
  readonly onNewSymbols?: (schemaId: number, description: string) => void;
}

type WriterLookup = { kind: 'known'; reader: avro.Type; resolver: avro.Resolver; defaults: boolean } | { kind: 'unknown'; message: string };

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'status' in err && (err as { status: unknown }).status === 404;
}

/**
 * Decodes record values written with any registered schema into the reader schema scorestream
 * reads (schemas/*.avsc): each writer schema is resolved against ours, so whatever the registry
 * accepts under FORWARD_TRANSITIVE reads, a symbol our enums lack as the enum's default. Each
 * writer schema id is looked up once and its resolver built once; `prepare` does all the awaiting
 * for a batch, then `decode` is synchronous per record, so the hot path has no per-message promise.
 */
export class AvroDecoder {
  private readonly reader: avro.Type;
  private readonly readerSchema: unknown;
  private readonly writers = new Map<number, WriterLookup>();
  /** Symbols defaulted while reading the current record, reported only once it has decoded. */
  private readonly defaulted: [string, string][] = [];

  constructor(
    private readonly registry: WriterSchemas,
    readerSchema: string,
    private readonly readerName: string,
    private readonly options: AvroDecoderOptions = {},
  ) {
    this.readerSchema = JSON.parse(readerSchema) as unknown;
    this.reader = avro.Type.forSchema(this.readerSchema as avro.Schema);
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
      let writer: unknown;
      try {
        writer = await this.registry.getSchema(id);
      } catch (err: unknown) {
        if (isNotFound(err)) this.writers.set(id, { kind: 'unknown', message: `schema id ${id} is not in the registry` });
        else return retry(`schema registry unavailable while looking up schema id ${id}: ${errorMessage(err)}`);
        continue;
      }
      this.writers.set(id, this.resolve(id, writer));
    }
    return undefined;
  }

  private resolve(id: number, writer: unknown): WriterLookup {
    if (!avro.Type.isType(writer)) return { kind: 'unknown', message: `schema id ${id} is not an Avro schema` };
    const type = writer as avro.Type;
    try {
      const added = addedSymbols(this.reader, type);
      if (added.size === 0) return { kind: 'known', reader: this.reader, resolver: this.reader.createResolver(type), defaults: false };
      const reader = defaultingReader(this.readerSchema, new Set(added.keys()), (field, symbol) => this.defaulted.push([field, symbol]));
      const lookup: WriterLookup = { kind: 'known', reader, resolver: reader.createResolver(type), defaults: true };
      const which = [...added].map(([name, symbols]) => `${name.slice(name.lastIndexOf('.') + 1)} ${symbols.join(', ')}`).join('; ');
      this.options.onNewSymbols?.(id, `schema id ${id} of ${this.readerName} has enum symbols our schema lacks (${which}): they read as the enum's default`);
      return lookup;
    } catch (err: unknown) {
      return { kind: 'unknown', message: `schema id ${id} cannot be read as ${this.readerName}: ${errorMessage(err)}` };
    }
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
    let decoded: T;
    try {
      decoded = writer.reader.fromBuffer(value.subarray(HEADER_BYTES), writer.resolver) as T;
    } catch (err: unknown) {
      this.defaulted.length = 0;
      return dlq('avro_decode', `cannot decode ${value.length - HEADER_BYTES} bytes with schema id ${id}: ${errorMessage(err)}`);
    }
    if (writer.defaults) this.flushDefaulted();
    return ok(decoded);
  }

  private flushDefaulted(): void {
    const report = this.options.onEnumDefaulted;
    if (report) for (const [field, symbol] of this.defaulted) report(field, symbol);
    this.defaulted.length = 0;
  }
}
