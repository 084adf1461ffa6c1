import { sleep } from '../local/wait';

/**
 * Progress of a replay over its range: records done of the total, events/s since re-scoring began,
 * and the time left at that pace. Before the range starts, the run is rebuilding state from history.
 */
export class ReplayProgress {
  private readonly done = new Map<number, bigint>();
  /** When each partition's history before --from was all applied. */
  private readonly rebuilt = new Map<number, number>();
  private startedAt: number | undefined;
  private readonly createdAt = Date.now();
  history = 0;

  constructor(
    private readonly from: ReadonlyMap<number, bigint>,
    private readonly to: ReadonlyMap<number, bigint>,
  ) {}

  get total(): number {
    let n = 0n;
    for (const [p, to] of this.to) n += to - (this.from.get(p) ?? to);
    return Number(n);
  }

  get completed(): number {
    let n = 0n;
    for (const v of this.done.values()) n += v;
    return Number(n);
  }

  /**
   * Seconds until every partition had applied its history before --from (so far, if some still
   * rebuild). Partitions go on independently, so re-scoring in one overlaps rebuilding in another.
   */
  get rebuildSeconds(): number {
    const pending = [...this.to].some(([p, to]) => (this.from.get(p) ?? to) < to && !this.rebuilt.has(p));
    return ((pending ? Date.now() : Math.max(this.createdAt, ...this.rebuilt.values())) - this.createdAt) / 1000;
  }

  /** Seconds from the first re-scored record to now. */
  get rescoringSeconds(): number {
    return this.startedAt === undefined ? 0 : (Date.now() - this.startedAt) / 1000;
  }

  get rate(): number {
    if (this.startedAt === undefined) return 0;
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? this.completed / seconds : 0;
  }

  /** The replayed side of `partition` has reached `position` (next offset). */
  update(partition: number, position: bigint | undefined): void {
    const from = this.from.get(partition);
    const to = this.to.get(partition);
    if (position === undefined || from === undefined || to === undefined) return;
    if (position >= from && !this.rebuilt.has(partition)) this.rebuilt.set(partition, Date.now());
    const d = position <= from ? 0n : (position > to ? to : position) - from;
    if (d > 0n && this.startedAt === undefined) this.startedAt = Date.now();
    if (d > (this.done.get(partition) ?? 0n)) this.done.set(partition, d);
  }

  finished(): boolean {
    return [...this.to].every(([p, to]) => (this.from.get(p) ?? to) >= to || (this.done.get(p) ?? 0n) >= to - (this.from.get(p) as bigint));
  }

  line(): string {
    const total = this.total;
    if (this.startedAt === undefined) return `rebuilding state from history: ${this.history.toLocaleString('en-US')} records applied, ${total.toLocaleString('en-US')} to re-score`;
    const done = this.completed;
    const rate = this.rate;
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
    return `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${pct}%), ${Math.round(rate).toLocaleString('en-US')} events/s, ETA ${eta === undefined ? '?' : `${eta} s`}`;
  }
}

/** At most `perSecond` records on average since the first one (0: no limit). */
export class RateLimit {
  private started: number | undefined;
  private count = 0;

  constructor(private readonly perSecond: number) {}

  async take(records: number): Promise<void> {
    if (this.perSecond <= 0 || records === 0) return;
    this.started ??= Date.now();
    this.count += records;
    const due = this.started + (this.count / this.perSecond) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}
