import { describeFailure } from '../../../src/cli/failure';
import { ScorestreamError } from '../../../src/errors';
import { fromThreadError, threadError } from '../../../src/threads/protocol';
import { threadStateDir } from '../../../src/threads/stream-threads';

describe('errors crossing from a stream thread', () => {
  it('keep a ScorestreamError its code, so the exit code is what one thread would give', () => {
    const err = new ScorestreamError('TOPICS_MISSING', 'topics missing: lead.events');
    const back = fromThreadError(structuredClone(threadError(err)), 1);
    expect(back).toBeInstanceOf(ScorestreamError);
    expect(describeFailure(back)).toEqual(describeFailure(err));
    expect(describeFailure(back).exitCode).toBe(2);
  });

  it('keep a KafkaJS error its name, so it is still one line and exit 1', () => {
    const err = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    err.name = 'KafkaJSConnectionError';
    const back = fromThreadError(structuredClone(threadError(err)), 0);
    const failure = describeFailure(back);
    expect(failure.text).toMatch(/^scorestream: Kafka: stream thread 0: Connection error/);
    expect(failure.exitCode).toBe(1);
  });

  it('say which thread an unexpected error came from', () => {
    expect(fromThreadError(threadError('boom'), 3).message).toBe('stream thread 3: boom');
  });
});

describe('state directories of stream threads', () => {
  it('keep state.dir for thread 0, so going from one thread to several keeps its store', () => {
    expect(threadStateDir('/var/lib/ss', 0)).toBe('/var/lib/ss');
    expect(threadStateDir('/var/lib/ss', 2)).toBe('/var/lib/ss/thread-2');
  });
});
