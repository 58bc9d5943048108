import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventNamesOf, GOVERNED_EVENT_NAMES, governedDetailTypes } from '../../shared/events/event-table.js';

/**
 * Text that is written from a table rather than by hand: each block is named by its markers in
 * the file, and `npm run generate` rewrites what lies between them. In YAML, whole lines:
 *
 *     # generated:NAME (any note)
 *     …
 *     # /generated
 *
 * In Markdown, inline, so that a block can sit in a sentence or a table cell:
 * `<!-- generated:NAME -->…<!-- /generated -->`.
 */
interface Block {
  /** What the block holds, given the indentation of its YAML marker ('' in Markdown). */
  render(indent: string): string;
}

/** The blocks by name: one renderer per list a file takes from a table. */
const BLOCKS: Readonly<Record<string, Block>> = {
  /** The EventBridge rules' `eventName` filter (hub and member templates): every governed CloudTrail event. */
  'eventbridge-event-names': {
    render: (indent) => GOVERNED_EVENT_NAMES.map((name) => `${indent}- ${name}\n`).join(''),
  },
  /**
   * The rule's other branches: each EventBridge `detail-type` EC2 sends itself that a family
   * governs, filtered on the states it acts on (`EC2 AMI State Change`: available, failed).
   */
  'eventbridge-detail-types': {
    render: (indent) =>
      governedDetailTypes()
        .map(
          ({ detailType, states }) =>
            `${indent}- detail-type: [${detailType}]\n${indent}  detail:\n${indent}    State: [${states.join(', ')}]\n`,
        )
        .join(''),
  },
  /** The calls that create clones, for prose: `CreateImage, CreateSnapshot, …`. */
  'creation-events': { render: () => eventNamesOf('creation').join(', ') },
  /** Every governed event, as code in a sentence: `` `CreateImage`, … and `RegisterImage` ``. */
  'governed-events': { render: () => inSentence(GOVERNED_EVENT_NAMES.map((name) => `\`${name}\``)) },
  /** The calls that create clones, as code in a sentence (the events `allowed-principals` takes). */
  'creation-events-in-sentence': {
    render: () => inSentence(eventNamesOf('creation').map((name) => `\`${name}\``)),
  },
};

/** The files that hold generated blocks, relative to the repository root. */
export const FILES_WITH_GENERATED_BLOCKS = [
  'serverless.yml',
  'member/clonewarden-member.yml',
  'README.md',
  'docs/deploy.md',
  'docs/policy.md',
] as const;

const YAML_BLOCK = /^([ \t]*)(# generated:([\w-]+)[^\n]*\n)[\s\S]*?^([ \t]*# \/generated)$/gm;
const MARKDOWN_BLOCK = /<!-- generated:([\w-]+) -->([\s\S]*?)<!-- \/generated -->/g;

/** One file as committed and as `npm run generate` would write it. */
export interface GeneratedFile {
  readonly path: string;
  readonly committed: string;
  readonly generated: string;
  /** The names of the blocks found in it, in order. */
  readonly blocks: readonly string[];
}

/**
 * Every file with generated blocks, read from `root`, with its blocks rewritten.
 * @throws {Error} for a marker that names no known block.
 */
export function generateFiles(root: string): GeneratedFile[] {
  return FILES_WITH_GENERATED_BLOCKS.map((path) => {
    const committed = readFileSync(join(root, path), 'utf8');
    return { path, committed, ...rewriteBlocks(path, committed) };
  });
}

/**
 * `text` with every block between markers rewritten; YAML markers for `.yml`/`.yaml`, Markdown ones
 * otherwise.
 * @throws {Error} for a marker that names no known block.
 */
export function rewriteBlocks(path: string, text: string): { generated: string; blocks: string[] } {
  const blocks: string[] = [];
  const render = (name: string, indent: string): string => {
    const block = BLOCKS[name];
    if (!block || !Object.hasOwn(BLOCKS, name)) {
      throw new Error(`${path}: no generated block is called ${JSON.stringify(name)}`);
    }
    blocks.push(name);
    return block.render(indent);
  };
  const generated = /\.ya?ml$/.test(path)
    ? text.replace(
        YAML_BLOCK,
        (_whole, indent: string, begin: string, name: string, end: string) =>
          `${indent}${begin}${render(name, indent)}${end}`,
      )
    : text.replace(
        MARKDOWN_BLOCK,
        (_whole, name: string) => `<!-- generated:${name} -->${render(name, '')}<!-- /generated -->`,
      );
  return { generated, blocks };
}

/** `a`, `a and b`, `a, b and c`. */
function inSentence(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
