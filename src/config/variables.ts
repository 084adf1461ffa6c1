/**
 * SCORESTREAM_* variables that are not settings of the schema but are read elsewhere: the config
 * file's path, the local development services (src/local/options.ts) and the test setup. Any
 * other SCORESTREAM_* variable is a typo, refused at load: ignored, it would leave the default
 * in force without a word.
 */
export const OTHER_VARIABLES: readonly string[] = [
  'SCORESTREAM_CONFIG',
  'SCORESTREAM_HOME',
  'SCORESTREAM_LOCAL_KAFKA_PORT',
  'SCORESTREAM_LOCAL_KAFKA_CONTROLLER_PORT',
  'SCORESTREAM_LOCAL_REGISTRY_PORT',
  'SCORESTREAM_LOCAL_KAFKA_HEAP',
  'SCORESTREAM_LOCAL_REGISTRY_HEAP',
  'SCORESTREAM_LOCAL_READY_TIMEOUT_S',
  'SCORESTREAM_TEST_SERVICES',
];

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The candidate nearest to `name`; ties go to the first. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Variables Kubernetes sets in every container of a namespace for each Service (service links),
 * for a Service named scorestream or scorestream-*: SCORESTREAM_SERVICE_HOST,
 * SCORESTREAM_METRICS_SERVICE_PORT, SCORESTREAM_PORT=tcp://10.0.0.7:9464,
 * SCORESTREAM_PORT_9464_TCP_ADDR and so on. They are not settings, and not typos: a pod must
 * start with them. A `_PORT` variable counts only with Kubernetes' tcp:// (udp://, sctp://) value,
 * so that a misspelt port setting (SCORESTREAM_ADMIN_PORT=9465) is still refused.
 */
export function isServiceLinkVariable(name: string, value: string | undefined): boolean {
  const m = /^SCORESTREAM(?:_[A-Z0-9_]+?)??_(SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT_\d+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?|PORT)$/.exec(name);
  if (!m) return false;
  return m[1] !== 'PORT' || /^(tcp|udp|sctp):\/\/[^/\s]+:\d+$/.test(value ?? '');
}
