import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'emulator.sh');

describe('Scripts: emulator.sh', () => {
  it('fails with the exact packages to install when python3 is missing, instead of skipping', async () => {
    // Prepare: a copy of the script in a fresh tree (no .venv), and a PATH without python3.
    const root = mkdtempSync(join(tmpdir(), 'clonewarden-nopython-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(SCRIPT, join(root, 'scripts', 'emulator.sh'));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    for (const tool of ['dirname', 'cat']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));

    // Act
    const outcome = await run('/bin/bash', [join(root, 'scripts', 'emulator.sh'), 'install'], {
      env: { PATH: bin },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    // Assess
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('python3 is not installed');
    expect(outcome.stderr).toContain('apt-get install python3 python3-venv');
  });

  it('rejects an unknown subcommand with its usage', async () => {
    // Act
    const outcome = await run('bash', [SCRIPT, 'restart']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );

    // Assess
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/usage: .*install\|start\|stop\|endpoint/);
  });
});
