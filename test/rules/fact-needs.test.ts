import { describe, expect, it } from 'vitest';
import { factNeedsOf } from '../../shared/rules/fact-needs.js';

describe('Rules: factNeedsOf', () => {
  it('asks for nothing extra when no rule needs it', () => {
    // Act
    const needs = factNeedsOf([{ type: 'required-tags' }, { type: 'max-generation' }]);

    // Assess
    expect(needs).toEqual({ diskEncryption: false, kmsKeyManager: false, kmsAliases: [] });
  });

  it('merges what the encryption rules ask for, each alias once', () => {
    // Prepare
    const rules = [
      { type: 'required-encryption', customerManaged: false, kmsKeys: ['alias/a'] },
      { type: 'required-encryption', customerManaged: true, kmsKeys: ['alias/a', 'alias/b'] },
    ];

    // Act
    const needs = factNeedsOf(rules);

    // Assess
    expect(needs).toEqual({ diskEncryption: true, kmsKeyManager: true, kmsAliases: ['alias/a', 'alias/b'] });
  });
});
