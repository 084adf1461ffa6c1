import path from 'node:path';
import { DockerComposeEnvironment, getContainerRuntimeClient, type StartedDockerComposeEnvironment } from 'testcontainers';

/**
 * For machines with a Docker engine and no Java: the services of docker-compose.yml through
 * testcontainers, so tests and users run the very same definitions. Ports are those of the
 * compose file (Kafka advertises 127.0.0.1:9092, so it cannot be remapped at random).
 */
export async function dockerReachable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startCompose(): Promise<{ env: StartedDockerComposeEnvironment; brokers: string; registryUrl: string }> {
  const root = path.resolve(__dirname, '..', '..');
  const env = await new DockerComposeEnvironment(root, 'docker-compose.yml').up(['kafka', 'schema-registry']);
  return { env, brokers: '127.0.0.1:9092', registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7' };
}
