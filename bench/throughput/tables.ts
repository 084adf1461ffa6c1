import type { LatencyResult } from './latency';
import { STAGES } from './stages';
import type { ScenarioName, ScenarioReport } from './protocol';

/** A scenario's own report, plus the local broker's CPU over the same run. */
export type Measured = ScenarioReport & { readonly brokerCpuSecondsPer1k: number | null };

export interface Variant {
  readonly name: string;
  readonly env: Record<string, string>;
}

export interface BenchResults {
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly versions: Record<string, string>;
  readonly events: number;
  readonly reps: number;
  readonly partitions: number;
  prefillSeconds: number;
  /** False until every measurement asked for is in (the file is written after each). */
  complete: boolean;
  /** `label`: the row's name (the scenario, or the scenario and its settings); absent in older files. */
  readonly throughput: (Measured & { rep: number; label?: string })[];
  readonly variants: (Measured & { rep: number; variant: string; env: Record<string, string> })[];
  readonly latency: (LatencyResult & { rep: number; scenario: ScenarioName; label?: string; report: Measured })[];
  /** Pipeline instances in one group on this machine, each measured over the same window. */
  readonly scaleOut: ScaleOutResult[];
}

export interface ScaleOutResult {
  readonly rep: number;
  readonly instances: number;
  readonly windowSeconds: number;
  readonly records: number;
  readonly eventsPerSecond: number;
  readonly cpuSecondsPer1k: number;
  readonly brokerCpuSecondsPer1k: number;
  readonly peakRssMiB: number;
  readonly reports: Measured[];
}

export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const fix = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}

function reportColumns(rows: readonly Measured[]): string[] {
  const m = (f: (r: Measured) => number): number => median(rows.map(f));
  const flat = (r: ScenarioReport): number => (r.rssByDecile.at(-1) ?? 0) - (r.rssByDecile[1] ?? 0);
  const hit = rows.every((r) => r.cacheHitRate === null) ? '-' : `${fix(100 * m((r) => r.cacheHitRate ?? 0), 1)}%`;
  return [int(m((r) => r.records)), int(m((r) => r.eventsPerSecond)), fix(m((r) => r.cpuSecondsPer1k), 3), fix(m((r) => r.brokerCpuSecondsPer1k ?? Number.NaN), 3), int(m((r) => r.peakRssMiB)), int(m(flat)), fix(m((r) => r.eventLoopLagMs.p99), 1), fix(m((r) => r.meanBatchSize), 0), hit];
}

const REPORT_HEADER = '| records | events/s | CPU s / 1k events | broker CPU s / 1k events | peak RSS MiB | RSS change 20%→100% MiB | event-loop lag p99 ms | mean batch | cache hits |';
const REPORT_RULE = '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';

