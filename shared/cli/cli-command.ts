/** One `clonewarden` command, loaded on demand from its table entry in `main.ts` (its usage text is in command-usage.ts). */
export interface CliCommand {
  run(args: string[]): Promise<number>;
}

/** Exit codes: 0 done (violations and findings are not errors), 1 part of the run failed, 2 bad usage or policy. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
