import { readSchema, type SchemaName } from '../../../src/schemas/files';
import { generateHistory } from '../../../src/synth/generate';

/**
 * Inputs are written by other teams. A producer that adds an enum symbol must not make its
 * records unreadable to us, so every enum of an input schema has a default (the reader's answer
 * for a symbol it lacks), and the registry, holding our schema, can accept such additions under
 * FORWARD_TRANSITIVE. Where no existing symbol means "we do not know", the default is UNKNOWN,
 * a symbol our own data never carries: the synthetic history the models train on has none.
 */
const INPUTS: readonly SchemaName[] = ['LeadEvent', 'EngagementEvent', 'PropertyEvent'];

interface EnumSchema {
  name: string;
  symbols: string[];
  default?: string;
}

function enumsOf(name: SchemaName): EnumSchema[] {
  const out: EnumSchema[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      if ((n as { type?: unknown }).type === 'enum') out.push(n as EnumSchema);
      Object.values(n).forEach(walk);
    }
  };
  walk(JSON.parse(readSchema(name)));
  return out;
}

describe('input schemas: enum defaults', () => {
  it.each(INPUTS)('%s: every enum has a default that is one of its symbols', (name) => {
    const enums = enumsOf(name);
    expect(enums.length).toBeGreaterThan(0);
    for (const e of enums) expect([e.name, e.symbols.includes(e.default ?? '')]).toEqual([e.name, true]);
  });

  it('LeadStatus, LeadEventType and PropertyEventType default to UNKNOWN, their last symbol', () => {
    const all = INPUTS.flatMap(enumsOf);
    for (const name of ['LeadStatus', 'LeadEventType', 'PropertyEventType']) {
      const e = all.find((x) => x.name === name);
      expect([name, e?.default, e?.symbols.at(-1)]).toEqual([name, 'UNKNOWN', 'UNKNOWN']);
    }
  });

  it('the synthetic history never carries UNKNOWN', () => {
    const history = generateHistory({ leads: 300, seed: 7 });
    const unknown = [
      ...history.leadEvents.filter((e) => e.status === 'UNKNOWN' || e.event_type === 'UNKNOWN'),
      ...history.propertyEvents.filter((e) => e.event_type === 'UNKNOWN'),
    ];
    expect(unknown).toEqual([]);
    expect(new Set(history.leadEvents.map((e) => e.status)).size).toBeGreaterThan(1);
  });
});
