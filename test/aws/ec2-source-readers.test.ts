import { describe, expect, it } from 'vitest';
import { missingSource, SOURCE_READERS } from '../../shared/aws/ec2-source-readers.js';
import type { SourceKind } from '../../shared/model/types.js';

const KINDS: SourceKind[] = ['instance', 'volume', 'image', 'snapshot'];

describe('Adapter: EC2 source readers', () => {
  it('has one reader per source kind', () => {
    // Assess
    expect(Object.keys(SOURCE_READERS).sort()).toEqual([...KINDS].sort());
  });

  it.each(KINDS)('describes a missing %s as not found, untagged, with every check unknown', (kind) => {
    // Act
    const fact = missingSource({ kind, id: 'x-0123456789abcdef0', region: 'eu-west-1' });

    // Assess
    expect(fact).toMatchObject({
      kind,
      id: 'x-0123456789abcdef0',
      region: 'eu-west-1',
      found: false,
      tags: {},
    });
    if (fact.kind === 'instance' || fact.kind === 'volume') expect(fact.statusChecks).toBe('unknown');
    if (fact.kind === 'image') expect(fact.deprecated).toBe(false);
  });
});
