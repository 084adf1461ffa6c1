/** The stage histogram: one processor's, or the stream threads' summed. */
export interface StageSource {
  get(): Promise<{ values: { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[] }>;
}

/** One stage of a record's time in the pipeline (scorestream_record_stage_seconds), in milliseconds. */
export interface StageFigures {
  readonly records: number;
  readonly meanMs: number;
  /** From the histogram's buckets: the upper bound of the bucket that holds the percentile. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export const STAGES = ['fetch', 'merge', 'compute', 'commit'] as const;

/** Each stage's mean and bucketed percentiles, from the processor's own histogram. */
export async function stageFigures(histogram: StageSource): Promise<Record<string, StageFigures>> {
  const { values } = await histogram.get();
  const out: Record<string, StageFigures> = {};
  for (const stage of STAGES) {
    const mine = values.filter((v) => v.labels.stage === stage);
    const count = mine.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    const sum = mine.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
    const buckets = mine.filter((v) => v.metricName?.endsWith('_bucket')).map((v) => ({ le: Number((v.labels as Record<string, string | number | undefined>).le), n: v.value })).sort((a, b) => a.le - b.le);
    const at = (p: number): number => {
      const bucket = buckets.find((b) => b.n >= p * count);
      return bucket ? bucket.le * 1000 : Number.NaN;
    };
    out[stage] = { records: count, meanMs: count > 0 ? (sum / count) * 1000 : Number.NaN, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
  return out;
}
