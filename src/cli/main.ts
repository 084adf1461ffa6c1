#!/usr/bin/env node
import { DEMO_USAGE, demoCommand } from './demo-command';
import { FEATURES_USAGE, featuresCommand } from './features-command';
import { TRAIN_USAGE, trainCommand } from './train-command';
import { GENERATE_USAGE, generateCommand } from './generate-command';
import { TOPICS_USAGE, topicsCommand } from './topics-command';
import { RUN_USAGE, runCommand } from './run-command';
import { REPLAY_USAGE, replayCommand } from './replay-command';
import { MODELS_USAGE, modelsCommand } from './models-command';
import { describeConfig, loadConfig } from '../config/load';
import { SERVICES_USAGE, servicesCommand } from './services-command';
import { TAIL_USAGE, tailCommand } from './tail-command';
import { noArgs, wantsHelp } from './args';
import { describeFailure } from './failure';

const USAGE = `usage: scorestream <command> [--help]
  run         the processor: consume, score, publish exactly once (configuration: scorestream config)
  tail        print the records of an output or DLQ topic, decoded, one line each (tail lead.scores --follow)
  replay      re-score a range of lead.events or engagement.events with one model version (see: scorestream replay --help)
  demo        start local services if none are configured and run the main job
  services    manage the local Kafka and schema registry (see: scorestream services --help)
  generate    write a seeded synthetic event history as JSONL (see: scorestream generate --help)
  features    export training tables from your history through the serving feature code (features export)
  train       train a new version of the models on your history, compared with the served one
  models      write the models as a model repository an inference server loads (models export)
  topics      create the topics and register the schemas (topics create)
  config      print every setting with its value, its documentation and its variables
exit codes: 0 done; 1 a dependency cannot be reached, or the process cannot go on (its supervisor
  restarts it); 2 bad configuration or command line (restarting will not help); 70 a bug`;

const CONFIG_USAGE = `usage: scorestream config
  prints every setting with its value, its documentation and its variables; defaults, then the
  SCORESTREAM_CONFIG file (JSON), then the environment. A bad value, an unknown key or an unknown
  SCORESTREAM_* variable is one line and exit 2`;

const USAGES: Readonly<Record<string, string>> = {
  run: RUN_USAGE,
  tail: TAIL_USAGE,
  replay: REPLAY_USAGE,
  demo: DEMO_USAGE,
  services: SERVICES_USAGE,
  generate: GENERATE_USAGE,
  features: FEATURES_USAGE,
  train: TRAIN_USAGE,
  models: MODELS_USAGE,
  topics: TOPICS_USAGE,
  config: CONFIG_USAGE,
};

async function main(argv: readonly string[]): Promise<number> {
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const [command, ...rest] = argv;
  // --help on any command prints its usage and starts nothing, whatever else the line holds.
  const usage = command === undefined ? undefined : USAGES[command];
  if (usage !== undefined && wantsHelp(rest)) {
    print(usage);
    return 0;
  }
  switch (command) {
    case 'services':
      return servicesCommand(rest, print);
    case 'demo':
      return demoCommand(rest, print);
    case 'generate':
      return generateCommand(rest, print);
    case 'features':
      return await featuresCommand(rest, print);
    case 'train':
      return await trainCommand(rest, print);
    case 'topics':
      return topicsCommand(rest, print);
    case 'models':
      return modelsCommand(rest, print);
    case 'run':
      return runCommand(rest, print);
    case 'replay':
      return replayCommand(rest, print);
    case 'tail':
      return tailCommand(rest, print);
    case 'config':
      noArgs('config', rest);
      describeConfig(loadConfig()).forEach((line) => print(line));
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      print((rest[0] !== undefined && USAGES[rest[0]]) || USAGE);
      return 0;
    default:
      process.stderr.write(`scorestream: unknown command '${command}' (scorestream --help lists the commands)\n`);
      return 2;
  }
}

// `scorestream config | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/**
 * Ends the process once stdout is flushed. Setting process.exitCode is not enough: a listener,
 * the inference worker or a client's timers would keep a finished (or failed) process alive.
 */
function exit(code: number): void {
  process.exitCode = code;
  // A reader that stopped reading (a paused pager) must not hold the exit for ever either.
  setTimeout(() => process.exit(code), 2_000).unref();
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  const failure = describeFailure(err);
  process.stderr.write(`${failure.text}\n`);
  exit(failure.exitCode);
});
