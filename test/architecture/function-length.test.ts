import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Functions in shared/ fit a screen: at most 60 lines from the line of the declaration to the
 * line of its closing brace (a doc comment above it does not count). Every function, method,
 * constructor, arrow function and accessor is measured, nested ones included, with the
 * TypeScript compiler's own parser so that strings, comments and template literals cannot fool
 * the count. One test per folder of shared/, so that a failure says where to look.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = join(ROOT, 'shared');
const MAX_LINES = 60;

interface FunctionLength {
  /** `shared/x/y.ts:line`, the line of the declaration. */
  where: string;
  name: string;
  lines: number;
}

function isMeasured(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** A readable name: the function's own, else what it is assigned to or passed to. */
function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (
    ts.isVariableDeclaration(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent)
  ) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(source).slice(0, 40)})`;
  return '(anonymous)';
}

/** Every function-like node of one file with its length in lines. */
function functionLengths(path: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node) => {
    if (isMeasured(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({
        where: `${relative(ROOT, path)}:${first + 1}`,
        name: nameOf(node, source),
        lines: last - first + 1,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function tooLong(files: readonly string[]): string[] {
  return files
    .flatMap((file) => functionLengths(file, readFileSync(file, 'utf8')))
    .filter((fn) => fn.lines > MAX_LINES)
    .map((fn) => `${fn.where} ${fn.name}: ${fn.lines} lines`);
}

/** The .ts files of shared/ by top-level folder (`.` for files directly in shared/). */
const filesByFolder = new Map<string, string[]>();
for (const file of typeScriptFiles(SHARED)) {
  const [first, ...rest] = relative(SHARED, file).split(sep);
  const folder = rest.length > 0 ? first! : '.';
  filesByFolder.set(folder, [...(filesByFolder.get(folder) ?? []), file]);
}
const folders = [...filesByFolder.keys()].sort();

describe('Architecture: function length', () => {
  it('measures from the declaration line to the closing brace, nested and anonymous functions included', () => {
    // Prepare
    const body = Array.from({ length: 59 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      '/** Doc lines above do not count. */',
      `export function sixtyOne() {\n${body}\n}`,
      'class Box {',
      '  get size() {',
      '    return [1].map((n) => {',
      '      return n;',
      '    });',
      '  }',
      '}',
    ].join('\n');

    // Act
    const lengths = functionLengths(join(SHARED, 'sample.ts'), text);

    // Assess
    expect(lengths).toEqual([
      { where: 'shared/sample.ts:2', name: 'sixtyOne', lines: 61 },
      { where: 'shared/sample.ts:64', name: 'size', lines: 5 },
      { where: 'shared/sample.ts:65', name: '(callback of [1].map)', lines: 3 },
    ]);
  });

  it.each(folders)(`shared/%s has no function longer than ${MAX_LINES} lines`, (folder) => {
    // Act
    const offenders = tooLong(filesByFolder.get(folder)!);

    // Assess
    expect(offenders, offenders.join('\n')).toEqual([]);
  });
});
