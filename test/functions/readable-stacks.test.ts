import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapBundleStack, mapErrorStacks } from '../../functions/readable-stacks.js';

let dir: string;
let bundleUrl: string;

beforeAll(async () => {
  // Prepare: a minified bundle with a linked map, as serverless.yml's esbuild settings write it.
  dir = mkdtempSync(join(tmpdir(), 'clonewarden-stacks-'));
  writeFileSync(
    join(dir, 'explode.ts'),
    "export function explodeInTheSource(): never {\n  throw new Error('boom');\n}\n",
  );
  await build({
    entryPoints: [join(dir, 'explode.ts')],
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  bundleUrl = pathToFileURL(join(dir, 'explode.mjs')).href;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mapBundleStack', () => {
  it('rewrites bundle locations to the source file and line', () => {
    // Prepare: thrown in a plain node process (vitest would map the stack itself).
    const stack = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(bundleUrl)}); try { m.explodeInTheSource(); } catch (e) { console.log(e.stack); }`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    expect(stack).toMatch(/explode\.mjs:\d+:\d+/);

    // Act
    const mapped = mapBundleStack(stack);

    // Assess
    expect(mapped).toMatch(/explode\.ts:2:9\)/);
    expect(mapped).not.toMatch(/explode\.mjs:\d+:\d+/);
    expect(mapped.split('\n')[0]).toBe('Error: boom');
  });

  it('leaves locations without a map, and text that is no location, as they were', () => {
    // Prepare
    const stack = 'Error: x\n    at f (file:///nowhere/handler.mjs:1:5)\n    at node:internal/x:2:3';

    // Act
    const mapped = mapBundleStack(stack);

    // Assess
    expect(mapped).toBe(stack);
  });
});

describe('mapErrorStacks', () => {
  it('maps the error and its cause in place', () => {
    // Prepare
    const location = `${bundleUrl}:1:1`;
    const cause = new Error('inner');
    cause.stack = `Error: inner\n    at g (${location})`;
    const error = new Error('outer', { cause });
    error.stack = `Error: outer\n    at f (${location})`;

    // Act
    mapErrorStacks(error);

    // Assess
    expect(error.stack).toMatch(/at f \(.*explode\.ts:\d+:\d+\)/);
    expect(cause.stack).toMatch(/at g \(.*explode\.ts:\d+:\d+\)/);
  });
});
