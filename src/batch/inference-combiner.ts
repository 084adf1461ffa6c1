import type { ModelName } from '../features/spec';
import type { ScoreResult } from '../registry/registry';

export type Scorer = (model: ModelName, rows: Float32Array, count: number) => Promise<ScoreResult>;

interface Pending {
  readonly rows: Float32Array;
  readonly count: number;
  readonly resolve: (r: ScoreResult) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Combines the rows that partition batches submit into one inference call per model, until
 * `maxRows` rows are waiting or the first of them has waited `lingerMs`, whichever comes first.
 * Commits stay per partition: each submitter gets back exactly its own slice of the scores, and
 * every row of a combined call is scored by the same model version.
 */
export class InferenceCombiner {
  private readonly pending = new Map<ModelName, { items: Pending[]; rows: number; cancel: (() => void) | undefined }>();

  constructor(
    private readonly scorer: Scorer,
    private readonly options: { readonly maxRows: number; readonly lingerMs: number; readonly width: (model: ModelName) => number },
  ) {}

  score(model: ModelName, rows: Float32Array, count: number): Promise<ScoreResult> {
    return new Promise((resolve, reject) => {
      let queue = this.pending.get(model);
      if (!queue) {
        queue = { items: [], rows: 0, cancel: undefined };
        this.pending.set(model, queue);
      }
      queue.items.push({ rows, count, resolve, reject });
      queue.rows += count;
      if (queue.rows >= this.options.maxRows) this.flush(model);
      else if (queue.cancel === undefined) {
        // Even with no linger, wait for the end of this turn so that batches submitted together combine.
        if (this.options.lingerMs > 0) {
          const timer = setTimeout(() => this.flush(model), this.options.lingerMs);
          queue.cancel = () => clearTimeout(timer);
        } else {
          const immediate = setImmediate(() => this.flush(model));
          queue.cancel = () => clearImmediate(immediate);
        }
      }
    });
  }

  private flush(model: ModelName): void {
    const queue = this.pending.get(model);
    if (!queue || queue.items.length === 0) return;
    this.pending.delete(model);
    queue.cancel?.();
    const width = this.options.width(model);
    const items = queue.items;
    const all = new Float32Array(queue.rows * width);
    let at = 0;
    for (const item of items) {
      all.set(item.rows.subarray(0, item.count * width), at * width);
      at += item.count;
    }
    this.scorer(model, all, queue.rows).then(
      (result) => {
        let offset = 0;
        for (const item of items) {
          item.resolve({ ...result, scores: result.scores.slice(offset, offset + item.count) });
          offset += item.count;
        }
      },
      (err: unknown) => items.forEach((item) => item.reject(err)),
    );
  }
}
