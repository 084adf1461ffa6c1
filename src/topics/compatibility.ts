import { COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import { ScorestreamError } from '../errors';
import { registryCall, type RegistryAccess } from '../kafka/registry-http';

/**
 * The compatibility each value subject needs, and the registry calls that read and set it.
 *
 * Inputs are written by other teams and read by us with our own schema, which `topics create`
 * registers in the subject. FORWARD_TRANSITIVE makes the registry accept a new writer schema only
 * if every schema the subject holds, ours included, can read it: exactly "our reader reads every
 * future writer", and no more (a producer may still add a field we do not know of). FULL_TRANSITIVE
 * would also forbid that, for no gain to us; an operator who chose it keeps it. Outputs are
 * written by us and each record names its exact schema id; they keep the registry's usual
 * BACKWARD.
 */
export const INPUT_COMPATIBILITY = COMPATIBILITY.FORWARD_TRANSITIVE;
export const OUTPUT_COMPATIBILITY = COMPATIBILITY.BACKWARD;

/** The levels that guarantee at least what each level guarantees. */
const AT_LEAST: Readonly<Record<COMPATIBILITY, readonly string[]>> = {
  NONE: Object.values(COMPATIBILITY),
  BACKWARD: ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'],
  BACKWARD_TRANSITIVE: ['BACKWARD_TRANSITIVE', 'FULL_TRANSITIVE'],
  FORWARD: ['FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'],
  FORWARD_TRANSITIVE: ['FORWARD_TRANSITIVE', 'FULL_TRANSITIVE'],
  FULL: ['FULL', 'FULL_TRANSITIVE'],
  FULL_TRANSITIVE: ['FULL_TRANSITIVE'],
};

export function satisfies(level: string, required: COMPATIBILITY): boolean {
  return AT_LEAST[required].includes(level.toUpperCase());
}

/** How to reach the registry's REST API (the Confluent API; Apicurio's /apis/ccompat/v7). */
export type { RegistryAccess };

const configPath = (subject: string): string => `/config/${encodeURIComponent(subject)}`;

/**
 * The subject's compatibility level, or undefined when it has none of its own (Confluent) or does
 * not exist yet. Apicurio answers the global level for an existing subject without one.
 */
export async function subjectCompatibility(access: RegistryAccess, subject: string): Promise<string | undefined> {
  const res = await registryCall(access, 'GET', configPath(subject));
  if (res.status === 404) return undefined;
  const level = typeof res.body === 'object' && res.body !== null ? (res.body as { compatibilityLevel?: unknown }).compatibilityLevel : undefined;
  if (res.status !== 200 || typeof level !== 'string') {
    throw new ScorestreamError('REGISTRY_UNAVAILABLE', `reading the compatibility of ${subject} failed: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }
  return level.toUpperCase();
}

/** Whether the subject holds any schema yet. */
export async function subjectExists(access: RegistryAccess, subject: string): Promise<boolean> {
  const res = await registryCall(access, 'GET', `/subjects/${encodeURIComponent(subject)}/versions`);
  if (res.status === 404) return false;
  if (res.status !== 200) throw new ScorestreamError('REGISTRY_UNAVAILABLE', `listing the versions of ${subject} failed: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return true;
}

export async function setSubjectCompatibility(access: RegistryAccess, subject: string, level: COMPATIBILITY): Promise<void> {
  const res = await registryCall(access, 'PUT', configPath(subject), { compatibility: level });
  if (res.status !== 200) {
    throw new ScorestreamError('CONFIG_INVALID', `the schema registry refused compatibility ${level} for ${subject}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }
}
