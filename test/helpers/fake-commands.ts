import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A directory holding shell scripts that stand in for `java` or `mvn`, to put on PATH when a test
 * needs a failure that a real installation will not produce on demand (an old Java, a failed
 * download). Returns the directory; the caller removes it.
 */
export function fakeCommands(scripts: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-fake-bin-'));
  for (const [name, body] of Object.entries(scripts)) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  return dir;
}
