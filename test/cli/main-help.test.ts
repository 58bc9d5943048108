import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../shared/cli/main.js';

/** The command modules main() loaded in this file (each mock records its own import). */
const loaded = vi.hoisted(() => [] as string[]);

// Importing a command module is what `<command> --help` must not do: replay, prune, audit and
// release pull in the AWS SDK. Each stand-in records that it was imported.
vi.mock('../../shared/cli/validate-command.js', () => {
  loaded.push('validate');
  return { validateCommand: { run: async () => 0 } };
});
vi.mock('../../shared/cli/replay-command.js', () => {
  loaded.push('replay');
  return { replayCommand: { run: async () => 0 } };
});
vi.mock('../../shared/cli/prune-command.js', () => {
  loaded.push('prune');
  return { pruneCommand: { run: async () => 0 } };
});
vi.mock('../../shared/cli/audit-command.js', () => {
  loaded.push('audit');
  return { auditCommand: { run: async () => 0 } };
});
vi.mock('../../shared/cli/release-command.js', () => {
  loaded.push('release');
  return { releaseCommand: { run: async () => 0 } };
});

describe('CLI: <command> --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(['validate', 'replay', 'prune', 'audit', 'release'])(
    'prints the usage of %s without loading its module',
    async (name) => {
      let stdout = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
      });
      for (const flag of ['--help', '-h']) {
        expect(await main([name, flag])).toBe(0);
      }
      expect(stdout).toMatch(new RegExp(`^usage: clonewarden ${name} `));
      expect(loaded).toEqual([]);
    },
  );

  it('loads the module when the command runs (the stand-ins do record it)', async () => {
    expect(await main(['validate', 'some-policy.yml'])).toBe(0);
    expect(loaded).toEqual(['validate']);
  });
});
