import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../scripts/lib/emulator.js';

const run = promisify(execFile);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Integration: the emulator script', () => {
  it('starts moto on a free loopback port, answers, and stops leaving no process behind', async () => {
    // Act
    const emulator = await startEmulator('lifecycle');
    const answer = await fetch(`${emulator.endpoint}/moto-api/`);
    const pid = Number(readFileSync(join(emulator.stateDir, 'pid'), 'utf8'));
    const runningBeforeStop = isRunning(pid);
    await emulator.stop();

    // Assess
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(answer.status).toBe(200);
    expect(runningBeforeStop).toBe(true);
    expect(isRunning(pid)).toBe(false);
    const { stdout } = await run('pgrep', [
      '-f',
      `moto_server -H 127.0.0.1 -p ${new URL(emulator.endpoint).port}`,
    ]).catch(() => ({ stdout: '' }));
    expect(stdout.trim()).toBe('');
  });
});
