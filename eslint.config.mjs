import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'http2',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      '.tools/',
      'coverage/',
      'test-artifacts/',
      '*.config.js',
      '*.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it must be deterministic and free of I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflows may not use Node built-ins.' })),
            ...['pg', 'nodemailer', 'express', 'pino'].map((name) => ({
              name,
              message: 'Workflows may not do I/O; call an activity instead.',
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'Workflows may not use Node built-ins.' },
            {
              group: ['**/activities', '**/activities/*', '**/db/*', '**/notifications/*', '**/api/*'],
              allowTypeImports: true,
              message:
                'Workflows import activities as types only (proxyActivities) and never touch I/O modules.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows may not read the process environment.' },
        { name: 'require', message: 'Workflows may not load modules dynamically.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'performance', property: 'now', message: 'Use the workflow clock (Date.now) only.' },
      ],
    },
  },
  {
    // A frozen generation must never change under running cases: it imports the SDK and the files it
    // owns beside it, nothing live (replaces the workflow rule above for these files).
    files: ['src/workflows/legacy/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Anything but the SDK or a './' path that stays in this folder.
              regex: String.raw`^(?!@temporalio/(?:workflow|common)$)(?!\./(?!.*\.\.)).*`,
              caseSensitive: true,
              message:
                'Frozen workflow code imports only @temporalio/workflow, @temporalio/common and files under src/workflows/legacy/; copy what it needs there.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Tests read JSON bodies and rows whose shape the assertions themselves check.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
