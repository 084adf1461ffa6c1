/**
 * The test matrix's second column: every test that starts `scorestream run` as a process, again
 * with processing.threads=2 (`npm run test:threads`; CI runs it after `npm test`). With two stream
 * threads a process is two members of the group, each with its own partitions, producers and store:
 * the exactly-once, crash, restart, fencing, broker-outage, replay and roll-out tests must hold for
 * it as they do for one. The tests that drive a processor in-process test what each thread runs.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: [
    '**/integration/cli/startup.test.ts',
    '**/integration/ops/metric-names.test.ts',
    '**/integration/process/broker-outage.test.ts',
    '**/integration/process/consumer-crash.test.ts',
    '**/integration/process/crash.test.ts',
    '**/integration/process/give-back.test.ts',
    '**/integration/process/restart-after-kill.test.ts',
    '**/integration/process/stream-threads.test.ts',
    '**/integration/process/zombie.test.ts',
    '**/integration/replay/replay.test.ts',
    '**/integration/training/train-rollout.test.ts',
  ],
};
