import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyLeadEvent } from '../../../src/features/lead-state';
import { encodeState } from '../../../src/state/codec';
import { StateStore } from '../../../src/state/store';
import { writeBatch } from '../../../src/state/write-batch';
import { leadEvent } from '../../helpers/lead-events';

/** The state store on real RocksDB, in a scratch directory. */
describe('StateStore', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-state-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const state = (i: number) => applyLeadEvent(undefined, leadEvent(i, { lead_id: `lead-${i}`, event_id: `event-${i}` }));
  const encoded = (i: number) => ({ leadId: `lead-${i}`, bytes: encodeState(state(i)) });

  it('writes states and their changelog checkpoint together, and keeps them across a reopen', async () => {
    const dir = path.join(root, 'db');
    const { store, rebuilt } = await StateStore.open(dir);
    expect(rebuilt).toBeUndefined();
    expect(await store.checkpoint(0)).toBeUndefined();
    await store.apply(0, [encoded(1), encoded(2)], 12n);
    await store.apply(3, [encoded(3)], 5n);
    await store.close();

    const again = (await StateStore.open(dir)).store;
    expect(await again.getStates(['lead-1', 'lead-2', 'lead-9', 'lead-3'])).toEqual([state(1), state(2), undefined, state(3)]);
    expect([await again.checkpoint(0), await again.checkpoint(3), await again.checkpoint(1)]).toEqual([12n, 5n, undefined]);
    await again.close();
  });

  it('moves a directory RocksDB cannot open aside and starts empty, saying so', async () => {
    const dir = path.join(root, 'db');
    const { store } = await StateStore.open(dir);
    await store.apply(0, [encoded(1)], 1n);
    await store.close();
    for (const f of fs.readdirSync(dir)) if (f.startsWith('MANIFEST') || f === 'CURRENT') fs.writeFileSync(path.join(dir, f), 'garbage');

    const reopened = await StateStore.open(dir);
    expect(reopened.rebuilt).toMatch(/^RocksDB could not open .+; moved it to .+\.corrupt-\d+ and will restore from the changelog$/);
    // RocksDB's own reason, not abstract-level's wrapper ("Database is not open").
    expect(reopened.rebuilt).toMatch(/\(Corruption: [^)]+\)/);
    expect(await reopened.store.getStates(['lead-1'])).toEqual([undefined]);
    expect(await reopened.store.checkpoint(0)).toBeUndefined();
    await reopened.store.close();
  });

  it('refuses a directory another instance holds, moving nothing, and one that cannot be created', async () => {
    const dir = path.join(root, 'db');
    const { store } = await StateStore.open(dir);
    await store.apply(0, [encoded(1)], 1n);
    await expect(StateStore.open(dir)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^the state directory .+ is in use by another process \(RocksDB: .*lock.*\): give each instance its own state\.dir$/) });
    expect(fs.readdirSync(root)).toEqual(['db']);
    expect(await store.getStates(['lead-1'])).toEqual([state(1)]);
    await store.close();

    fs.writeFileSync(path.join(root, 'file'), '');
    await expect(StateStore.open(path.join(root, 'file', 'state', 'db'))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/cannot be created \(ENOTDIR.*\): set state\.dir/) });
  });

  it('leaves no batch open behind its writes (each would keep its bytes in memory)', async () => {
    const { store } = await StateStore.open(path.join(root, 'db'));
    // abstract-level keeps every open batch and iterator of a database in a set (to close them
    // with it); a batch left there holds its native WriteBatch, every byte it wrote.
    const key = Object.getOwnPropertySymbols(store.db).find((s) => s.description === 'resources');
    const open = (): number => (key === undefined ? -1 : (store.db as unknown as Record<symbol, Set<unknown>>)[key]?.size ?? -1);
    expect(open()).toBe(0);
    for (let i = 0; i < 20; i++) await store.apply(0, [encoded(i)], BigInt(i + 1));
    expect(open()).toBe(0);
    expect(await store.checkpoint(0)).toBe(20n);
    await store.close();
  });

  it('treats an unreadable checkpoint as none, so the partition is replayed from the start', async () => {
    const { store } = await StateStore.open(path.join(root, 'db'));
    await writeBatch(store.db, [{ key: 'c/2', value: Buffer.from('not-a-number') }]);
    expect(await store.checkpoint(2)).toBeUndefined();
    await store.close();
  });
});
