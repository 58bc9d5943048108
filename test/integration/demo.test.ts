import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs the README's main command as a newcomer would: no AWS or clonewarden settings of ours. */
function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|CLONEWARDEN_|POWERTOOLS_)/.test(name)),
  );
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// The README promises that `npm run demo` works on a fresh machine; it once broke unnoticed when a
// merge added a table the demo did not create. This runs it whole, on its own emulator.
describe('npm run demo (the README main command)', () => {
  it('runs every scene, exits 0, stops its emulator and leaves a report that opens offline', async () => {
    // Act
    const { code, stdout, stderr } = await runDemo();
    const reportPath = /Open the report in a browser[^:]*: (\S+\.html)/.exec(stdout)?.[1];

    try {
      // Assess
      expect({ code, stderr: stderr.slice(-2_000) }).toEqual({ code: 0, stderr: expect.any(String) });
      expect(stdout).toMatch(/verdict: COMPLIANT {2}CreateImage ami-/);
      expect(stdout).toMatch(/verdict: QUARANTINED {2}CopyImage ami-.*\n.*clone-depth/);
      expect(stdout).toMatch(/verdict: QUARANTINED {2}CreateSnapshot snap-.*\n.*who-may-clone/);
      expect(stdout).toMatch(/verdict: VIOLATION {2}CreateVolume vol-.*\n.*restore-only-good-clones/);
      expect(stdout).toMatch(/clonewarden:status is back to quarantined: the ledger wins/);
      expect(stdout).toMatch(/launch permissions of ami-\S+ after the verdict: account 111122223333\n/);
      expect(stdout).toMatch(/(\d+) alert\(s\) for \1 offending event\(s\)/);
      expect(stdout).toContain('The emulator is stopped; nothing is left running.');
      expect(reportPath).toBeDefined();
      const html = readFileSync(reportPath!, 'utf8');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
    } finally {
      if (reportPath && existsSync(reportPath)) rmSync(dirname(reportPath), { recursive: true, force: true });
    }
  }, 300_000);
});
