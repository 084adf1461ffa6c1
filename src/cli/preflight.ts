import fs from 'node:fs';
import type { Config } from '../config/schema';
import { ScorestreamError, errorMessage } from '../errors';
import { securityOptions } from '../kafka/client';
import { probeKafka } from '../kafka/probe';
import { probeRegistry, registryAccess } from '../kafka/registry-http';
import type { Endpoints } from '../local/connect';
import { modelsDirProblem } from '../registry/models-dir';

/**
 * Start-up checks, before anything is built: each problem is one line naming the setting or the
 * dependency, so a bad start ends within seconds instead of in retries, fallbacks or a hang.
 */

/** What can be checked on this machine: state.dir usable, the CA file readable; models.dir is a warning. */
export function checkLocal(config: Config, warn: (line: string) => void, options: { models: boolean }): void {
  try {
    fs.mkdirSync(config.stateDir, { recursive: true });
    fs.accessSync(config.stateDir, fs.constants.W_OK);
  } catch (err: unknown) {
    throw new ScorestreamError('CONFIG_INVALID', `state.dir=${config.stateDir} cannot be used (${errorMessage(err)}): set state.dir (SCORESTREAM_STATE_DIR) to a writable directory`, { cause: err });
  }
  securityOptions(config);
  if (options.models) {
    const problem = modelsDirProblem(config.modelsDir);
    if (problem) warn(`warning: ${problem}`);
  }
}

/** The brokers answer (with our TLS and SASL settings), the registry answers, and `topics` exist. */
export async function checkDependencies(config: Config, endpoints: Endpoints, topics: readonly string[] = []): Promise<void> {
  const existing = await probeKafka(config, endpoints.brokers);
  await probeRegistry(registryAccess(config, endpoints.registryUrl));
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    const shown = missing.length <= 4 ? missing.join(', ') : `${missing.slice(0, 3).join(', ')} and ${missing.length - 3} more`;
    throw new ScorestreamError(
      'TOPICS_MISSING',
      `topics missing on ${endpoints.brokers.join(',')}: ${shown}: run scorestream topics create with the same app.id (${config.appId}) and topics.prefix (${JSON.stringify(config.topicPrefix)})`,
    );
  }
}
