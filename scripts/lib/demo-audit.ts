import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../shared/cli/main.js';

/**
 * The demo's last scene: `clonewarden audit` over the demo estate, as a user would run it,
 * writing the self-contained HTML report (family trees, findings, spend) and printing its path.
 */
export async function showAuditReport(region: string): Promise<void> {
  console.log('\n== The estate at a glance: clonewarden audit ==');
  const out = join(mkdtempSync(join(tmpdir(), 'clonewarden-demo-')), 'audit.html');
  const code = await main(['audit', '--format', 'html', '--out', out, '--region', region]);
  if (code !== 0) throw new Error(`clonewarden audit exited ${code}`);
  console.log(`\nOpen the report in a browser (it works offline, from disk): ${out}`);
}
