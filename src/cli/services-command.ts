import { refreshLock } from '../local/lock';
import { bootstrapServers, localServicesOptions, registryUrl } from '../local/options';
import { servicesDown, servicesStatus, servicesUp } from '../local/services';
import { noArgs } from './args';
import { plainDownloadProgress } from './download-progress';

type Print = (line: string) => void;

export const SERVICES_USAGE = `usage: scorestream services <up|down|status|lock> [--purge]
  up       start the local Kafka (KRaft) and Apicurio Registry, or reuse them if running
  down     stop them; --purge also deletes their data and logs
  status   show what runs, whether it answers, and where its logs are
  lock     (maintainers) re-download the pinned versions and rewrite their SHA-256 lock`;

export async function servicesCommand(args: readonly string[], print: Print): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'down') noArgs('services down', rest.filter((a) => a !== '--purge'));
  else if (verb === 'up' || verb === 'status' || verb === 'lock') noArgs(`services ${verb}`, rest);
  const options = localServicesOptions();
  switch (verb) {
    case 'up': {
      for (const s of await servicesUp(options, undefined, { onDownload: plainDownloadProgress(print) })) {
        const how = s.state === 'started' ? `started, ready in ${s.readySeconds.toFixed(1)} s` : 'already running';
        print(`${s.label.padEnd(24)} ${how.padEnd(26)} pid ${s.pid}  log ${s.logFile}`);
      }
      print(`bootstrap servers: ${bootstrapServers(options)}`);
      print(`registry URL:      ${registryUrl(options)}`);
      print(`export KAFKA_BROKERS=${bootstrapServers(options)} SCHEMA_REGISTRY_URL=${registryUrl(options)}`);
      return 0;
    }
    case 'down': {
      for (const s of await servicesDown(options, undefined, rest.includes('--purge'))) {
        print(`${s.label.padEnd(24)} ${s.pids.length > 0 ? `stopped (pid ${s.pids.join(', ')})` : 'was not running'}`);
      }
      return 0;
    }
    case 'status': {
      const statuses = await servicesStatus(options);
      for (const s of statuses) {
        const state = s.pids.length === 0 ? 'stopped' : s.ready ? `ready (pid ${s.pids.join(', ')})` : `starting or unhealthy (pid ${s.pids.join(', ')})`;
        print(`${s.label.padEnd(24)} ${state.padEnd(26)} ${s.endpoint}  log ${s.logFile}`);
      }
      print(`bootstrap servers: ${bootstrapServers(options)}`);
      print(`registry URL:      ${registryUrl(options)}`);
      return statuses.every((s) => s.ready) ? 0 : 3;
    }
    case 'lock': {
      const lock = await refreshLock();
      for (const [name, entry] of Object.entries(lock)) print(`${name} ${entry.version}: ${Object.keys(entry.files).length} files pinned`);
      return 0;
    }
    default:
      if (verb !== undefined) {
        process.stderr.write(`scorestream: services: unknown subcommand '${verb}' (scorestream services --help)\n`);
        return 2;
      }
      print(SERVICES_USAGE);
      return 0;
  }
}
