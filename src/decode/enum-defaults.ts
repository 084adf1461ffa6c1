import avro from 'avsc';

/**
 * Input enums have defaults, so a record written with a newer producer schema that added a symbol
 * still decodes: avsc resolves a symbol the reader lacks to the reader enum's default. What avsc
 * does not do is say so. For such a writer this module builds a second reader type, the same
 * schema with each affected enum wrapped in a logical type that maps the writer's extra symbols
 * to the default itself and reports each one, so that they can be counted. Writers without extra
 * symbols keep the plain reader: the common path costs nothing more.
 */

/** Reports one enum value our reader lacked, by the reader field that holds the enum. */
export type EnumDefaulted = (field: string, symbol: string) => void;

type Json = Record<string, unknown>;

const LOGICAL_TYPE = 'scorestream-defaulted-enum';
/** Where the enum is, in the reader schema: dotted field names from the top record. */
const FIELD_ATTR = 'scorestream-field';

/** Every enum type reachable from `type`, by full name. */
function enumsOf(type: avro.Type, out = new Map<string, avro.types.EnumType>(), seen = new Set<avro.Type>()): Map<string, avro.types.EnumType> {
  if (seen.has(type)) return out;
  seen.add(type);
  if (avro.Type.isType(type, 'enum')) out.set(type.name as string, type as avro.types.EnumType);
  else if (avro.Type.isType(type, 'record', 'error')) for (const f of (type as avro.types.RecordType).fields) enumsOf(f.type, out, seen);
  else if (avro.Type.isType(type, 'array')) enumsOf((type as avro.types.ArrayType).itemsType, out, seen);
  else if (avro.Type.isType(type, 'map')) enumsOf((type as avro.types.MapType).valuesType as avro.Type, out, seen);
  else if (avro.Type.isType(type, 'union')) for (const t of (type as avro.types.UnwrappedUnionType).types) enumsOf(t, out, seen);
  else if (avro.Type.isType(type, 'logical')) enumsOf((type as avro.types.LogicalType).underlyingType, out, seen);
  return out;
}

/**
 * The symbols of each writer enum that the reader's enum of the same name lacks, by full name.
 * Only enums with a default count: without one the writer cannot be read at all.
 */
export function addedSymbols(reader: avro.Type, writer: avro.Type): Map<string, string[]> {
  const ours = enumsOf(reader);
  const added = new Map<string, string[]>();
  for (const [name, theirs] of enumsOf(writer)) {
    const mine = ours.get(name);
    // avsc keeps an enum's default on the type (not in its typings, nor in schema()).
    if (!mine || (mine as unknown as { default?: string }).default === undefined) continue;
    const extra = theirs.symbols.filter((s) => !mine.symbols.includes(s));
    if (extra.length > 0) added.set(name, extra);
  }
  return added;
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

/** Marks, in a copy of the reader schema, the definitions of the enums named in `names`. */
function markEnums(schema: unknown, names: ReadonlySet<string>): unknown {
  const copy = JSON.parse(JSON.stringify(schema)) as unknown;
  const walk = (node: unknown, namespace: string, path: readonly string[]): void => {
    if (Array.isArray(node)) return node.forEach((branch) => walk(branch, namespace, path));
    if (node === null || typeof node !== 'object') return;
    const n = node as Json;
    const named = typeof n.name === 'string' ? fullName(n.name, typeof n.namespace === 'string' ? n.namespace : namespace) : '';
    switch (n.type) {
      case 'record':
      case 'error': {
        const inner = named.includes('.') ? named.slice(0, named.lastIndexOf('.')) : '';
        for (const f of n.fields as Json[]) walk(f.type, inner, [...path, f.name as string]);
        return;
      }
      case 'enum':
        if (names.has(named)) Object.assign(n, { logicalType: LOGICAL_TYPE, [FIELD_ATTR]: path.join('.') });
        return;
      case 'array':
        return walk(n.items, namespace, path);
      case 'map':
        return walk(n.values, namespace, path);
      default:
        if (typeof n.type === 'object') walk(n.type, namespace, path);
    }
  };
  walk(copy, '', []);
  return copy;
}

/**
 * A reader type for writers that add symbols to the named enums: it reads the same values as the
 * plain reader, and calls `report` for each symbol it replaced by the enum's default.
 */
export function defaultingReader(readerSchema: unknown, names: ReadonlySet<string>, report: EnumDefaulted): avro.Type {
  class DefaultedEnum extends avro.types.LogicalType {
    private readonly field: string;
    private readonly fallback: string;
    private readonly known: ReadonlySet<string>;

    constructor(schema: avro.Schema, opts?: unknown) {
      super(schema, opts);
      const s = schema as unknown as { symbols: string[]; default: string } & Json;
      this.field = String(s[FIELD_ATTR]);
      this.fallback = s.default;
      this.known = new Set(s.symbols);
    }

    protected override _fromValue(value: unknown): unknown {
      return value;
    }

    protected override _toValue(value: unknown): unknown {
      return value;
    }

    protected override _resolve(writer: avro.Type): ((symbol: string) => string) | undefined {
      if (!avro.Type.isType(writer, 'enum')) return undefined;
      // Names and the rest are checked as for the plain enum: this throws where it would.
      this.underlyingType.createResolver(writer);
      return (symbol) => {
        if (this.known.has(symbol)) return symbol;
        report(this.field, symbol);
        return this.fallback;
      };
    }
  }
  return avro.Type.forSchema(markEnums(readerSchema, names) as avro.Schema, { logicalTypes: { [LOGICAL_TYPE]: DefaultedEnum } });
}
