import type { RegistryEvent } from './registry';

export interface RegistryEventLine {
  readonly level: 'info' | 'warn' | 'error';
  /** A sentence an operator reads; the event's fields are in `bindings`, never JSON in here. */
  readonly message: string;
  /** The event's fields, as log fields: `event` is its type, `error` the message of a failure. */
  readonly bindings: Readonly<Record<string, string | null>>;
}

function bindingsOf(e: RegistryEvent): Record<string, string | null> {
  const { type, ...fields } = e;
  const out: Record<string, string | null> = { event: type };
  for (const [key, value] of Object.entries(fields)) out[key === 'message' ? 'error' : key] = value as string | null;
  return out;
}

/**
 * The log line of a model registry event, or null for one not worth a line (a breaker half-open:
 * a probe, whose outcome is the next event). `serving` is the version of the model in service
 * now, if any, for a refused version.
 */
export function registryEventLine(e: RegistryEvent, serving: string | null): RegistryEventLine | null {
  const line = (level: RegistryEventLine['level'], message: string): RegistryEventLine => ({ level, message, bindings: bindingsOf(e) });
  switch (e.type) {
    case 'loaded':
      return e.previous === null
        ? line('info', `model ${e.model} ${e.version} serving (${e.precision}, ${e.provider})`)
        : line('info', `model ${e.model} switched from ${e.previous} to ${e.version} (${e.precision}, ${e.provider}): loaded and warmed before the switch`);
    case 'load_failed':
      return serving === null
        ? line('error', `model ${e.model} ${e.version} refused (${e.code}): ${e.message}`)
        : line('error', `model ${e.model} ${e.version} refused, ${serving} keeps serving: ${e.message}`);
    case 'rolled_back':
      return line('error', `model ${e.model} ${e.from} failed in service and was rolled back to ${e.to}: ${e.reason}`);
    case 'precision_fp32':
      return line('info', `model ${e.model} ${e.version} serves fp32, not INT8: ${e.reason}`);
    case 'provider_fallback':
      return line('warn', `model ${e.model} ${e.version}: ${e.message}`);
    case 'breaker':
      if (e.state === 'half_open') return null;
      return e.state === 'open'
        ? line('warn', `model ${e.model} circuit breaker open: its rule-based fallback answers until a probe succeeds`)
        : line('info', `model ${e.model} circuit breaker closed: the model answers again`);
  }
}
