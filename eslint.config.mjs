// Lint rules that guard the architecture: workflow code must stay deterministic,
// and no promise may be left floating anywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'dist/**', 'bin/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
            { name: 'axios', message: 'No I/O in workflows: call an activity.' },
            { name: 'mongodb', message: 'No I/O in workflows: call an activity.' },
            { name: '@aws-sdk/client-s3', message: 'No I/O in workflows: call an activity.' },
            { name: 'googleapis', message: 'No I/O in workflows: call an activity.' },
          ],
          patterns: [
            { group: ['../activities/*', '../activities/**'], allowTypeImports: true, message: 'Import activities as types only.' },
            { group: ['../store/*', '../providers/*', '../stack/*', '../clients/*'], message: 'Workflows import nothing but @temporalio/workflow and types.' },
          ],
        },
      ],
    },
  },
);
