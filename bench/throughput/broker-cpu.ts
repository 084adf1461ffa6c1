import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU seconds used so far by the local Kafka broker's JVM (found by the marker the local services
 * put on its command line), from /proc; undefined where that cannot be read (not Linux, or a
 * broker that is not local). On this machine the broker shares the two cores with the scenario.
 */
export function brokerCpuSeconds(): number | undefined {
  try {
    const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const line = ps.split('\n').find((l) => l.includes('-Dscorestream.local=kafka'));
    const pid = line?.trim().split(/\s+/)[0];
    if (!pid) return undefined;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return ticks / hz;
  } catch {
    return undefined;
  }
}
