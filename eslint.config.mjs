// ESLint runs one check here: the layer allow-list (scripts/lint-layers.mjs, docs/architecture.md "Layers").
// Formatting is prettier's job (npm run format:check); type errors are tsc's (npm run typecheck).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { layerConfigs } from './scripts/lint-layers.mjs';

const root = path.dirname(fileURLToPath(import.meta.url));

export default [
  { ignores: ['dist/', 'release/', 'test-results/', 'bench/results/', '.or-hub-data/', '.scratch/'] },
  // the tree carries disable comments for rules this config does not turn on
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  ...layerConfigs(root),
];
