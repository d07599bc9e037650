// Lint rules: the recommended sets, plus the boundaries DESIGN.md draws
// (database drivers only in src/store; no Koa or oclif in src/domain).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', '.cache/**', 'crashlog-data/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_'}],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off'},
  },
  {
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', {paths: [
        {name: 'mongodb', message: 'database drivers belong in src/store'},
        {name: 'better-sqlite3', message: 'database drivers belong in src/store'},
      ]}],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {paths: [
        {name: 'koa', message: 'src/domain must not depend on HTTP'},
        {name: '@koa/router', message: 'src/domain must not depend on HTTP'},
        {name: '@oclif/core', message: 'src/domain must not depend on the CLI'},
        {name: 'mongodb', message: 'database drivers belong in src/store'},
        {name: 'better-sqlite3', message: 'database drivers belong in src/store'},
      ]}],
    },
  },
)
