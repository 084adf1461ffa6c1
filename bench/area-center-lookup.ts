/**
 * The serving cost of area centres from the property table: PropertyTable.areaCenter (the median
 * of the area's listings as of the event, cached by how many there are) against a lookup in a
 * fixed map, called once for every lead and engagement event of a seeded history in event-time
 * order, as the processor calls it for a lead that named an area. Medians of 5 runs each,
 * interleaved.
 *
 *   npx tsx bench/area-center-lookup.ts [--leads 30000] [--seed 42]
 */
import { parseArgs } from 'node:util';
import { PropertyTable } from '../src/features/property-table';
import type { GeoPoint } from '../src/schemas/types';
import { generateHistory } from '../src/synth/generate';
import { AREA_CENTERS } from '../src/synth/world';

const { values } = parseArgs({ options: { leads: { type: 'string' }, seed: { type: 'string' } } });
const history = generateHistory({ leads: Number(values.leads ?? 30_000), seed: Number(values.seed ?? 42) });
const areaOf = new Map(history.leadEvents.filter((e) => e.preferred_area !== null).map((e) => [e.lead_id, e.preferred_area as string]));
const calls = [...history.leadEvents, ...history.engagementEvents]
  .filter((e) => areaOf.has(e.lead_id))
  .sort((a, b) => a.occurred_at - b.occurred_at)
  .map((e) => [areaOf.get(e.lead_id) as string, e.occurred_at] as const);

function run(lookup: (area: string, t: number) => GeoPoint | undefined): number {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const [area, t] of calls) sink += lookup(area, t)?.lat ?? 0;
  if (sink === 42) console.log('');
  return Number(process.hrtime.bigint() - t0) / calls.length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const fixed: number[] = [];
const table: number[] = [];
for (let i = 0; i < 5; i++) {
  fixed.push(run((area) => AREA_CENTERS.get(area)));
  // A fresh table each run, so its cache starts cold as a processor's does.
  const t = new PropertyTable();
  for (const e of history.propertyEvents) t.apply(e);
  table.push(run((area, at) => t.areaCenter(area, at)));
}
console.log(`${calls.length.toLocaleString('en-US')} calls (events of leads that named an area), ${history.propertyEvents.length.toLocaleString('en-US')} listing events`);
console.log(`fixed map            median ${median(fixed).toFixed(0)} ns/call`);
console.log(`table.areaCenter     median ${median(table).toFixed(0)} ns/call (cold cache included)`);
