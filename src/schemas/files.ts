import fs from 'node:fs';
import path from 'node:path';
import type { SchemaTypes } from './types';

/** The `.avsc` files are the source of truth; they ship with the package beside `dist/`. */
export const SCHEMAS_DIR = path.resolve(__dirname, '..', '..', 'schemas');

export type SchemaName = keyof SchemaTypes;

export const SCHEMA_NAMES: readonly SchemaName[] = ['LeadEvent', 'EngagementEvent', 'PropertyEvent', 'LeadScore', 'PropertyMatches', 'ChurnRisk'];

export function readSchema(name: SchemaName, dir: string = SCHEMAS_DIR): string {
  return fs.readFileSync(path.join(dir, `${name}.avsc`), 'utf8');
}
