#!/usr/bin/env node
import { ERROR_CODES, errorMessage, isScorestreamError } from '../errors';
import { demoCommand } from './demo-command';
import { featuresCommand } from './features-command';
import { generateCommand } from './generate-command';
import { SERVICES_USAGE, servicesCommand } from './services-command';

const USAGE = `usage: scorestream <command>
  demo        start local services if none are configured and run the main job
  services    manage the local Kafka and schema registry (see: scorestream services --help)
  generate    write a seeded synthetic event history as JSONL (see: scorestream generate --help)
  features    export training tables computed by the serving feature code (features export)`;

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
