import fs from 'node:fs';
import path from 'node:path';
import { ConfigResourceTypes } from 'kafkajs';
import { leadEvent } from '../../helpers/lead-events';
import { ChildProcessor } from '../../helpers/child-processor';
import { TestPipeline } from '../../helpers/pipeline';

/**
 * A consumer that KafkaJS gives up on (a non-retriable error: here an output topic whose
 * max.message.bytes an operator set below any score record, so every transaction is refused with
 * MESSAGE_TOO_LARGE) must not leave `scorestream run` up, idle and "ready": it exits non-zero, so
 * that its supervisor restarts it, and says why.
 */
jest.setTimeout(180_000);

describe('a consumer that crashes for good', () => {
  const pipe = new TestPipeline();
  let proc: ChildProcessor | undefined;
  afterAll(async () => {
    // A process that did not exit (the failure this test looks for) must not outlive the test.
    await proc?.kill();
    await pipe.cleanup();
  });

  it('ends scorestream run with a non-zero exit code and one line saying why', async () => {
    await pipe.setUp();
    await pipe.admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: pipe.names.outputs.lead_scorer, configEntries: [{ name: 'max.message.bytes', value: '200' }] }],
    });
    const log = path.join(pipe.stateDir, '..', `consumer-crash-${pipe.id}.log`);
    proc = new ChildProcessor(pipe.env(), log);
    proc.start();
    await proc.waitForLog(/scorestream run: consuming/, 1);
    await pipe.produce(pipe.names.lead, [leadEvent(1, { lead_id: 'lead-crash' })]);
    const code = await proc.exit(120_000);
    expect(code).not.toBe(0);
    const text = fs.readFileSync(log, 'utf8');
    expect(text).toMatch(/the consumer stopped/);
    expect(text).toMatch(/larger than the max message size/);
  });
});
