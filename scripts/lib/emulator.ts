import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'emulator.sh');

export interface RunningEmulator {
  endpoint: string;
  /** Where the script keeps this server's pid, endpoint and log. */
  stateDir: string;
  stop(): Promise<void>;
}

/**
 * Starts a private moto server through `scripts/emulator.sh` (which installs the pinned
 * virtualenv on first use) and points this process's SDK clients at it. Each caller gets its
 * own server and state directory, so the demo, tests and benchmarks never share state.
 */
export async function startEmulator(label: string): Promise<RunningEmulator> {
  await installEmulatorTools();
  const stateDir = mkdtempSync(join(tmpdir(), `clonewarden-${label}-`));
  const env = { ...process.env, EMULATOR_STATE_DIR: stateDir };
  const { stdout } = await run('bash', [SCRIPT, 'start'], { env, maxBuffer: 1 << 20 }).catch(
    (error: { stderr?: string }) => {
      throw new Error(`could not start the local AWS emulator:\n${error.stderr ?? error}`);
    },
  );
  const endpoint = stdout.trim().split('\n').at(-1)!;
  return {
    endpoint,
    stateDir,
    async stop() {
      await run('bash', [SCRIPT, 'stop'], { env });
    },
  };
}

/**
 * Creates .venv with moto and cfn-lint when missing (a no-op, silent, when present). Its output
 * goes straight to this process's terminal, not into a buffer: a first run takes about a
 * minute, and the script's step lines and pip's progress say what is happening meanwhile.
 */
async function installEmulatorTools(): Promise<void> {
  const code = await new Promise<number | null>((resolveExit, reject) => {
    spawn('bash', [SCRIPT, 'install'], { stdio: ['ignore', 'inherit', 'inherit'] })
      .on('error', reject)
      .on('exit', resolveExit);
  });
  if (code !== 0) throw new Error('could not install the local AWS emulator (the reason is printed above)');
}

/** Points every SDK client created after this call at the emulator, with throwaway credentials. */
export function useEmulator(endpoint: string, region = 'us-east-1'): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION = region;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

/** moto's default account. */
export const EMULATOR_ACCOUNT = '123456789012';
