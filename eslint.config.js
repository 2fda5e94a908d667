// Lint rules that guard the design: no floating promises, type-only imports where only types are
// used, no import cycles, and the workflow sandbox rule (workflow code and the model bundled with
// it import no Node built-ins and nothing that does I/O).
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');
const prettier = require('eslint-config-prettier');

const builtins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// Every folder of src/ but workflows/ and model/: relative paths, so that packages such as
// @temporalio/common do not match.
const ioFolders = ['activities', 'worker', 'client', 'cli', 'common', 'atlassian', 'sites', 'storage', 'pipeline', 'temporal', 'secrets'];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { 'import-x': importX.default ?? importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/dev/**', '**/dev'], message: 'src/ never imports dev/.' }] },
      ],
    },
  },
  // Later blocks replace the rule's options for their files: this one keeps the dev/ ban too.
  {
    files: ['src/workflows/**/*.ts', 'src/model/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtins.map((name) => ({ name, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.' })),
          patterns: [
            {
              group: ioFolders.flatMap((folder) => [`../${folder}`, `../${folder}/**`]).concat(['**/dev/**']),
              allowTypeImports: true,
              message: 'Workflow code may import activities, worker, client and I/O modules as types only.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
