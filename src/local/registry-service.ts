import fs from 'node:fs';
import path from 'node:path';
import { ScorestreamError } from '../errors';
import type { LockedService } from './artifacts';
import type { JavaRuntime } from './java';
import { registryUrl, type LocalServicesOptions } from './options';
import type { LocalService } from './service';

/**
 * Apicurio Registry 3 with its default in-memory (H2) storage, serving the Confluent-compatible API
 * at /apis/ccompat/v7. Deletion is enabled so that tests can remove the subjects they register.
 */
export function registryService(options: LocalServicesOptions, entry: LockedService): LocalService {
  const runDir = path.join(options.home, 'local', `registry-${entry.version}`);
  const logFile = path.join(runDir, 'registry.log');
  const endpoint = registryUrl(options);
  return {
    name: 'registry',
    label: `Apicurio Registry ${entry.version}`,
    ports: [{ port: options.registryPort, variable: 'SCORESTREAM_LOCAL_REGISTRY_PORT' }],
    runDir,
    logFile,
    endpoint,
    prepare(_java: JavaRuntime, artifactsDir: string): string[] {
      fs.mkdirSync(runDir, { recursive: true });
      const runner = fs.readdirSync(artifactsDir).find((f) => f.endsWith('-runner.jar'));
      if (!runner) {
        throw new ScorestreamError('SERVICE_START_FAILED', `no *-runner.jar in ${artifactsDir}; delete that directory to download the registry again`);
      }
      return [
        `-Xms128m`,
        `-Xmx${options.registryHeap}`,
        // A schema registry answers a handful of lookups: the C1 compiler and a serial collector
        // start it faster and leave the second core to Kafka and the processor.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Djava.awt.headless=true',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${options.registryPort}`,
        '-Dquarkus.log.console.color=false',
        '-Dapicurio.rest.deletion.group.enabled=true',
        '-Dapicurio.rest.deletion.artifact.enabled=true',
        '-Dapicurio.rest.deletion.artifact-version.enabled=true',
        '-jar',
        path.join(artifactsDir, runner),
      ];
    },
    async probe(): Promise<boolean> {
      try {
        const res = await fetch(`${endpoint}/subjects`, { signal: AbortSignal.timeout(2000) });
        return res.ok;
      } catch {
        return false;
      }
    },
  };
}
