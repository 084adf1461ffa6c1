import type { LeadState } from '../features/lead-state';

/**
 * The serialized form of a lead's state, in RocksDB and in the changelog topic: one format byte,
 * then JSON. The format byte lets a later version change the encoding and still read old records.
 */
const FORMAT_JSON_V1 = 1;

export function encodeState(state: LeadState): Buffer {
  return Buffer.concat([Buffer.from([FORMAT_JSON_V1]), Buffer.from(JSON.stringify(state))]);
}

export function decodeState(bytes: Buffer): LeadState {
  if (bytes[0] !== FORMAT_JSON_V1) throw new Error(`unknown lead state format ${bytes[0]}`);
  return JSON.parse(bytes.subarray(1).toString('utf8')) as LeadState;
}
