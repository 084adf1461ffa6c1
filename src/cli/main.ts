#!/usr/bin/env node
import { ERROR_CODES, errorMessage, isScorestreamError } from '../errors';
import { demoCommand } from './demo-command';
import { featuresCommand } from './features-command';
import { generateCommand } from './generate-command';
import { topicsCommand } from './topics-command';
import { runCommand } from './run-command';
import { replayCommand } from './replay-command';
import { describeConfig, loadConfig } from '../config/load';
import { SERVICES_USAGE, servicesCommand } from './services-command';

const USAGE = `usage: scorestream <command>
  run         the processor: consume, score, publish exactly once (configuration: scorestream config)
  replay      re-score a range of lead.events or engagement.events with one model version (see: scorestream replay --help)
  demo        start local services if none are configured and run the main job
  services    manage the local Kafka and schema registry (see: scorestream services --help)
  generate    write a seeded synthetic event history as JSONL (see: scorestream generate --help)
  features    export training tables computed by the serving feature code (features export)
  topics      create the topics and register the schemas (topics create)
  config      print every setting with its value, its documentation and its variables`;

async function main(argv: readonly string[]): Promise<number> {
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const [command, ...rest] = argv;
  switch (command) {
    case 'services':
      return servicesCommand(rest, print);
    case 'demo':
      return demoCommand(rest, print);
    case 'generate':
      return generateCommand(rest, print);
    case 'features':
      return featuresCommand(rest, print);
    case 'topics':
      return topicsCommand(rest, print);
    case 'run':
      return runCommand(rest, print);
    case 'replay':
      return replayCommand(rest, print);
    case 'config':
      describeConfig(loadConfig()).forEach((line) => print(line));
      return 0;
    case undefined:
    case '--help':
    case 'help':
      print(USAGE);
      return 0;
    default:
      process.stderr.write(`scorestream: unknown command '${command}'\n${USAGE}\n${SERVICES_USAGE}\n`);
      return 2;
  }
}

// `scorestream config | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Expected failures are one line that says what to do; anything else is a bug: show the stack.
    if (isScorestreamError(err)) {
      process.stderr.write(`scorestream: ${err.message}\n`);
      process.exitCode = ERROR_CODES[err.code].exitCode;
    } else {
      process.stderr.write(`scorestream: unexpected error: ${err instanceof Error && err.stack ? err.stack : errorMessage(err)}\n`);
      process.exitCode = 70;
    }
  },
);
