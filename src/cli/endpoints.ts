import type { Config } from '../config/schema';
import { ScorestreamError } from '../errors';
import { connectOrStartLocal, type Endpoints } from '../local/connect';
import { bootstrapServers, localServicesOptions, registryUrl } from '../local/options';
import { servicesStatus, type UpHooks } from '../local/services';
import { plainDownloadProgress } from './download-progress';

/**
 * The configured cluster and registry, or (development, when both are empty) the local services,
 * started if needed. One without the other is a configuration error: falling back to the local
 * services would consume from and publish to another cluster than the one configured.
 */
export async function resolveEndpoints(config: Config, print: (line: string) => void, options: UpHooks & { readonly start?: boolean } = {}): Promise<Endpoints> {
  if (config.brokers.length > 0 && config.registryUrl) {
    return { brokers: [...config.brokers], registryUrl: config.registryUrl, started: [], services: [] };
  }
  if (config.brokers.length > 0) {
    throw new ScorestreamError(
      'CONFIG_INVALID',
      `kafka.brokers is set but registry.url is not: set registry.url (SCHEMA_REGISTRY_URL) to the schema registry of ${config.brokers.join(',')}; the local development services are used only when both are empty`,
    );
  }
  if (config.registryUrl) {
    throw new ScorestreamError(
      'CONFIG_INVALID',
      `registry.url is set but kafka.brokers is not: set kafka.brokers (KAFKA_BROKERS) to the cluster of ${config.registryUrl}; the local development services are used only when both are empty`,
    );
  }
  if (options.start === false) return runningLocal();
  print('no kafka.brokers / registry.url configured: using the local development services');
  const env = { ...process.env, KAFKA_BROKERS: undefined, SCHEMA_REGISTRY_URL: undefined };
  const endpoints = await connectOrStartLocal(env, localServicesOptions(env), { onDownload: options.onDownload ?? plainDownloadProgress(print), ...(options.signal ? { signal: options.signal } : {}) });
  for (const s of endpoints.services) print(`  ${s.label}: ${s.state === 'started' ? `started in ${s.readySeconds.toFixed(1)} s` : 'already running'} (${s.endpoint})`);
  return endpoints;
}

/** The local services when they are running; a reader has nothing to read on services it would start empty. */
async function runningLocal(): Promise<Endpoints> {
  const options = localServicesOptions({ ...process.env, KAFKA_BROKERS: undefined, SCHEMA_REGISTRY_URL: undefined });
  const down = (await servicesStatus(options)).filter((s) => !s.ready);
  if (down.length > 0) {
    throw new ScorestreamError(
      'CONFIG_INVALID',
      `no kafka.brokers / registry.url configured and the local ${down.map((s) => s.label).join(' and ')} ${down.length > 1 ? 'are' : 'is'} not running: set KAFKA_BROKERS and SCHEMA_REGISTRY_URL, or start them with scorestream services up`,
    );
  }
  return { brokers: [bootstrapServers(options)], registryUrl: registryUrl(options), started: [], services: [] };
}
