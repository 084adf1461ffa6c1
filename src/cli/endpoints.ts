import type { Config } from '../config/schema';
import { connectOrStartLocal, type Endpoints } from '../local/connect';

/** The configured cluster and registry, or (development) the local services, started if needed. */
export async function resolveEndpoints(config: Config, print: (line: string) => void): Promise<Endpoints> {
  if (config.brokers.length > 0 && config.registryUrl) {
    return { brokers: [...config.brokers], registryUrl: config.registryUrl, started: [], services: [] };
  }
  print('no kafka.brokers / registry.url configured: using the local development services');
  const endpoints = await connectOrStartLocal({ ...process.env, KAFKA_BROKERS: undefined, SCHEMA_REGISTRY_URL: undefined });
  for (const s of endpoints.services) print(`  ${s.label}: ${s.state === 'started' ? `started in ${s.readySeconds.toFixed(1)} s` : 'already running'} (${s.endpoint})`);
  return endpoints;
}
