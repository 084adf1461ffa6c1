/**
 * The test matrix's third column: the exactly-once and crash tests again with models.backend=remote
 * (`npm run test:remote`; CI runs it after `npm run test:threads`). Global setup starts a real
 * Triton Inference Server serving `scorestream models export --format triton` of models/, and
 * every processor of these tests, in-process or a child process, scores through it.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  globalSetup: '<rootDir>/test/setup/remote-global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/remote-global-teardown.ts',
  testMatch: [
    '**/integration/process/exactly-once.test.ts',
    '**/integration/process/crash.test.ts',
    '**/integration/process/restart-after-kill.test.ts',
    '**/integration/process/zombie.test.ts',
    '**/integration/process/consumer-crash.test.ts',
  ],
};