/** The Markdown tables of bench/README.md: every cell a median over the repetitions. */
export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [`${r.machine}, Node ${r.node}, ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}; ${r.events.toLocaleString('en-US')} pre-filled events in ${r.partitions} partitions; medians of ${r.reps} repetitions.`, ''];
  const byScenario = groupBy(r.throughput, (x) => x.label ?? x.scenario);
  if (byScenario.size > 0) {
    const eps = (s: string): number => median((byScenario.get(s) ?? []).map((x) => x.eventsPerSecond));
    lines.push('### Throughput over the pre-filled topics', '', `| scenario ${REPORT_HEADER}`, `| --- ${REPORT_RULE}`);
    for (const [s, rows] of byScenario) lines.push(`| ${s} | ${reportColumns(rows).join(' | ')} |`);
    const ratios = (p: string): string => `${p} / I/O floor: ${fix(eps(p) / eps('io-floor'), 2)}; / passthrough: ${fix(eps(p) / eps('passthrough'), 2)}; / naive: ${fix(eps(p) / eps('naive'), 1)}`;
    const clients = ['passthrough', 'io-floor'].flatMap((k) => [`${k}, librdkafka`, `${k}, librdkafka, one producer`].filter((c) => byScenario.has(c)).map((c) => `${c} / KafkaJS: ${fix(eps(c) / eps(k), 2)}  `));
    lines.push('', ...[...byScenario.keys()].filter((k) => k.startsWith('pipeline')).map((p) => `${ratios(p)}  `), ...clients, '');
  }
  const byVariant = groupBy(r.variants, (x) => x.variant);
  if (byVariant.size > 0) {
    lines.push('### Pipeline variants', '', `| variant ${REPORT_HEADER}`, `| --- ${REPORT_RULE}`);
    for (const [v, rows] of byVariant) lines.push(`| ${v} | ${reportColumns(rows).join(' | ')} |`);
    lines.push('');
  }
  const byInstances = groupBy(r.scaleOut, (x) => String(x.instances));
  if (byInstances.size > 0) {
    lines.push('### Scale-out: pipeline instances in one consumer group', '', '| instances | records in window | events/s | CPU s / 1k events | broker CPU s / 1k events | peak RSS MiB (largest instance) |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [n, rows] of byInstances) {
      const m = (f: (x: ScaleOutResult) => number): number => median(rows.map(f));
      lines.push(`| ${n} | ${int(m((x) => x.records))} | ${int(m((x) => x.eventsPerSecond))} | ${fix(m((x) => x.cpuSecondsPer1k), 3)} | ${fix(m((x) => x.brokerCpuSecondsPer1k), 3)} | ${int(m((x) => x.peakRssMiB))} |`);
    }
    lines.push('');
  }
  const byCell = groupBy(r.latency, (x) => `${x.label ?? x.scenario}|${x.rate}`);
  if (byCell.size > 0) {
    lines.push('### End-to-end latency at a fixed input rate', '', '| scenario | rate ev/s | produced ev/s | delivered | p50 ms | p95 ms | p99 ms | max ms | CPU s / 1k events | broker CPU s / 1k events | event-loop lag p99 ms | mean batch |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [k, rows] of byCell) {
      const [s, rate] = k.split('|');
      const m = (f: (x: (typeof rows)[number]) => number): number => median(rows.map(f));
      lines.push(`| ${s} | ${int(Number(rate))} | ${int(m((x) => x.producedRate))} | ${fix(100 * m((x) => x.delivered / Math.max(1, x.measured)), 1)}% | ${int(m((x) => x.p50Ms))} | ${int(m((x) => x.p95Ms))} | ${int(m((x) => x.p99Ms))} | ${int(m((x) => x.maxMs))} | ${fix(m((x) => x.report.cpuSecondsPer1k), 3)} | ${fix(m((x) => x.report.brokerCpuSecondsPer1k ?? Number.NaN), 3)} | ${fix(m((x) => x.report.eventLoopLagMs.p99), 1)} | ${fix(m((x) => x.report.meanBatchSize), 0)} |`);
    }
    lines.push('');
    lines.push(...stageTable(byCell));
  }
  return lines.join('\n');
}

/**
 * The pipeline's own account of each record's latency (its stage histogram, over the whole phase),
 * beside the end-to-end mean the reader measured; what is left is the producer's send and the
 * reader's read_committed visibility.
 */
function stageTable(byCell: Map<string, BenchResults['latency']>): string[] {
  const rows = [...byCell].filter(([, xs]) => xs.some((x) => x.report.stages));
  if (rows.length === 0) return [];
  const lines = [
    '### Where the latency goes (means, ms; p99 in brackets)',
    '',
    '| scenario | rate ev/s | end to end | fetch | merge | compute | commit | rest |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [k, xs] of rows) {
    const [s, rate] = k.split('|');
    const m = (f: (x: (typeof xs)[number]) => number): number => median(xs.map(f));
    const stage = (name: string, f: 'meanMs' | 'p99Ms'): number => m((x) => x.report.stages?.[name]?.[f] ?? Number.NaN);
    const cells = STAGES.map((name) => `${fix(stage(name, 'meanMs'), 1)} (${int(stage(name, 'p99Ms'))})`);
    const rest = m((x) => x.meanMs - STAGES.reduce((a, name) => a + (x.report.stages?.[name]?.meanMs ?? 0), 0));
    lines.push(`| ${s} | ${int(Number(rate))} | ${fix(m((x) => x.meanMs), 1)} (${int(m((x) => x.p99Ms))}) | ${cells.join(' | ')} | ${fix(rest, 1)} |`);
  }
  lines.push('');
  return lines;
}
