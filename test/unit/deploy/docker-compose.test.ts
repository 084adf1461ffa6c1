import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readLock } from '../../../src/local/artifacts';
import { kafkaServerProperties } from '../../../src/local/kafka-service';
import { localServicesOptions } from '../../../src/local/options';

/**
 * docker-compose.yml cannot be started here (no Docker engine), so this checks what can go wrong
 * without running it: it parses, it has the services and host ports the README documents, and it
 * runs the same versions and one-node settings as the local services.
 */
const root = path.resolve(__dirname, '..', '..', '..');

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
}

const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** Rows of the README's table: | what | `service` | host port | */
const documented = new Map([...readme.matchAll(/^\|[^|\n]+\|\s*`([a-z-]+)`\s*\|\s*(\d+)\s*\|/gm)].map((m) => [m[1] as string, Number(m[2])]));

function hostPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((p) => Number(p.split(':').slice(-2)[0]));
}

describe('docker-compose.yml', () => {
  it('defines exactly the services the README names, on the host ports it gives', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...documented.keys()].sort());
    for (const [name, port] of documented) expect(hostPorts(compose.services[name] as ComposeService)).toEqual([port]);
  });

  it('binds to loopback only', () => {
    for (const service of Object.values(compose.services)) for (const p of service.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('runs the Kafka and registry versions pinned for the local services', () => {
    const lock = readLock();
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${lock.kafka.version}`);
    expect(compose.services['schema-registry']?.image).toBe(`apicurio/apicurio-registry:${lock.registry.version}`);
  });

  it('gives Kafka the same one-node settings as the local broker', () => {
    const env = compose.services.kafka?.environment ?? {};
    const local = kafkaServerProperties(localServicesOptions({}), '/data');
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'group.initial.rebalance.delay.ms', 'auto.create.topics.enable']) {
      const value = new RegExp(`^${key.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(local)?.[1];
      expect(env[`KAFKA_${key.toUpperCase().replace(/\./g, '_')}`]).toBe(value);
    }
  });
});
