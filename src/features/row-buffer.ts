import type { FeatureRejection } from './result';
import type { FeatureSpec } from './spec';
import { checkRow } from './validate';

/**
 * A batch's rows for one model, written straight into one growing Float32Array in the model's
 * feature order: the tensor the model is given, with no array or Float32Array per row on the way
 * (a scored event has one lead row and about twenty match rows).
 */
export class RowBuffer {
  private data: Float32Array;
  private rows = 0;
  readonly width: number;

  constructor(private readonly spec: readonly FeatureSpec[], capacity = 256) {
    this.width = spec.length;
    this.data = new Float32Array(capacity * this.width);
  }

  /** Rows written so far. */
  get count(): number {
    return this.rows;
  }

  /** Appends a row if every value is finite and in its trained range; otherwise appends nothing and says why. */
  push(values: readonly number[]): FeatureRejection | undefined {
    const invalid = checkRow(this.spec, values);
    if (invalid) return invalid;
    this.reserve();
    const at = this.rows * this.width;
    for (let i = 0; i < this.width; i++) this.data[at + i] = values[i] as number;
    this.rows++;
    return undefined;
  }

  /** Appends a row already checked (a FeatureRow). */
  append(row: Float32Array): void {
    this.reserve();
    this.data.set(row, this.rows * this.width);
    this.rows++;
  }

  /** The rows written, as one tensor (a view: valid until the next write). */
  view(): Float32Array {
    return this.data.subarray(0, this.rows * this.width);
  }

  /** Row `i` (a view). */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.width, (i + 1) * this.width);
  }

  private reserve(): void {
    if ((this.rows + 1) * this.width <= this.data.length) return;
    const grown = new Float32Array(Math.max(this.data.length * 2, this.width));
    grown.set(this.data);
    this.data = grown;
  }
}
