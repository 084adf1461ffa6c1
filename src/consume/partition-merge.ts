import type { KafkaMessage } from 'kafkajs';

/** 0: lead.events[p], 1: engagement.events[p]. On equal timestamps lead events go first. */
export type Side = 0 | 1;
export const SIDES: readonly Side[] = [0, 1];

export interface Merged {
  readonly side: Side;
  readonly message: KafkaMessage;
}

export interface Taken {
  readonly records: Merged[];
  /** The side whose buffer ran dry while the other still had records: its status decides what comes next. */
  readonly blockedOn: Side | undefined;
}

/**
 * The merge of lead.events[p] and engagement.events[p] into one order: both update the same
 * leads' state, so the order in which they are applied decides the features. Records go in order
 * of (timestamp, side, offset), a record only once every record that precedes it on the other side
 * is known: that side has a record with a later timestamp buffered, or has nothing more to come
 * (caught up). The same input then gives the same order live, after a restart and in a replay
 * (what Kafka Streams does with max.task.idle.ms); only a record appended after later-stamped
 * records of the other side were processed (late data) goes in arrival order.
 *
 * KafkaJS fetches a partition from its last resolved offset, so records delivered but not yet
 * decidable are simply delivered again; offer() skips what it already holds.
 */
export class PartitionMerge {
  private readonly buffers: [KafkaMessage[], KafkaMessage[]] = [[], []];
  /** Next offset to process per side; undefined until known. */
  private readonly next: [bigint | undefined, bigint | undefined] = [undefined, undefined];

  /** Offsets at or past `limit` are never taken (a bounded replay). */
  constructor(private readonly limits: readonly [bigint | undefined, bigint | undefined] = [undefined, undefined]) {}

  position(side: Side): bigint | undefined {
    return this.next[side];
  }

  /** The position where processing starts on a side (its committed offset), when it has delivered nothing. */
  setPosition(side: Side, offset: bigint): void {
    if (this.next[side] === undefined) this.next[side] = offset;
  }

  buffered(side: Side): number {
    return this.buffers[side].length;
  }

  offer(side: Side, messages: readonly KafkaMessage[]): void {
    const buffer = this.buffers[side];
    const last = buffer.length > 0 ? BigInt((buffer[buffer.length - 1] as KafkaMessage).offset) : (this.next[side] ?? 0n) - 1n;
    const limit = this.limits[side];
    for (const m of messages) {
      const offset = BigInt(m.offset);
      if (offset > last && (limit === undefined || offset < limit)) buffer.push(m);
    }
  }

  /**
   * Up to `max` records in merged order, without removing them (commit() does, once they are
   * committed). `caughtUp(side)` says whether a side whose buffer is empty has nothing more to come.
   */
  take(max: number, caughtUp: (side: Side) => boolean): Taken {
    const records: Merged[] = [];
    const at: [number, number] = [0, 0];
    while (records.length < max) {
      const a = this.buffers[0][at[0]];
      const b = this.buffers[1][at[1]];
      let side: Side;
      if (a && b) side = Number(a.timestamp) <= Number(b.timestamp) ? 0 : 1;
      else if (a) {
        if (!caughtUp(1)) return { records, blockedOn: 1 };
        side = 0;
      } else if (b) {
        if (!caughtUp(0)) return { records, blockedOn: 0 };
        side = 1;
      } else break;
      records.push({ side, message: (side === 0 ? a : b) as KafkaMessage });
      at[side]++;
    }
    return { records, blockedOn: undefined };
  }

  /** The records of a take() are committed: drop them and move the positions past them. */
  commit(records: readonly Merged[]): void {
    for (const side of SIDES) {
      const n = records.reduce((k, r) => k + (r.side === side ? 1 : 0), 0);
      if (n === 0) continue;
      const done = this.buffers[side].splice(0, n);
      this.next[side] = BigInt((done[done.length - 1] as KafkaMessage).offset) + 1n;
    }
  }

  /** After a failed batch or a lost assignment: everything is delivered again from the committed offsets. */
  reset(): void {
    this.buffers[0] = [];
    this.buffers[1] = [];
    this.next[0] = undefined;
    this.next[1] = undefined;
  }
}
