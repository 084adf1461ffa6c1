import type { Admin, Consumer } from 'kafkajs';
import { PartitionMerge, type Merged, type Side } from '../consume/partition-merge';

type TopicOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

export interface MergeBounds {
  /** Offsets at or past these are never processed, per side. */
  readonly limits: readonly [bigint | undefined, bigint | undefined];
  /** Fixed end offsets, per side (a replay); undefined: ask the broker for the end as it is now. */
  readonly ends: readonly [bigint | undefined, bigint | undefined];
  /** Sides that never count as caught up (a replay's replayed topic: the other side waits for it). */
  readonly neverCaughtUp?: Side;
}

/**
 * The merges of every assigned partition and what they need to know about the two sides: where
 * each stands, whether it is caught up, and pausing a side's fetches: the side that waits on the
 * other (its records are buffered already), and a side whose buffer is full (the partition's loop
 * is behind).
 */
export class MergedPartitions {
  private readonly merges = new Map<number, PartitionMerge>();
  /** Next offset after the last batch KafkaJS fetched, per `topic:partition`, transaction markers included. */
  private readonly fetchedTo = new Map<string, bigint>();
  /** Sides paused while they wait on the other side, since when. */
  private readonly paused = new Map<string, number>();
  /** Sides paused while their buffer is full. */
  private readonly full = new Set<string>();
  /** Called when a waiting side's wait ends without a delivery: its buffered records may go now. */
  wake: (partition: number) => void = () => undefined;
  private readonly offsetRequests = new Map<string, Promise<TopicOffsets>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topics: readonly [string, string],
    private readonly bounds: (partition: number) => MergeBounds | undefined = () => undefined,
  ) {
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const side = this.sideOf(payload.topic);
      if (side === undefined) return;
      const key = `${payload.topic}:${payload.partition}`;
      const to = BigInt(payload.lastOffset) + 1n;
      if ((this.fetchedTo.get(key) ?? -1n) < to) this.fetchedTo.set(key, to);
      // The side that waited on this one may go on now.
      this.resume(payload.partition, side === 0 ? 1 : 0);
    });
    // A waiting side is resumed after a while whatever happens, so no wait can last.
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const [key, since] of this.paused) {
        if (now - since <= 1_000) continue;
        this.resumeKey(key);
        this.wake(Number(key.slice(key.lastIndexOf(':') + 1)));
      }
    }, 500);
    this.timer.unref();
  }

  sideOf(topic: string): Side | undefined {
    return topic === this.topics[0] ? 0 : topic === this.topics[1] ? 1 : undefined;
  }

  get(partition: number): PartitionMerge {
    let merge = this.merges.get(partition);
    if (!merge) {
      merge = new PartitionMerge(this.bounds(partition)?.limits);
      this.merges.set(partition, merge);
    }
    return merge;
  }

  /** Call under the partition's lock: its records are delivered again from the committed offsets. */
  forget(partition: number): void {
    this.merges.delete(partition);
    for (const topic of this.topics) {
      const key = `${topic}:${partition}`;
      this.fetchedTo.delete(key);
      this.full.delete(key);
      this.resumeKey(key);
    }
  }

  /**
   * Pauses the fetches of a side holding `limit` records or more, and resumes a paused one that
   * holds half as many: what KafkaJS fetched is resolved at once, so this bounds what is buffered.
   */
  bound(partition: number, side: Side, limit: number): void {
    const key = `${this.topics[side]}:${partition}`;
    const buffered = this.merges.get(partition)?.buffered(side) ?? 0;
    if (buffered >= limit && !this.full.has(key)) {
      if (this.pauseKey(key)) this.full.add(key);
    } else if (buffered <= limit / 2 && this.full.delete(key)) {
      this.resumeKey(key);
    }
  }

  /**
   * Call under the partition's lock, when the partition is (re)assigned here and its producer has
   * fenced every earlier writer: the merge starts from the offsets committed now, so records a
   * fetch begun before the assignment delivers again (already committed by another instance) are
   * skipped, never processed twice.
   */
  startFrom(partition: number, committed: readonly [bigint | undefined, bigint | undefined]): void {
    this.forget(partition);
    const merge = this.get(partition);
    for (const side of [0, 1] as const) {
      const offset = committed[side];
      if (offset !== undefined) merge.setPosition(side, offset);
    }
  }

  /**
   * The consumer crashed (KafkaJS restarts it, or it is gone): nothing it had paused or delivered
   * survives it, and no timer may call into it.
   */
  reset(): void {
    this.merges.clear();
    this.fetchedTo.clear();
    this.paused.clear();
    this.full.clear();
  }

  /**
   * The next records of `partition` in merged order, at most `max`; empty when the order is not
   * decidable yet, in which case the side with records is paused until the other delivers.
   */
  async take(partition: number, max: number): Promise<Merged[]> {
    const merge = this.get(partition);
    const known = (side: Side): boolean => this.knownCaughtUp(partition, side, merge);
    const taken = merge.take(max, known);
    if (taken.records.length > 0 || taken.blockedOn === undefined) return taken.records;
    const blocked = taken.blockedOn;
    if (!(await this.caughtUp(partition, blocked, merge))) {
      // Delivered while the broker was asked (deliveries do not wait for the partition's loop):
      // the merge can go on, and a pause now would come after the delivery that lifts it.
      if (merge.buffered(blocked) > 0) return merge.take(max, known).records;
      this.pause(partition, blocked === 0 ? 1 : 0);
      return [];
    }
    return merge.take(max, (side) => side === blocked || known(side)).records;
  }

  /** The next offset of a side, transaction markers after the last processed record included. */
  reached(partition: number, side: Side): bigint | undefined {
    const merge = this.merges.get(partition);
    return merge ? this.position(partition, side, merge) : undefined;
  }

  private position(partition: number, side: Side, merge: PartitionMerge): bigint | undefined {
    const pos = merge.position(side);
    const fetched = this.fetchedTo.get(`${this.topics[side]}:${partition}`);
    // With nothing buffered on this side, whatever was fetched past its position was a transaction marker or aborted.
    return pos !== undefined && fetched !== undefined && fetched > pos && merge.buffered(side) === 0 ? fetched : pos;
  }

  private knownCaughtUp(partition: number, side: Side, merge: PartitionMerge): boolean {
    const b = this.bounds(partition);
    if (b?.neverCaughtUp === side) return false;
    const end = b?.ends[side];
    const pos = this.position(partition, side, merge);
    return end !== undefined && pos !== undefined && pos >= end;
  }

  private async caughtUp(partition: number, side: Side, merge: PartitionMerge): Promise<boolean> {
    const b = this.bounds(partition);
    if (b?.neverCaughtUp === side) return false;
    const topic = this.topics[side];
    // One ListOffsets answers both what a side with no committed offset starts from and where it ends now.
    const offsets = merge.position(side) === undefined || b?.ends[side] === undefined ? (await this.topicOffsets(topic)).find((o) => o.partition === partition) : undefined;
    if (merge.position(side) === undefined) {
      const [committed] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
      const offset = committed?.partitions.find((x) => x.partition === partition)?.offset ?? '-1';
      merge.setPosition(side, BigInt(offset === '-1' ? (offsets?.low ?? '0') : offset));
    }
    const pos = this.position(partition, side, merge) as bigint;
    const end = b?.ends[side] ?? BigInt(offsets?.high ?? '0');
    return pos >= end;
  }

  /**
   * Every partition's offsets of a topic. Partitions blocked at the same time (one fetch round
   * delivers them together) share one request instead of one ListOffsets pair each. An answer
   * asked for a few milliseconds before is as good as one's own: a record appended in between is
   * late data either way (PartitionMerge), as it would be had this partition asked first.
   */
  private topicOffsets(topic: string): Promise<TopicOffsets> {
    let request = this.offsetRequests.get(topic);
    if (!request) {
      request = this.admin.fetchTopicOffsets(topic).finally(() => this.offsetRequests.delete(topic));
      this.offsetRequests.set(topic, request);
    }
    return request;
  }

  private pause(partition: number, side: Side): void {
    const key = `${this.topics[side]}:${partition}`;
    if (!this.paused.has(key) && this.pauseKey(key)) this.paused.set(key, Date.now());
  }

  private resume(partition: number, side: Side): void {
    const key = `${this.topics[side]}:${partition}`;
    if (this.paused.delete(key)) this.resumeKey(key);
  }

  /** Pauses a side's fetches unless already paused for the other reason; false if the consumer could not. */
  private pauseKey(key: string): boolean {
    if (this.paused.has(key) || this.full.has(key)) return true;
    const i = key.lastIndexOf(':');
    // A consumer between a crash and its restart has no group to pause in: nothing is paused then.
    try {
      this.consumer.pause([{ topic: key.slice(0, i), partitions: [Number(key.slice(i + 1))] }]);
      return true;
    } catch {
      return false;
    }
  }

  /** Resumes a side's fetches once neither reason to pause it is left. */
  private resumeKey(key: string): void {
    this.paused.delete(key);
    if (this.full.has(key)) return;
    const i = key.lastIndexOf(':');
    try {
      this.consumer.resume([{ topic: key.slice(0, i), partitions: [Number(key.slice(i + 1))] }]);
    } catch {
      // The consumer has no group now (it crashed): its restart starts with nothing paused.
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
