import avro from 'avsc';

/**
 * Encodes output records in the Confluent wire format with a schema id fixed at start-up
 * (registered by `topics create`): synchronous, no registry call per record.
 */
export class AvroEncoder<T> {
  private readonly type: avro.Type;
  private readonly header: Buffer;

  constructor(schemaId: number, schema: string) {
    this.type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    this.header = Buffer.alloc(5);
    this.header.writeInt32BE(schemaId, 1);
  }

  encode(value: T): Buffer {
    return Buffer.concat([this.header, this.type.toBuffer(value)]);
  }
}
