export interface StopGuard {
  /** Starts the deadline (a signal does so itself): a stop for another reason, e.g. the consumer gone, is bounded too. */
  arm(reason: string): void;
  /** Stops listening; the deadline, if armed, is cleared. Every path out of the command calls it. */
  dispose(): void;
}

export interface StopGuardOptions {
  /** The command, in messages: `scorestream <command>: ...`. */
  readonly command: string;
  /** shutdown.timeoutMs. */
  readonly timeoutMs: number;
  /** The first SIGTERM or SIGINT: begin a graceful stop. */
  onSignal(signal: NodeJS.Signals): void;
  /** Where the forced-exit lines go; stderr by default. */
  readonly warn?: (line: string) => void;
  /** process.exit by default. */
  readonly exit?: (code: number) => void;
  /** The signals that stop: SIGTERM and SIGINT by default (`run` keeps SIGHUP for reloading models). */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * SIGTERM always ends the process: the first SIGTERM or SIGINT begins a graceful stop, which has
 * `timeoutMs` to finish before the process says so and exits 1; a second signal exits 1 at once.
 * An exit during a batch is safe: its transaction is never committed (the broker aborts it when
 * the partition's producer is next initialized) and the state is restored from the changelog.
 */
export function guardStop(options: StopGuardOptions): StopGuard {
  const warn = options.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const seconds = options.timeoutMs / 1000;
  let deadline: NodeJS.Timeout | undefined;
  let first: string | undefined;
  const arm = (reason: string): void => {
    if (deadline) return;
    deadline = setTimeout(() => {
      warn(`scorestream ${options.command}: the stop did not finish within ${seconds} s of ${reason}: exiting now (shutdown.timeoutMs)`);
      exit(1);
    }, options.timeoutMs);
    // Not unref'd: a stop waiting on nothing that keeps the process up must still end in this line and exit 1.
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== undefined) {
      warn(`scorestream ${options.command}: second ${signal}: exiting now, without finishing the stop`);
      exit(1);
      return;
    }
    first = signal;
    arm(signal);
    options.onSignal(signal);
  };
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  for (const s of signals) process.on(s, onSignal);
  return {
    arm,
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
      if (deadline) clearTimeout(deadline);
    },
  };
}
