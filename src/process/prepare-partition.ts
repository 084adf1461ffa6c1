import type { Admin, Kafka } from 'kafkajs';
import { errorMessage } from '../errors';
import { isUnknownTopic } from '../kafka/error-kinds';
import { sleep } from '../local/wait';
import type { StateStore } from '../state/store';
import type { TopicNames } from '../topics/names';
import type { MergedPartitions } from './merged-partitions';
import type { TransactionalProducers } from './producers';
import { restoreChangelog } from './restore';

export interface PreparePartitionDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly store: StateStore;
  readonly names: TopicNames;
  readonly groupId: string;
  /** Undefined under at-least-once processing: no transactions, no producer per partition. */
  readonly producers: TransactionalProducers | undefined;
  readonly merged: MergedPartitions;
  log(level: 'info' | 'warn', message: string, bindings: Record<string, unknown>): void;
}

const ATTEMPTS = 6;

/**
 * Call under the partition's lock, for a partition just assigned (new or kept): its producer
 * initialized anew (fencing every earlier writer, and this instance's own older epoch), its store
 * caught up from the changelog, and its merge started from the offsets committed after that
 * fencing. A transient failure (a broker restarting) is tried again while `current()` says the
 * assignment still stands; a missing topic is not transient. False: a newer assignment took over.
 */
export async function preparePartition(deps: PreparePartitionDeps, p: number, current: () => boolean): Promise<boolean> {
  const { names } = deps;
  for (let attempt = 1, wait = 250; ; attempt++, wait = Math.min(wait * 2, 4_000)) {
    if (!current()) return false;
    try {
      // One producer per partition pair: a batch holds records of both inputs and commits both offsets.
      await deps.producers?.prepare(names.lead, p);
      const r = await restoreChangelog(deps.kafka, deps.admin, deps.store, names.changelog, [p], deps.groupId);
      if (r.records > 0) deps.log('info', `partition ${p}: restored ${r.records} lead states from the changelog in ${r.seconds.toFixed(2)} s`, { partition: p, restored: r.records });
      deps.merged.startFrom(p, await committedOffsets(deps.admin, deps.groupId, [names.lead, names.engagement], p));
      return true;
    } catch (err: unknown) {
      if (isUnknownTopic(err)) throw new Error(`a topic it needs does not exist (${names.changelog}, ${names.lead} or ${names.engagement}): create them with \`scorestream topics create\``, { cause: err });
      if (attempt >= ATTEMPTS) throw err;
      deps.log('warn', `partition ${p}: preparing failed (${errorMessage(err)}); trying again in ${wait} ms`, { partition: p });
      await sleep(wait);
    }
  }
}

/** The group's committed offsets of partition p of both inputs; undefined where none is committed. */
export async function committedOffsets(admin: Admin, groupId: string, topics: readonly [string, string], p: number): Promise<[bigint | undefined, bigint | undefined]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const of = (topic: string): bigint | undefined => {
    const o = committed.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === p)?.offset;
    return o === undefined || o === '-1' ? undefined : BigInt(o);
  };
  return [of(topics[0]), of(topics[1])];
}
