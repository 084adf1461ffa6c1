import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

/**
 * KafkaJS logs every protocol error response at ERROR (namespace `Connection`, `Response ...`, e.g.
 * COORDINATOR_LOAD_IN_PROGRESS while a fresh broker loads its transaction log) before it retries
 * and succeeds. Those are demoted to DEBUG so that an ERROR line means something went wrong.
 */
export function isRetriedResponseLog(entry: LogEntry): boolean {
  return (
    entry.label === 'ERROR' &&
    entry.namespace === 'Connection' &&
    typeof entry.log.message === 'string' &&
    entry.log.message.startsWith('Response ')
  );
}

export function kafkaLogCreator(minLevel: logLevel = logLevel.WARN): logCreator {
  return () => (entry: LogEntry) => {
    const level = isRetriedResponseLog(entry) ? logLevel.DEBUG : entry.level;
    if (level > minLevel || level === logLevel.NOTHING) return;
    const { message, ...rest } = entry.log;
    process.stderr.write(`${JSON.stringify({ level: entry.label.toLowerCase(), logger: 'kafkajs', ns: entry.namespace, msg: message, ...rest })}\n`);
  };
}
