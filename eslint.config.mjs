import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '**/node_modules/**',
      '.quarry/**',
      'elastic/embedded/target/**',
      'coverage/**',
      'bench/results/**',
      // generated from schema.graphql at build time (npm run codegen:console)
      'apps/console/src/lib/graphql.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../*'], message: 'Import shared code through @quarry/<lib> aliases.' }] },
      ],
    },
  },
  // Tests start the app itself (apps/server), which no alias exports; test/security/ sits one level deeper.
  { files: ['test/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
);
