// The parts of @nxtedition/rocksdb (an abstract-level store) that scorestream uses; the package
// ships no type declarations.
declare module '@nxtedition/rocksdb' {
  export interface BatchOperation {
    type: 'put' | 'del';
    key: string;
    value?: Buffer;
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
    batch(operations: BatchOperation[]): Promise<void>;
    keys(options?: IteratorOptions): AsyncIterable<string>;
    readonly status: string;
  }
}
