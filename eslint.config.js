// Layer rules from the style guide (§2): shared/ imports only shared/; only src-main/electron/
// may import electron; the renderer never imports src-main/.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'url', 'events', 'stream', 'crypto', 'util'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/.artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../../src-main/*', '../../src-renderer/*', '**/src-main/**', '**/src-renderer/**'], message: 'shared/ imports nothing outside shared/.' },
          { group: [...nodeBuiltins, 'electron', 'react', 'react-dom', 'systeminformation', 'prom-client'], message: 'shared/ is pure: no Node, DOM or Electron APIs.' },
        ],
      }],
      'no-console': 'error',
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'Only src-main/electron/ may import electron.' },
          { group: ['**/src-renderer/**', '../../src-renderer/*'], message: 'src-main/ never imports the renderer.' },
        ],
      }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/src-main/**', '../src-main/*', '../../src-main/*'], message: 'The renderer talks to the core only through the contract.' },
          { group: [...nodeBuiltins, 'electron'], message: 'The renderer runs in a browser sandbox.' },
        ],
      }],
    },
  },
);
