import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type GeneratedFile, generateFiles, rewriteBlocks } from '../../scripts/lib/generated-blocks.js';
import { eventNamesOf, GOVERNED_EVENT_NAMES } from '../../shared/events/event-table.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('Scripts: generated blocks', () => {
  const files = generateFiles(ROOT);

  it.each(files.map((file) => [file.path, file] as [string, GeneratedFile]))(
    '%s is as `npm run generate` writes it from the tables',
    (_path, file) => {
      // Assess: on failure, run `npm run generate` and commit the result.
      expect(file.blocks.length).toBeGreaterThan(0);
      expect(file.committed).toBe(file.generated);
    },
  );

  it("filters serverless.yml's EventBridge rule on exactly the governed event names", () => {
    // Prepare
    // biome-ignore lint/suspicious/noExplicitAny: serverless.yml is read loosely; the assertion is the check.
    const config: any = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'));

    // Act
    const pattern = config.functions.enforce.events[0].eventBridge.pattern;

    // Assess
    expect(pattern.detail.eventName).toEqual(GOVERNED_EVENT_NAMES);
    expect(pattern.source).toEqual(['aws.ec2']);
    expect(pattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
  });

  it('rewrites a stale YAML list at its marker’s indentation, keeping the markers', () => {
    // Prepare
    const stale = [
      'detail:',
      '  eventName:',
      '    # generated:eventbridge-event-names (a note)',
      '    - CreateImage',
      '    # /generated',
      'after: 1',
      '',
    ].join('\n');

    // Act
    const { generated } = rewriteBlocks('serverless.yml', stale);

    // Assess
    expect(generated).toBe(
      [
        'detail:',
        '  eventName:',
        '    # generated:eventbridge-event-names (a note)',
        ...GOVERNED_EVENT_NAMES.map((name) => `    - ${name}`),
        '    # /generated',
        'after: 1',
        '',
      ].join('\n'),
    );
  });

  it('rewrites stale Markdown blocks inline', () => {
    // Prepare
    const stale =
      'Governs (<!-- generated:creation-events -->CreateImage<!-- /generated -->), ' +
      'that is <!-- generated:governed-events --><!-- /generated -->.';

    // Act
    const { generated, blocks } = rewriteBlocks('README.md', stale);

    // Assess
    expect(blocks).toEqual(['creation-events', 'governed-events']);
    expect(generated).toBe(
      `Governs (<!-- generated:creation-events -->${eventNamesOf('creation').join(', ')}<!-- /generated -->), ` +
        'that is <!-- generated:governed-events -->`CreateImage`, `CreateSnapshot`, `CreateSnapshots`, ' +
        '`CopyImage`, `CopySnapshot`, `RegisterImage`, `ModifyImageAttribute` and `ModifySnapshotAttribute`<!-- /generated -->.',
    );
  });

  it.each(['no-such-block', 'constructor'])('refuses a marker naming an unknown block (%s)', (name) => {
    // Act
    const act = () => rewriteBlocks('docs/x.md', `<!-- generated:${name} -->x<!-- /generated -->`);

    // Assess
    expect(act).toThrow(`docs/x.md: no generated block is called "${name}"`);
  });
});
