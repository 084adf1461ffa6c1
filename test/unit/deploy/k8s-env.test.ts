import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load';
import { topicNames } from '../../../src/topics/names';

/**
 * What kubeconform cannot see in deploy/k8s: whether the processor accepts the environment the
 * pods get (an unknown SCORESTREAM_* variable is exit 2, a crash loop), and whether the numbers
 * that must agree with its configuration do (ports, grace period, state path, group, partitions).
 * deploy/checks/kubernetes.sh validates the same files against the API schemas.
 */
const k8s = path.resolve(__dirname, '..', '..', '..', 'deploy', 'k8s');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  ports: { name: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string } }[];
  env: EnvVar[];
  startupProbe?: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  volumeMounts: { name: string; mountPath: string }[];
}
interface StatefulSet {
  spec: {
    serviceName: string;
    template: { spec: { enableServiceLinks?: boolean; terminationGracePeriodSeconds: number; containers: Container[] } };
    volumeClaimTemplates: { metadata: { name: string } }[];
  };
}
interface ScaledObject {
  spec: { maxReplicaCount: number; minReplicaCount: number; scaleTargetRef: { kind: string; name: string }; triggers: { type: string; metadata: Record<string, string> }[] };
}

const read = <T>(file: string): T => parse(fs.readFileSync(path.join(k8s, file), 'utf8')) as T;
const configMap = read<{ metadata: { name: string }; data: Record<string, string> }>('base/configmap.yaml');
const overlayPatch = read<{ data: Record<string, string> }>('overlays/example/configmap-patch.yaml');
const statefulSet = read<StatefulSet>('base/statefulset.yaml');
const scaledObject = read<ScaledObject>('base/scaledobject.yaml');
const container = statefulSet.spec.template.spec.containers[0] as Container;
/** The secret variables, with stand-in values: their names must be settings too. */
const secretEnv = Object.fromEntries(container.env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, 'x']));

describe('deploy/k8s', () => {
  it('gives the processor an environment it accepts, in the base and in the example overlay', () => {
    expect(() => loadConfig({ env: { ...configMap.data, ...secretEnv } })).not.toThrow();
    expect(() => loadConfig({ env: { ...configMap.data, ...overlayPatch.data, ...secretEnv } })).not.toThrow();
  });

  it('reads the ConfigMap and keeps service links off (the pod needs none)', () => {
    expect(container.envFrom.map((e) => e.configMapRef?.name)).toContain(configMap.metadata.name);
    expect(statefulSet.spec.template.spec.enableServiceLinks).toBe(false);
  });

  it('probes the health endpoints on the port the processor listens on', () => {
    const config = loadConfig({ env: configMap.data });
    const port = container.ports.find((p) => p.name === 'metrics');
    expect(port?.containerPort).toBe(config.httpPort);
    for (const probe of [container.startupProbe, container.livenessProbe]) expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('waits longer than shutdown.timeoutMs before SIGKILL', () => {
    const config = loadConfig({ env: configMap.data });
    expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdownTimeoutMs);
  });

  it('keeps state.dir on the volume claim', () => {
    const config = loadConfig({ env: configMap.data });
    const claim = statefulSet.spec.volumeClaimTemplates[0]?.metadata.name;
    const mount = container.volumeMounts.find((m) => m.name === claim);
    expect(mount).toBeDefined();
    expect(config.stateDir.startsWith(`${mount?.mountPath}/`)).toBe(true);
  });

  it('scales on the lag of the processor group on lead.events, to at most one instance per partition', () => {
    const config = loadConfig({ env: configMap.data });
    const trigger = scaledObject.spec.triggers[0];
    expect(trigger?.type).toBe('kafka');
    const meta = trigger?.metadata ?? {};
    expect(configMap.data[meta.consumerGroupFromEnv ?? '']).toBe(config.appId);
    expect(configMap.data[meta.bootstrapServersFromEnv ?? '']).toBe(configMap.data.KAFKA_BROKERS);
    expect(meta.topic).toBe(topicNames(config.appId, config.topicPrefix).lead);
    expect(scaledObject.spec.maxReplicaCount).toBe(config.partitions);
    expect(scaledObject.spec.minReplicaCount).toBe(1);
    expect(scaledObject.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'scorestream' });
  });
});
