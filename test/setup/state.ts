import type { StartedDockerComposeEnvironment } from 'testcontainers';
import type { Endpoints } from '../../src/local/connect';

/** Handed from global setup to global teardown, which run in the same process. */
export type TestServices =
  | { kind: 'configured' }
  | { kind: 'local'; endpoints: Endpoints }
  | { kind: 'docker'; compose: StartedDockerComposeEnvironment };

const KEY = Symbol.for('scorestream.testServices');

export function setTestServices(services: TestServices): void {
  (globalThis as Record<symbol, unknown>)[KEY] = services;
}

export function getTestServices(): TestServices | undefined {
  return (globalThis as Record<symbol, unknown>)[KEY] as TestServices | undefined;
}
