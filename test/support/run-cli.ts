import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { main } from '../../shared/cli/main.js';

/** The output of one in-process `clonewarden` run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's non-empty lines (one JSON object each with `--json`). */
  lines: string[];
}

/** Runs the CLI in-process, as `npx clonewarden …` would, and captures what it prints. */
export async function runCli(args: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: unknown) => {
    into.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
  vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
  try {
    const code = await main(args);
    const out = stdout.join('');
    return { code, stdout: out, stderr: stderr.join(''), lines: out.split('\n').filter(Boolean) };
  } finally {
    vi.restoreAllMocks();
  }
}

/** A Lambda context with a fixed remaining time, for calling handlers directly. */
export function lambdaContext(remainingMs = 60_000, functionName = 'clonewarden-test-enforce'): Context {
  return {
    functionName,
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}
