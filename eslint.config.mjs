import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import boundaries between the sides of src/ (relative specifiers, from any depth). */
const EMULATOR_IMPORT = { regex: '(^|/)emulator(/|$)', message: 'src/ must never import from emulator/.' };
/** Relative imports of one side of src/ (`app`, `worker`, `web`) from any depth. */
const sideImport = (side, message) => ({ regex: `^(\\.\\./)+(src/)?${side}(/|$)`, message });
const APP_IMPORT = sideImport(
  'app',
  'Only the Function App may import src/app/; move what both sides need to src/shared/.',
);
const WORKER_IMPORT = sideImport(
  'worker',
  'src/shared/ must not import the worker; move what both sides need to src/shared/.',
);
const WEB_IMPORT = sideImport('web', 'Only the browser bundle may import src/web/.');
const NODE_IMPORT = { regex: '^node:', message: 'src/web/ runs in browsers: no Node.js modules.' };

/** `files` may import nothing that matches one of `patterns`. */
const barImports = (files, ...patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.mediaferry/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  barImports(['src/**/*.ts'], EMULATOR_IMPORT),
  // The worker ships alone in its image: it may use src/shared/ but nothing of the Function App.
  barImports(['src/worker/**/*.ts'], EMULATOR_IMPORT, APP_IMPORT),
  barImports(['src/shared/**/*.ts'], EMULATOR_IMPORT, APP_IMPORT, WORKER_IMPORT, WEB_IMPORT),
  // The web library is bundled for browsers: it may use src/shared/ (and npm packages), nothing else.
  barImports(['src/web/**/*.ts'], EMULATOR_IMPORT, APP_IMPORT, WORKER_IMPORT, NODE_IMPORT),
);
