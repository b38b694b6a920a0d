import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import { builtinModules } from 'node:module'

/**
 * Node's built-in modules, bare (`fs`) and with a subpath or the `node:` prefix (`fs/promises`,
 * `node:fs`): exact names, so a local `./path.ts` is not mistaken for one.
 */
function noNodeBuiltins(message) {
  const bare = builtinModules.filter((m) => !m.startsWith('_'))
  return {
    paths: bare.map((name) => ({ name, message })),
    patterns: [
      { group: ['node:*', ...bare.filter((m) => !m.includes('/')).map((m) => `${m}/*`)], message },
    ],
  }
}

/** One `no-restricted-imports` setting from several parts (a later block replaces, not adds). */
function restrictImports(...parts) {
  return [
    'error',
    {
      paths: parts.flatMap((p) => p.paths ?? []),
      patterns: parts.flatMap((p) => p.patterns ?? []),
    },
  ]
}

function noElectron(message) {
  return { paths: [{ name: 'electron', message }], patterns: [{ group: ['electron/*'], message }] }
}

/** The raw IPC objects; only the shell's IPC wiring and the preload may hold them. */
const IPC_OBJECTS = ['ipcMain', 'ipcRenderer', 'contextBridge']
const IPC_FILES = ['electron/main/index.ts', 'electron/main/ipc.ts', 'electron/preload/**']
const ipcMessage =
  'Raw IPC stays in electron/main/ipc.ts (wired up in electron/main/index.ts) and electron/preload.'

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-artifacts/**',
      'bench/results/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, sourceType: 'module' },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Everywhere else (the rest of the shell, tests, benches, scripts): no raw IPC. Blocks below
    // forbid Electron as a whole where it has no business at all.
    files: ['**/*.ts', '**/*.vue', '**/*.js', '**/*.mjs', '**/*.cjs'],
    ignores: IPC_FILES,
    rules: {
      'no-restricted-imports': restrictImports({
        paths: [{ name: 'electron', importNames: IPC_OBJECTS, message: ipcMessage }],
      }),
      'no-restricted-syntax': [
        'error',
        {
          // A default import would reach them as `electron.ipcMain`, unseen by the rule above.
          selector: "ImportDeclaration[source.value='electron'] > ImportDefaultSpecifier",
          message: `Import Electron's members by name. ${ipcMessage}`,
        },
      ],
    },
  },
  {
    // Only the thin shell may import Electron; the kiosk core is plain Node.
    files: ['electron/core/**/*.ts', 'relay/**/*.ts', 'sandbox/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(
        noElectron('Only electron/main and electron/preload import Electron.'),
      ),
    },
  },
  {
    // The renderer talks to the main process only through window.kiosk; it never
    // reaches Node, Electron or the privileged WeChat code.
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': restrictImports(
        noNodeBuiltins('The renderer has no Node access.'),
        noElectron('Use window.kiosk.'),
        {
          patterns: [
            {
              group: [
                '**/shared/wechat/**',
                '**/shared/server/**',
                '**/electron/**',
                '**/relay/**',
                '**/sandbox/**',
              ],
              message: 'Privileged code stays in the main process.',
            },
          ],
        },
      ),
    },
  },
  {
    // The organizer's console is a browser page served by the relay: it reaches the relay only
    // through its HTTP API (console/src/api), never Node, Electron, the kiosk's renderer or
    // the relay's code.
    files: ['console/src/**/*.ts', 'console/src/**/*.vue'],
    rules: {
      'no-restricted-imports': restrictImports(
        noNodeBuiltins('The console runs in a browser.'),
        noElectron('The console runs in a browser.'),
        {
          patterns: [
            {
              group: [
                '**/shared/wechat/**',
                '**/electron/**',
                '**/relay/**',
                '**/sandbox/**',
                '**/renderer/**',
              ],
              message:
                'The console shares code with the kiosk only through shared/*.ts and shared/ui.',
            },
          ],
        },
      ),
    },
  },
  {
    // Top-level shared/ modules are what the renderer and the console import (domain, errors, ipc, url-rule and
    // relay-protocol through them): no Node, DOM or Electron.
    files: ['shared/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(
        noNodeBuiltins('shared/*.ts runs in the renderer too.'),
        noElectron('shared/*.ts runs in the renderer too.'),
        {
          patterns: [
            { group: ['./wechat/**'], message: 'shared/wechat is Node-only.' },
            { group: ['./server/**'], message: 'shared/server is Node-only.' },
          ],
        },
      ),
    },
  },
  {
    // Vue controls both browser apps use (the kiosk's admin area, the organizer's console):
    // browser code, which reaches only the other shared/*.ts modules.
    files: ['shared/ui/**/*.ts', 'shared/ui/**/*.vue'],
    rules: {
      'no-restricted-imports': restrictImports(
        noNodeBuiltins('shared/ui runs in a browser.'),
        noElectron('shared/ui runs in a browser.'),
        {
          patterns: [
            {
              group: [
                '**/shared/wechat/**',
                '**/shared/server/**',
                '**/renderer/**',
                '**/console/**',
              ],
              message: 'shared/ui imports only shared/*.ts.',
            },
          ],
        },
      ),
    },
  },
)
