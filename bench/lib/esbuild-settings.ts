import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * esbuild options read from serverless.yml's `custom.esbuild`, so that benchmark bundles are
 * built exactly like the deployed ones. Build with `outdir`, not `outfile`: the deployed bundles
 * are split into chunks.
 */
export function deployedEsbuildOptions(): BuildOptions {
  const config = parse(readFileSync(resolve(ROOT, 'serverless.yml'), 'utf8')).custom.esbuild;
  return {
    bundle: true,
    minify: config.minify,
    sourcemap: config.sourcemap,
    splitting: config.splitting,
    chunkNames: config.chunkNames,
    target: config.target,
    platform: config.platform,
    format: config.format,
    mainFields: config.mainFields,
    banner: config.banner,
    outExtension: { '.js': config.outputFileExtension },
    logLevel: 'error',
  };
}
