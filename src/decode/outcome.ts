/**
 * What happens to one record, as a value: it goes on, it goes to the DLQ with a reason, or the
 * batch must wait and retry because a dependency is down. Bad input never throws, and a dependency
 * that is down is never a reason to dead-letter a record.
 */
export type DlqReason = 'bad_magic' | 'unknown_schema' | 'avro_decode' | 'feature_invalid' | 'wrong_partition' | 'model_error';

export type Outcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'dlq'; readonly reason: DlqReason; readonly message: string }
  | { readonly kind: 'retry'; readonly message: string };

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const dlq = (reason: DlqReason, message: string): Outcome<never> => ({ kind: 'dlq', reason, message });
export const retry = (message: string): Outcome<never> => ({ kind: 'retry', message });
