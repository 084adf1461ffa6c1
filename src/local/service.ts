import type { JavaRuntime } from './java';
import type { ServiceName } from './artifacts';

/** What `up`, `down` and `status` need to know of one local service. */
export interface LocalService {
  readonly name: ServiceName;
  /** e.g. "Kafka 4.2.0", for messages. */
  readonly label: string;
  readonly ports: readonly { readonly port: number; readonly variable: string }[];
  /** Where its data, logs and generated configuration live. */
  readonly runDir: string;
  /** The log to point a user at when it fails. */
  readonly logFile: string;
  /** What clients connect to. */
  readonly endpoint: string;
  /** Writes configuration (and formats storage) and returns the JVM arguments, marker excluded. */
  prepare(java: JavaRuntime, artifactsDir: string): string[];
  /** True once the service answers requests. Never throws. */
  probe(): Promise<boolean>;
}
