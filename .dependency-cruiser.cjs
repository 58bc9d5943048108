/**
 * The layer order of shared/ (docs/architecture.md): a folder may import its own layer and the
 * layers below it, never one above. `npm test` runs this check; it fails on any broken layer or
 * import circle, type-only imports included.
 */
const LAYERS = [
  ['model'],
  ['settings'],
  ['events'],
  ['aws'],
  ['rules'],
  ['policy'],
  ['engine'],
  ['actions'],
  ['pipeline'],
  ['prune', 'release', 'audit'],
  ['cli'],
];

const folderPattern = (folders) => `^shared/(${folders.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, index) => {
  const higher = LAYERS.slice(index + 1).flat();
  const rules = [];
  if (higher.length > 0) {
    rules.push({
      name: `no-upward-import-from-${layer.join('-')}`,
      comment: `shared/${layer.join(', shared/')} may not import from a higher layer (${higher.join(', ')})`,
      severity: 'error',
      from: { path: folderPattern(layer) },
      to: { path: folderPattern(higher) },
    });
  }
  if (layer.length > 1) {
    // Features at the same level stand side by side: none leans on another.
    for (const folder of layer) {
      rules.push({
        name: `no-sideways-import-from-${folder}`,
        comment: `shared/${folder} may not import another feature of its level`,
        severity: 'error',
        from: { path: folderPattern([folder]) },
        to: { path: folderPattern(layer.filter((other) => other !== folder)) },
      });
    }
  }
  return rules;
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'no import circles, type-only ones included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-stays-below-its-callers',
      comment: 'the core never imports a handler, a script, a benchmark or a test',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(functions|scripts|bench|test|bin)/' },
    },
    {
      name: 'only-known-shared-folders',
      comment: 'every folder of shared/ has a place in the layer order',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^shared/', pathNot: folderPattern(LAYERS.flat()) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.venv|\\.serverless|\\.esbuild|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    moduleSystems: ['es6'],
  },
};
