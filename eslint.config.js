// Layer rules from the style guide (§2): shared/ imports only shared/; only src-main/electron/
// may import electron; the renderer never imports src-main/.
import tseslint from 'typescript-eslint';

// Exact module names (paths) for Node built-ins: a gitignore-style pattern like 'events' would also
// match our own './events'.
const nodeBuiltinNames = ['fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'url', 'events', 'stream', 'crypto', 'util', 'zlib', 'worker_threads'];
const builtinPaths = (message) => nodeBuiltinNames.map((name) => ({ name, message }));

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
        paths: [
          ...builtinPaths('shared/ is pure: no Node, DOM or Electron APIs.'),
          ...['electron', 'react', 'react-dom', 'systeminformation', 'prom-client', '@huggingface/gguf'].map((name) => ({ name, message: 'shared/ is pure: no Node, DOM or Electron APIs.' })),
        ],
        patterns: [
          { group: ['**/src-main/**', '**/src-renderer/**', '**/e2e/**', '**/bench/**'], message: 'shared/ imports nothing outside shared/.' },
          { group: ['node:*', 'electron/*'], message: 'shared/ is pure: no Node, DOM or Electron APIs.' },
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
    // Style guide §4: IPC objects only in the IPC wiring (ipc.ts) and the preload.
    files: ['src-main/electron/**/*.ts'],
    ignores: ['src-main/electron/ipc.ts', 'src-main/electron/preload.ts', 'src-main/electron/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: 'Only electron/ipc.ts and electron/preload.ts touch IPC.' }],
      }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    ignores: ['src-renderer/vite.config.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...builtinPaths('The renderer runs in a browser sandbox.'), { name: 'electron', message: 'The renderer runs in a browser sandbox.' }],
        patterns: [
          { group: ['**/src-main/**'], message: 'The renderer talks to the core only through the contract.' },
          { group: ['node:*', 'electron/*'], message: 'The renderer runs in a browser sandbox.' },
        ],
      }],
    },
  },
);
