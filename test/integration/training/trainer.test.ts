import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The Python trainer's own checks (training/test_train.py): the time-based holdout, new versions,
 * the refusal to write a version worse than the served one, --force, --summary, and that what it
 * writes loads in the Node registry. train.sh creates the pinned virtual environment first.
 */
describe('training/train.py on tables of a history', () => {
  it('passes training/test_train.py', () => {
    const venv = spawnSync('bash', [path.join(ROOT, 'training', 'train.sh'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: venv.status, stderr: venv.stderr }).toEqual({ status: 0, stderr: expect.any(String) as unknown });
    const r = spawnSync(path.join(ROOT, 'training', '.venv', 'bin', 'python'), [path.join(ROOT, 'training', 'test_train.py')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    expect({ status: r.status, tail: r.status === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-4000) }).toEqual({ status: 0, tail: '' });
  }, 600_000);
});
