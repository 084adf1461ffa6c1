import { parseBrokers } from '../kafka/client';
import type { ServiceName } from './artifacts';
import { bootstrapServers, localServicesOptions, registryUrl, type Env, type LocalServicesOptions } from './options';
import { servicesDown, servicesUp, type ServiceUp, type UpHooks } from './services';

export interface Endpoints {
  readonly brokers: string[];
  readonly registryUrl: string;
  /** Local services this call started, for `release` to stop; empty when configured or reused. */
  readonly started: ServiceName[];
  readonly services: ServiceUp[];
}

/**
 * KAFKA_BROKERS and SCHEMA_REGISTRY_URL, when both are set, name the services to use. Otherwise
 * the local ones are started (or reused, if an earlier `up` left them running).
 */
export async function connectOrStartLocal(
  env: Env = process.env,
  options: LocalServicesOptions = localServicesOptions(env),
  hooks: UpHooks = {},
): Promise<Endpoints> {
  if (env.KAFKA_BROKERS && env.SCHEMA_REGISTRY_URL) {
    return { brokers: parseBrokers(env.KAFKA_BROKERS), registryUrl: env.SCHEMA_REGISTRY_URL, started: [], services: [] };
  }
  const services = await servicesUp(options, undefined, hooks);
  return {
    brokers: [bootstrapServers(options)],
    registryUrl: registryUrl(options),
    started: services.filter((s) => s.state === 'started').map((s) => s.name),
    services,
  };
}

/** Stops what `connectOrStartLocal` started, and nothing else. */
export async function release(endpoints: Endpoints, options: LocalServicesOptions = localServicesOptions()): Promise<void> {
  if (endpoints.started.length > 0) await servicesDown(options, endpoints.started);
}
