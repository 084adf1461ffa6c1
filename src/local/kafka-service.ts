import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka } from '../kafka/client';
import { ScorestreamError } from '../errors';
import type { LockedService } from './artifacts';
import type { JavaRuntime } from './java';
import { bootstrapServers, type LocalServicesOptions } from './options';
import type { LocalService } from './service';

const LOG4J_CONFIG = path.resolve(__dirname, '..', '..', 'deploy', 'local', 'kafka-log4j2.yaml');

/**
 * One node that is both broker and KRaft controller, on loopback only. The one-node settings
 * matter: with the default replication factor of 3 the offsets and transaction state topics can
 * never be created, and every transactional producer would wait forever.
 */
export function kafkaServerProperties(options: LocalServicesOptions, dataDir: string): string {
  const broker = `127.0.0.1:${options.kafkaPort}`;
  const controller = `127.0.0.1:${options.kafkaControllerPort}`;
  return [
    '# Written by `scorestream services up`; edits are overwritten on the next start.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${controller}`,
    `listeners=PLAINTEXT://${broker},CONTROLLER://${controller}`,
    `advertised.listeners=PLAINTEXT://${broker}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // Topics are created on purpose (`scorestream topics create`), as in production.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // A single member should not wait 3 s for others that will never join.
    'group.initial.rebalance.delay.ms=0',
    // Two cores: a few threads each is plenty and leaves CPU for the processor under test.
    'num.network.threads=2',
    'num.io.threads=4',
    '',
  ].join('\n');
}

/** KRaft cluster ids are 16 random bytes in URL-safe base64 without padding. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export function kafkaService(options: LocalServicesOptions, entry: LockedService): LocalService {
  const runDir = path.join(options.home, 'local', `kafka-${entry.version}`);
  const dataDir = path.join(runDir, 'data');
  const logsDir = path.join(runDir, 'logs');
  const propertiesFile = path.join(runDir, 'server.properties');
  const endpoint = bootstrapServers(options);
  return {
    name: 'kafka',
    label: `Kafka ${entry.version}`,
    ports: [
      { port: options.kafkaPort, variable: 'SCORESTREAM_LOCAL_KAFKA_PORT' },
      { port: options.kafkaControllerPort, variable: 'SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT' },
    ],
    runDir,
    logFile: path.join(logsDir, 'server.log'),
    endpoint,
    prepare(java: JavaRuntime, artifactsDir: string): string[] {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.mkdirSync(logsDir, { recursive: true });
      fs.writeFileSync(propertiesFile, kafkaServerProperties(options, dataDir));
      const classpath = path.join(artifactsDir, '*');
      const common = [`-Dkafka.logs.dir=${logsDir}`, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classpath];
      if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
        const format = spawnSync(
          java.executable,
          [...common, 'kafka.tools.StorageTool', 'format', `--cluster-id=${newClusterId()}`, '-c', propertiesFile, '--ignore-formatted'],
          { encoding: 'utf8', env: options.env },
        );
        if (format.status !== 0) {
          throw new ScorestreamError(
            'SERVICE_START_FAILED',
            `formatting Kafka storage in ${dataDir} failed: ${(format.stderr || format.stdout).trim().split('\n').pop() ?? ''}; \`scorestream services down --purge\` starts from empty storage`,
          );
        }
      }
      return [
        `-Xms${options.kafkaHeap}`,
        `-Xmx${options.kafkaHeap}`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-Djava.awt.headless=true',
        ...common,
        'kafka.Kafka',
        propertiesFile,
      ];
    },
    async probe(): Promise<boolean> {
      const admin = createKafka({ brokers: [endpoint], clientId: 'scorestream-probe', retries: 0, logLevel: logLevel.NOTHING }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        // Ready means ready for consumer groups too: the first group request creates and loads
        // __consumer_offsets, which a client would otherwise meet as COORDINATOR_LOAD_IN_PROGRESS.
        await admin.describeGroups(['scorestream-readiness-probe']);
        return cluster.brokers.length > 0;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
