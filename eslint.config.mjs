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

/**
 * The layers (README "Layout"): each folder may import only the folders listed for it. cli/,
 * devstack/ and worker.ts assemble everything and are not restricted.
 */
const FOLDERS = [
  'api',
  'activities',
  'cli',
  'config',
  'core',
  'db',
  'devstack',
  'domain',
  'notifications',
  'shared',
  'temporal',
  'worker',
  'workflows',
];
const LAYERS = {
  shared: [],
  config: ['shared'],
  db: ['config', 'shared'],
  domain: ['core', 'db', 'shared'],
  notifications: ['core', 'shared'],
  activities: ['core', 'db', 'domain', 'notifications', 'shared'],
  temporal: ['config', 'core', 'domain', 'shared', 'workflows'],
  api: ['config', 'core', 'db', 'domain', 'notifications', 'shared', 'temporal'],
  worker: ['activities', 'temporal', 'workflows'],
};
const forbiddenFolders = (folder, allowed) =>
  FOLDERS.filter((f) => f !== folder && !allowed.includes(f)).map((f) => ({
    group: [`../${f}`, `../${f}/*`, `../../${f}`, `../../${f}/*`],
    message: `src/${folder}/ may import only ${allowed.length ? allowed.map((a) => `src/${a}/`).join(', ') : 'packages'} (the layers in README "Layout").`,
  }));
const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns: forbiddenFolders(folder, allowed) }] },
}));

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
  ...layerRules,
  {
    // Plain JavaScript (CI's tally, the test OpenID provider): no type information, Node's globals.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', Buffer: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The policy core is pure: no I/O, no Temporal, no packages; workflows and services both import it.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^(?!\./)`,
              message: 'src/core/ is the pure policy core: it imports only files beside it.',
            },
          ],
        },
      ],
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
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only (proxyActivities).',
            },
            {
              group: ['../*', '!../core', '!../core/*', '!../activities', '!../activities/*'],
              message:
                'Workflows import only the policy core (src/core/), their own messages and the SDK; never I/O or services.',
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
