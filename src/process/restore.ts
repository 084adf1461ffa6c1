import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { untilEndOffsets } from '../kafka/end-offsets';
import { checkStateFormat } from '../state/codec';
import type { StateStore } from '../state/store';

export interface RestoreResult {
  readonly partitions: number[];
  readonly records: number;
  readonly seconds: number;
}

/**
 * Brings the store up to the end of changelog partitions `partitions`, from each one's checkpoint
 * (from the start when there is none). Call it after the partition's producers are initialized:
 * that fences any zombie and ends its open transaction, so the end offset is stable. The store is
 * caught up when only a transaction marker remains after its checkpoint.
 */
export async function restoreChangelog(kafka: Kafka, admin: Admin, store: StateStore, changelog: string, partitions: readonly number[], appId: string): Promise<RestoreResult> {
  const t0 = Date.now();
  const offsets = await admin.fetchTopicOffsets(changelog);
  const plan = new Map<number, { from: bigint; end: bigint }>();
  for (const p of partitions) {
    const o = offsets.find((x) => x.partition === p);
    if (!o) continue;
    const low = BigInt(o.low);
    const end = BigInt(o.high);
    const checkpoint = await store.checkpoint(p);
    const from = checkpoint === undefined || checkpoint < low ? low : checkpoint;
    if (from < end - 1n) plan.set(p, { from, end });
  }
  if (plan.size === 0) return { partitions: [], records: 0, seconds: (Date.now() - t0) / 1000 };

  let records = 0;
  const consumer = kafka.consumer({ groupId: `${appId}-restore-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: changelog, fromBeginning: true });
    const done = untilEndOffsets(consumer, new Map([...plan].map(([p, { end }]) => [p, end])));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const others = (payload.memberAssignment[changelog] ?? []).filter((p) => !plan.has(p));
      if (others.length > 0) consumer.pause([{ topic: changelog, partitions: others }]);
      for (const [partition, { from }] of plan) consumer.seek({ topic: changelog, partition, offset: from.toString() });
    });
    const running = consumer.run({
      eachBatch: async ({ batch }) => {
        const target = plan.get(batch.partition);
        if (!target) return;
        const fresh = batch.messages.filter((m) => BigInt(m.offset) >= target.from && m.value !== null);
        if (fresh.length === 0) return;
        // The last write of a lead wins, as it did when the records were produced.
        // Written as the changelog holds them (decoded when read); a format this version cannot read fails the restore here.
        const states = fresh.map((m) => {
          checkStateFormat(m.value as Buffer);
          return { leadId: (m.key as Buffer).toString('utf8'), bytes: m.value as Buffer };
        });
        await store.apply(batch.partition, states, BigInt((fresh[fresh.length - 1] as { offset: string }).offset) + 1n);
        records += fresh.length;
      },
    });
    await Promise.race([done, running.then(() => new Promise<never>(() => undefined))]);
  } finally {
    await consumer.disconnect();
  }
  return { partitions: [...plan.keys()], records, seconds: (Date.now() - t0) / 1000 };
}
