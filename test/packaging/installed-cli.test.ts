import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledCli, installPackedCli } from '../../scripts/lib/install-packed-cli.js';
import { envWithNode, type NodeBinary, nodeBinaries } from '../../scripts/lib/node-binaries.js';

const ROOT = resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const POLICY_DIR = join(ROOT, 'test/fixtures/policy');
const EVENT_DIR = join(ROOT, 'test/fixtures/events');
const NODES = nodeBinaries();

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
}

/** Every source file an output loads before any `import()`: what running that output costs. */
function staticInputs(metafile: Metafile, output: string): string[] {
  const seen = new Set<string>();
  const pending = [output];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { path, kind } of metafile.outputs[file]?.imports ?? []) {
      if (kind === 'import-statement' && metafile.outputs[path]) pending.push(path);
    }
  }
  return [...seen].flatMap((file) => Object.keys(metafile.outputs[file]?.inputs ?? {}));
}

describe('the CLI as `npm pack` + `npm install -g` of the tarball in an empty folder delivers it', () => {
  let cli: InstalledCli;

  beforeAll(() => {
    cli = installPackedCli('installed-cli-test');
    // The bare defaults a user meets in a folder of their own.
    copyFileSync(join(ROOT, 'clonewarden.yml'), join(cli.workDir, 'clonewarden.yml'));
  });

  afterAll(() => cli?.remove());

  it('packs the bundle, the bin, the README, the LICENSE, the CHANGELOG and package.json, and nothing else', () => {
    const unexpected = cli.packedFiles.filter(
      (path) =>
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/clonewarden.js'].includes(path) &&
        !/^dist\/cli\/(chunks\/)?[\w-]+\.js(\.map)?$/.test(path),
    );
    expect(unexpected).toEqual([]);
    expect(cli.packedFiles).toContain('dist/cli/main.js');
    expect(cli.packedFiles).toContain('LICENSE');
    expect(cli.packedFiles).toContain('CHANGELOG.md');
  });

  // A library the CLI or the functions run belongs in devDependencies: esbuild bundles it (here
  // and in serverless-esbuild), so a global install would download it and never load it.
  it('installs nothing but itself: its package.json declares no dependency (the bundle carries them)', () => {
    const installed = JSON.parse(readFileSync(join(cli.packageDir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(installed).toMatchObject({
      name: 'clonewarden',
      version,
      bin: { clonewarden: 'bin/clonewarden.js' },
    });
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) {
      expect(installed).not.toHaveProperty(field);
    }
    expect(existsSync(join(cli.packageDir, 'node_modules'))).toBe(false);
  });

  it('loads no AWS SDK module for --help, --version or validate (the SDK is in lazy chunks)', () => {
    const metafile = JSON.parse(
      readFileSync(join(cli.sourceDir, 'dist/cli-metafile.json'), 'utf8'),
    ) as Metafile;
    const validateChunk = Object.keys(metafile.outputs).find((file) =>
      /chunks\/validate-command-\w+\.js$/.test(file),
    );
    expect(validateChunk).toBeDefined();
    for (const output of ['dist/cli/main.js', validateChunk!]) {
      expect(staticInputs(metafile, output).filter((input) => /@aws-sdk|@smithy/.test(input))).toEqual([]);
    }
  });

  it('found the Node versions to check: the pinned Node 22, and the system Node where it differs', () => {
    expect(NODES.map((node) => node.version)).toContainEqual(expect.stringMatching(/^v22\./));
    expect(NODES.map((node) => node.label)).toContain('pinned');
  });

  describe.each(NODES.map((node) => [`${node.label} node ${node.version}`, node] as const))(
    'on the %s',
    (_, node: NodeBinary) => {
      /** Runs the installed `clonewarden` link with `node` first on PATH, as a user's shell would. */
      const clonewarden = (...args: string[]) => {
        const run = spawnSync(cli.bin, args, {
          cwd: cli.workDir,
          env: envWithNode(node, {
            // Anything that did reach for AWS would find nothing listening here.
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          }),
          encoding: 'utf8',
        });
        return { code: run.status, stdout: run.stdout, stderr: run.stderr };
      };

      it('is the Node the shebang finds', () => {
        const found = execFileSync('node', ['--version'], { env: envWithNode(node), encoding: 'utf8' });
        expect(found.trim()).toBe(node.version);
      });

      it('--version prints the package version', () => {
        expect(clonewarden('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
      });

      it('-h and --help print the usage and exit 0; a command --help prints its own', () => {
        for (const flag of ['-h', '--help']) {
          const { code, stdout } = clonewarden(flag);
          expect(code).toBe(0);
          expect(stdout).toContain('usage: clonewarden <command> [options]');
        }
        const { code, stdout } = clonewarden('validate', '--help');
        expect(code).toBe(0);
        expect(stdout).toMatch(/^usage: clonewarden validate/);
      });

      it('validate exits 0 on ./clonewarden.yml and on a named valid policy', () => {
        const byDefault = clonewarden('validate');
        expect(byDefault.code).toBe(0);
        expect(byDefault.stdout).toMatch(/^\.\/clonewarden\.yml: valid — \d+ rule\(s\)/);
        expect(clonewarden('validate', join(POLICY_DIR, 'full.yml')).code).toBe(0);
      });

      it('validate exits 2 on an invalid policy, each problem on stderr with its line', () => {
        const { code, stdout, stderr } = clonewarden('validate', join(POLICY_DIR, 'invalid-many.yml'));
        expect(code).toBe(2);
        expect(stdout).toBe('');
        expect(stderr).toContain('  rules[1].max: expected a positive integer (line 19)');
      });

      it('replay loads its AWS SDK chunk and processes a record offline', () => {
        // A failed CloudTrail call is skipped before any AWS request is made.
        const record = JSON.parse(readFileSync(join(EVENT_DIR, 'create-image-assumed-role.json'), 'utf8'));
        const file = join(cli.workDir, `failed-call-${node.version}.json`);
        writeFileSync(file, JSON.stringify({ ...record, errorCode: 'Client.UnauthorizedOperation' }));
        const { code, stdout } = clonewarden('replay', '--json', file);
        expect(code).toBe(0);
        expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ status: 'skipped' });
      });

      it('names an unknown command and exits 2', () => {
        const { code, stderr } = clonewarden('frobnicate');
        expect(code).toBe(2);
        expect(stderr).toContain('unknown command "frobnicate"');
      });
    },
  );
});
