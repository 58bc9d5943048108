/**
 * `npm run generate`: rewrites the lists that other files take from clonewarden's tables (the
 * EventBridge rule's event names in serverless.yml, the governed events in the docs), so that
 * they are never written twice. `--check` writes nothing and fails when a file is stale.
 *
 * @example
 * node --import tsx scripts/generate-from-tables.ts           # write
 * node --import tsx scripts/generate-from-tables.ts --check   # exit 1 when a file differs
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateFiles } from './lib/generated-blocks.js';

const ROOT = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');

const stale = generateFiles(ROOT).filter((file) => file.generated !== file.committed);
for (const file of stale) {
  if (!check) writeFileSync(join(ROOT, file.path), file.generated);
  console.log(`${check ? 'stale' : 'wrote'}: ${file.path}`);
}
if (stale.length === 0) console.log('all generated blocks are up to date');
if (check && stale.length > 0) {
  console.error('run `npm run generate` and commit the result');
  process.exitCode = 1;
}
