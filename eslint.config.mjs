import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import boundaries between the sides of src/ (relative specifiers, from any depth). */
const EMULATOR_IMPORT = {
  regex: '(^|/)emulator(/|$)',
  message: 'src/ must never import from emulator/.',
};
const APP_IMPORT = {
  regex: '^(\\.\\./)+(src/)?app(/|$)',
  message: 'Only the Function App may import src/app/; move what both sides need to src/shared/.',
};
const WORKER_IMPORT = {
  regex: '^(\\.\\./)+(src/)?worker(/|$)',
  message: 'src/shared/ must not import the worker; move what both sides need to src/shared/.',
};

const NODE_IMPORT = {
  regex: '^node:',
  message: 'src/web/ runs in browsers: no Node.js modules.',
};
const WEB_IMPORT = {
  regex: '^(\\.\\./)+(src/)?web(/|$)',
  message: 'Only the browser bundle may import src/web/.',
};

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
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [EMULATOR_IMPORT] }] },
  },
  {
    // The worker ships alone in its image: it may use src/shared/ but nothing of the Function App.
    files: ['src/worker/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [EMULATOR_IMPORT, APP_IMPORT] }] },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [EMULATOR_IMPORT, APP_IMPORT, WORKER_IMPORT, WEB_IMPORT] },
      ],
    },
  },
  {
    // The web library is bundled for browsers: it may use src/shared/ (and npm packages), nothing else.
    files: ['src/web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [EMULATOR_IMPORT, APP_IMPORT, WORKER_IMPORT, NODE_IMPORT] },
      ],
    },
  },
);
