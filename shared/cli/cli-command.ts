/** One `clonewarden` command: a table entry in `main.ts`, so that adding one is one line. */
export interface CliCommand {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Exit codes: 0 done (violations are not errors), 1 a record failed, 2 bad usage or policy. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
