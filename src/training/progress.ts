/**
 * Progress of an export on stderr: at most one line every `everyMs`, with the phase, how far it is,
 * and the time left at the pace so far.
 */
export class ExportProgress {
  private last = 0;
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly everyMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  update(phase: string, done: number, total: number, extra = '', force = false): void {
    const now = this.now();
    if (!this.startedAt.has(phase)) this.startedAt.set(phase, now);
    if (!force && now - this.last < this.everyMs) return;
    this.last = now;
    const elapsed = (now - (this.startedAt.get(phase) as number)) / 1000;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const eta = share > 0 && share < 1 ? `, ETA ${Math.ceil((elapsed * (1 - share)) / share)} s` : '';
    this.write(`  ${phase}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} (${Math.floor(share * 100)}%)${extra}${eta}`);
  }
}
