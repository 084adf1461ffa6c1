import type { PropertyTable } from '../features/property-table';
import type { InputEvent } from '../features/serve-event';

/** One lead or engagement record of the history, decoded and in its place in a lane. */
export interface HistoryRecord {
  readonly input: InputEvent;
  /** The record's timestamp (ms); -1 for a file, which has none (event-time checks then pass). */
  readonly timestamp: number;
}

/**
 * The history a training export replays: the property table (every listing version), and the
 * lead and engagement records in lanes, each lane in the order serving applies it: a partition's
 * merge of lead.events and engagement.events by (timestamp, side, offset), the order `run` and
 * `replay` use; for a file, one lane in (occurred_at, side, line) order. Records that could not be
 * read are counted by reason in `skipped`.
 */
export interface History {
  readonly properties: PropertyTable;
  readonly lanes: readonly (readonly HistoryRecord[])[];
  readonly skipped: Map<string, number>;
  /** Records read in all (bad ones included), and where they came from, for the table's metadata. */
  readonly recordsRead: number;
  readonly source: Readonly<Record<string, unknown>>;
}

export function count(map: Map<string, number>, reason: string, n = 1): void {
  map.set(reason, (map.get(reason) ?? 0) + n);
}

/** Records of one lane sort by (time, side, position): lead events first on equal times, as the merge does. */
export interface Ordered {
  readonly time: number;
  readonly side: 0 | 1;
  readonly position: bigint;
}

export function mergeOrder(a: Ordered, b: Ordered): number {
  return a.time - b.time || a.side - b.side || (a.position < b.position ? -1 : a.position > b.position ? 1 : 0);
}
