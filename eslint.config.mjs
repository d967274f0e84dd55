import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jest from 'eslint-plugin-jest';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '.tmp/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // @ts-ignore hides real type errors; @ts-expect-error at least fails when the error goes away.
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-nocheck': true, 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      // Gates, not reminders: a focused or skipped test never lands.
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*'] }],
    },
  },
  {
    // A polling loop that gives up after N tries lets the test carry on as if it had waited: use waitFor. The soak is a
    // program with its own deadlines and paced writers (test/soak/soak.ts), so it is left out.
    files: ['test/**/*.ts'],
    ignores: ['test/soak/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: ':matches(ForStatement, ForOfStatement, WhileStatement, DoWhileStatement) CallExpression[callee.name=/^(setTimeout|sleep|delay)$/]',
          message: 'Poll with waitFor() from test/support/wait-for.ts: it throws, naming what it waited for, when time runs out.',
        },
      ],
    },
  },
);
