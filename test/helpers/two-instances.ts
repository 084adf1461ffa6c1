import path from 'node:path';
import { ChildProcessor } from './child-processor';
import type { TestPipeline } from './pipeline';

/**
 * Two `scorestream run` processes in one group, each with its own state directory and a short
 * session (so that a pause past it fits in a test), started one after the other and left to
 * settle: each then holds one of the pipeline's two partitions.
 */
export async function startTwoInstances(pipe: TestPipeline, name: string, procs: ChildProcessor[]): Promise<[ChildProcessor, ChildProcessor]> {
  const env = (instance: string): Record<string, string> =>
    pipe.env({ SCORESTREAM_CONSUMER_SESSION_TIMEOUT_MS: '6000', SCORESTREAM_CONSUMER_REBALANCE_TIMEOUT_MS: '10000', SCORESTREAM_STATE_DIR: path.join(pipe.stateDir, instance) });
  const a = new ChildProcessor(env('a'), path.join(pipe.stateDir, '..', `${name}-a-${pipe.id}.log`));
  const b = new ChildProcessor(env('b'), path.join(pipe.stateDir, '..', `${name}-b-${pipe.id}.log`));
  procs.push(a, b);
  a.start();
  await a.waitForLog(/scorestream run: consuming/, 1);
  b.start();
  await b.waitForLog(/scorestream run: consuming/, 1);
  await new Promise((r) => setTimeout(r, 8_000));
  return [a, b];
}
