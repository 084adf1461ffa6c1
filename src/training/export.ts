import type { LabelHorizons } from '../features/labels';
import type { TimeBounds } from '../features/validate';
import type { History } from './history';
import { ExportProgress } from './progress';
import { serveHistory } from './rows';
import { describeSample, type SamplePolicy } from './sample';
import type { ScoringPoint } from './scoring-points';
import { labelRows, writeTables, type TableSummary } from './tables';

export interface ExportOptions {
  readonly out: string;
  readonly from: number | undefined;
  readonly to: number | undefined;
  readonly sample: SamplePolicy;
  readonly at: ReadonlyMap<string, ScoringPoint> | undefined;
  readonly horizons: LabelHorizons;
  readonly timeBounds: TimeBounds;
}

export interface ExportReport {
  readonly tables: TableSummary[];
  readonly recordsRead: number;
  readonly applied: number;
  /** Records and events left out, by reason. */
  readonly skipped: ReadonlyMap<string, number>;
  readonly firstEvent: number;
  readonly lastEvent: number;
  readonly dataEnd: number;
}

/**
 * The training export: the history replayed through the serving code (rows.ts), each kept row
 * labelled by what its lead did next (tables.ts), censored where the data ends too soon, and
 * written per model. The data ends at --to, or else at the last lead or engagement event read.
 */
export function exportHistory(history: History, options: ExportOptions, progress: ExportProgress): ExportReport {
  const served = serveHistory(history, { from: options.from, to: options.to, sample: options.sample, at: options.at, timeBounds: options.timeBounds }, (done, total, rows) =>
    progress.update('replaying', done, total, `, ${rows.toLocaleString('en-US')} rows`, done === total),
  );
  const dataEnd = options.to ?? served.lastEvent;
  const tables = labelRows(served.rows, served.events, dataEnd, options.horizons);
  const range = { from: options.from ?? null, to: options.to ?? null, firstEvent: served.firstEvent, lastEvent: served.lastEvent, dataEnd };
  const meta = { source: history.source, range, sample: options.at ? 'the events of an --at file' : describeSample(options.sample), rejected: Object.fromEntries(served.skipped), recordsRead: history.recordsRead };
  return {
    tables: writeTables(options.out, tables, meta, options.horizons),
    recordsRead: history.recordsRead,
    applied: served.applied,
    skipped: served.skipped,
    firstEvent: served.firstEvent,
    lastEvent: served.lastEvent,
    dataEnd,
  };
}
