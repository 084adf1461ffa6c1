/**
 * patches/kafkajs+2.2.4.patch keeps the transaction and group coordinators a transactional
 * producer found instead of asking before every request. The cost is measured on the real broker
 * (test/integration/kafka/transaction-requests); this checks, with a fake cluster, the part a
 * single local broker cannot provoke: a coordinator that moved is asked for again, and an error
 * that says nothing about the coordinator (CONCURRENT_TRANSACTIONS) does not make it asked for.
 */
interface FakeBroker {
  readonly nodeId: number;
  initProducerId(): Promise<{ producerId: number; producerEpoch: number }>;
  addPartitionsToTxn(): Promise<void>;
  endTxn(): Promise<void>;
}
interface Transaction {
  beginTransaction(): void;
  addPartitionsToTransaction(topics: { topicName: string; partitions: { partition: number }[] }[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  initProducerId(): Promise<void>;
}
type CreateEosManager = (options: { logger: unknown; cluster: unknown; transactional: boolean; transactionalId: string }) => Transaction;

// KafkaJS's own module, as installed (and patched); it ships no types for its internals.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createEosManager = require('kafkajs/src/producer/eosManager') as CreateEosManager;

const protocolError = (type: string): Error => Object.assign(new Error(type), { type, retriable: true });
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function setUp(addPartitionsErrors: Error[]): { eos: Transaction; finds: () => number } {
  let finds = 0;
  const broker: FakeBroker = {
    nodeId: 1,
    initProducerId: async () => ({ producerId: 7, producerEpoch: 0 }),
    addPartitionsToTxn: async () => {
      const error = addPartitionsErrors.shift();
      if (error) throw error;
    },
    endTxn: async () => undefined,
  };
  const cluster = {
    retry: { retries: 0 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async () => {
      finds++;
      return broker;
    },
    findBroker: async () => broker,
  };
  return { eos: createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx' }), finds: () => finds };
}

/** One transaction; a failed AddPartitionsToTxn is aborted (nothing was added: no EndTxn) and returned. */
async function transaction(eos: Transaction, partition: number): Promise<unknown> {
  eos.beginTransaction();
  try {
    await eos.addPartitionsToTransaction([{ topicName: 'out', partitions: [{ partition }] }]);
  } catch (error: unknown) {
    await eos.abort();
    return error;
  }
  await eos.commit();
  return undefined;
}

describe('the transaction coordinator a producer keeps', () => {
  it('is asked for by InitProducerId, then kept across transactions', async () => {
    const { eos, finds } = setUp([]);
    await eos.initProducerId();
    for (let i = 0; i < 3; i++) expect(await transaction(eos, i)).toBeUndefined();
    expect(finds()).toBe(1);
  });

  it('is kept after CONCURRENT_TRANSACTIONS, and asked for again after NOT_COORDINATOR', async () => {
    const { eos, finds } = setUp([protocolError('CONCURRENT_TRANSACTIONS'), protocolError('NOT_COORDINATOR')]);
    await eos.initProducerId();
    expect(await transaction(eos, 0)).toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
    expect(finds()).toBe(1);
    expect(await transaction(eos, 1)).toMatchObject({ type: 'NOT_COORDINATOR' });
    expect(finds()).toBe(1);
    // The next request asks where the coordinator is now, and that answer is kept in turn.
    expect(await transaction(eos, 2)).toBeUndefined();
    expect(finds()).toBe(2);
    expect(await transaction(eos, 3)).toBeUndefined();
    expect(finds()).toBe(2);
  });
});
