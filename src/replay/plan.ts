import fs from 'node:fs';
import path from 'node:path';
import type { ModelName } from '../features/spec';
import { ScorestreamError } from '../errors';

/**
 * What a replay run re-scores, fixed when it first starts and kept beside its state, so that a
 * resumed run (same run id) ends where the first start said, not at the end offsets of the day
 * it resumes.
 */
export interface ReplayPlan {
  readonly runId: string;
  readonly topic: string;
  readonly model: ModelName;
  readonly version: string;
  readonly output: string;
  /** Per partition of the replayed topic: [from, to). */
  readonly from: Readonly<Record<string, string>>;
  readonly to: Readonly<Record<string, string>>;
  /** Per partition of the co-partitioned topic: its end when the run started (history applied up to there at most). */
  readonly otherEnds: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

export function planFile(stateDir: string, groupId: string): string {
  return path.join(stateDir, `${groupId}.plan.json`);
}

export function readPlan(file: string): ReplayPlan | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as ReplayPlan;
  } catch (err: unknown) {
    throw new ScorestreamError('REPLAY_INVALID', `replay plan ${file} is not valid JSON: remove it and start a new run id`, { cause: err });
  }
}

export function writePlan(file: string, plan: ReplayPlan): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(plan, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export const offsetsOf = (record: Readonly<Record<string, string>>): Map<number, bigint> => new Map(Object.entries(record).map(([p, o]) => [Number(p), BigInt(o)]));
export const recordOf = (offsets: ReadonlyMap<number, bigint>): Record<string, string> => Object.fromEntries([...offsets].map(([p, o]) => [String(p), o.toString()]));
