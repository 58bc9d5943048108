import { execFile } from 'node:child_process';
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
