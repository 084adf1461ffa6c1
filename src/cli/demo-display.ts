/**
 * What the demo shows while it runs. On a terminal: a block of at most 80 columns redrawn in place
 * (a line that scrolls, such as a warning, is written above it). Elsewhere (a pipe, a CI log):
 * plain lines, one every `plainEveryMs`, and the models line only when it changes.
 */
export interface DemoStatus {
  readonly seconds: number;
  readonly produced: number;
  /** Of the records to produce in all. */
  readonly total: number;
  readonly scored: number;
  readonly outputs: number;
  readonly dlq: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly models: string;
}

export interface DemoDisplay {
  /** A line that stays: it scrolls above the live block. */
  line(text: string): void;
  /** The live block's content, replacing what it showed before. */
  live(lines: readonly string[]): void;
  /** The live numbers; `final`: the last ones, shown whatever the pace of plain lines. */
  status(s: DemoStatus, final?: boolean): void;
  /** Leaves the last live block on screen as it is; later output starts below it. */
  close(): void;
}

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export const MAX_COLUMNS = 80;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const ms = (x: number | undefined): string => (x === undefined ? '-' : `${n(x)} ms`);

/** Cuts `text` to `width` columns (the text is ASCII but for the bar and the dot, one column each). */
export function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}

export function progressBar(done: number, total: number, width: number): string {
  const filled = total === 0 ? 0 : Math.min(width, Math.floor((done / total) * width));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** The live block: four lines, none wider than `width`. */
export function statusLines(s: DemoStatus, width: number): string[] {
  const pct = s.produced === 0 ? 0 : Math.floor((s.scored / s.produced) * 100);
  const counts = ` ${n(s.scored)}/${n(s.produced)} scored ${String(pct).padStart(3)}%`;
  const barWidth = Math.max(10, width - [...counts].length - 2);
  return [
    fit(`t=${s.seconds}s  produced ${n(s.produced)} of ${n(s.total)} events`, width),
    fit(`[${progressBar(s.scored, s.produced, barWidth)}]${counts}`, width),
    fit(`${n(s.eventsPerSecond)} events/s · p50 ${ms(s.p50Ms)} · p99 ${ms(s.p99Ms)} · DLQ ${n(s.dlq)} · ${n(s.outputs)} scores`, width),
    fit(`models: ${s.models}`, width),
  ];
}

/** One plain line: what a log or a pipe gets every few seconds. */
export function plainLine(s: DemoStatus): string {
  return fit(`t=${s.seconds}s scored ${n(s.scored)}/${n(s.produced)} ${n(s.eventsPerSecond)} ev/s p50 ${ms(s.p50Ms)} p99 ${ms(s.p99Ms)} DLQ ${n(s.dlq)}`, MAX_COLUMNS);
}

class TerminalDisplay implements DemoDisplay {
  private shown = 0;
  constructor(private readonly out: Output) {}

  /** 80 columns, or fewer on a narrower terminal (a terminal that reports no width gets 80). */
  private get width(): number {
    const columns = this.out.columns ?? 0;
    return columns >= 40 ? Math.min(MAX_COLUMNS, columns) : MAX_COLUMNS;
  }

  /** Moves to the first line of the block and clears from there to the end of the screen. */
  private erase(): void {
    if (this.shown > 0) this.out.write(`\x1b[${this.shown}F\x1b[J`);
    this.shown = 0;
  }

  private draw(lines: readonly string[]): void {
    this.out.write(lines.map((l) => `${fit(l, this.width)}\n`).join(''));
    this.shown = lines.length;
  }

  private last: readonly string[] = [];

  line(text: string): void {
    this.erase();
    this.out.write(`${text}\n`);
    this.draw(this.last);
  }

  live(lines: readonly string[]): void {
    this.erase();
    this.last = lines;
    this.draw(lines);
  }

  status(s: DemoStatus): void {
    this.live(statusLines(s, this.width));
  }


  close(): void {
    this.shown = 0;
    this.last = [];
  }
}

class PlainDisplay implements DemoDisplay {
  private lastAt = 0;
  private models = '';
  constructor(
    private readonly out: Output,
    private readonly everyMs: number,
  ) {}

  line(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Live content a terminal would redraw (download progress): written as it comes; callers throttle it. */
  live(lines: readonly string[]): void {
    for (const l of lines) this.line(l);
  }

  status(s: DemoStatus, final = false): void {
    if (s.models !== this.models) {
      this.models = s.models;
      this.line(fit(`models: ${s.models}`, MAX_COLUMNS));
    }
    const now = Date.now();
    if (!final && now - this.lastAt < this.everyMs) return;
    this.lastAt = now;
    this.line(plainLine(s));
  }

  close(): void {
    this.lastAt = 0;
  }
}

export function demoDisplay(out: Output, plainEveryMs = 2_000): DemoDisplay {
  return out.isTTY ? new TerminalDisplay(out) : new PlainDisplay(out, plainEveryMs);
}
