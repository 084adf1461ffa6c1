import { ScorestreamError } from '../errors';
import { registryCall, type RegistryAccess } from '../kafka/registry-http';

const idOf = (body: unknown): number | undefined =>
  typeof body === 'object' && body !== null && 'id' in body && typeof (body as { id: unknown }).id === 'number' ? (body as { id: number }).id : undefined;

/**
 * The registry id of exactly `schema` under `subject`: looked up by content, and registered when
 * the subject does not hold it yet. Outputs carry this id, never the subject's latest version: a
 * newer version registered by someone else would otherwise stamp records encoded with our schema
 * with an id whose schema no deserializer can read them with.
 */
export async function outputSchemaId(access: RegistryAccess, subject: string, schema: string): Promise<number> {
  const path = `/subjects/${encodeURIComponent(subject)}`;
  const found = await registryCall(access, 'POST', path, { schema });
  const id = idOf(found.body);
  if (found.status === 200 && id !== undefined) return id;
  if (found.status !== 404) throw new ScorestreamError('REGISTRY_UNAVAILABLE', `looking up our schema under ${subject} failed: HTTP ${found.status} ${JSON.stringify(found.body)}`);
  const registered = await registryCall(access, 'POST', `${path}/versions`, { schema });
  const newId = idOf(registered.body);
  if (registered.status === 200 && newId !== undefined) return newId;
  throw new ScorestreamError(
    'CONFIG_INVALID',
    `the schema registry refused scorestream's output schema under ${subject} (HTTP ${registered.status} ${JSON.stringify(registered.body)}): outputs could not be decoded with any registered id; run scorestream topics create, or register schemas/ in that subject`,
  );
}
