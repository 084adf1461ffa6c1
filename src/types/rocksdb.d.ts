// The parts of @nxtedition/rocksdb (an abstract-level store) that scorestream uses; the package
// ships no type declarations.
declare module '@nxtedition/rocksdb' {
  /** Closed by write(). */
  export interface ChainedBatch {
    put(key: string, value: Buffer): ChainedBatch;
    del(key: string): ChainedBatch;
    write(): Promise<void>;
    close(): Promise<void>;
  }
  export interface IteratorOptions {
    gt?: string;
    gte?: string;
    lt?: string;
    lte?: string;
    limit?: number;
  }
  export class RocksLevel {
    constructor(location: string, options?: { keyEncoding?: 'utf8'; valueEncoding?: 'buffer' });
    open(options?: { createIfMissing?: boolean; errorIfExists?: boolean }): Promise<void>;
    close(): Promise<void>;
    getMany(keys: string[]): Promise<(Buffer | undefined)[]>;
    // batch(operations[]) left out on purpose: it leaks its batch (see src/state/write-batch.ts).
    batch(): ChainedBatch;
    keys(options?: IteratorOptions): AsyncIterable<string>;
    readonly status: string;
  }
}
