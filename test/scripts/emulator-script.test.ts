import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

  it('says what a first install does, one line per step in CI, and is silent once installed', async () => {
    // Prepare: a fresh tree whose python3 is a stand-in that creates the virtualenv layout and
    // records each pip call instead of downloading anything.
    const root = mkdtempSync(join(tmpdir(), 'clonewarden-install-progress-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(SCRIPT, join(root, 'scripts', 'emulator.sh'));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    for (const tool of ['dirname', 'cat', 'mkdir', 'cp', 'touch', 'chmod']) {
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    }
    const fakePython = join(bin, 'python3');
    writeFileSync(
      fakePython,
      [
        '#!/bin/bash',
        'case "$1 $2" in',
        '  "-m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/python" ;;',
        '  "-m pip") echo "$*" >> "$(dirname "$0")/pip-calls"; touch "$(dirname "$0")/moto_server"; chmod +x "$(dirname "$0")/moto_server" ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(fakePython, 0o755);
    const install = () =>
      run('/bin/bash', [join(root, 'scripts', 'emulator.sh'), 'install'], { env: { PATH: bin, CI: 'true' } });

    // Act
    const first = await install();
    const second = await install();

    // Assess
    const lines = first.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^emulator: setting up the local AWS emulator in .*\.venv \(first run only/);
    expect(lines.slice(1, 4)).toEqual([
      'emulator: [1/3] creating the virtualenv',
      expect.stringMatching(/^emulator: \[2\/3\] installing moto\[server\]==/),
      expect.stringMatching(/^emulator: \[3\/3\] installing cfn-lint==/),
    ]);
    expect(lines[4]).toMatch(/^emulator: ready in \d+ s$/);
    const pipCalls = readFileSync(join(root, '.venv', 'bin', 'pip-calls'), 'utf8')
      .trim()
      .split('\n');
    for (const call of pipCalls) expect(call).toContain('--quiet');
    expect(second.stderr).toBe('');
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
