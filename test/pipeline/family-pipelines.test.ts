import { describe, expect, it } from 'vitest';
import { enforceCreation } from '../../shared/pipeline/families/creation.js';
import { enforceRestoring } from '../../shared/pipeline/families/restoring.js';
import { enforceSharing } from '../../shared/pipeline/families/sharing.js';
import { enforceStateChange } from '../../shared/pipeline/families/state-change.js';
import { enforceTampering } from '../../shared/pipeline/families/tampering.js';
import { FAMILY_PIPELINES } from '../../shared/pipeline/family-pipelines.js';

describe('FAMILY_PIPELINES', () => {
  it('loads each family its own pipeline, the lazily loaded ones included', async () => {
    expect(await FAMILY_PIPELINES.creation()).toBe(enforceCreation);
    expect(await FAMILY_PIPELINES.sharing()).toBe(enforceSharing);
    expect(await FAMILY_PIPELINES.restoring()).toBe(enforceRestoring);
    expect(await FAMILY_PIPELINES['state-change']()).toBe(enforceStateChange);
    expect(await FAMILY_PIPELINES.tampering()).toBe(enforceTampering);
  });
});
