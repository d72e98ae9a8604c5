// The house rules. `npm run lint` runs them and .ci/run fails on any finding; fix the code rather than the rule.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Only src/kafka/ may talk to the Kafka client library, so that swapping it touches one folder. */
const KAFKAJS_MESSAGE = 'Only src/kafka/ imports kafkajs: use what src/kafka/index.ts exports.';
const onlyKafkaFolderImportsKafkajs = { name: 'kafkajs', message: KAFKAJS_MESSAGE };
/** Its files (`kafkajs/src/...`) are the same library by another path. */
const noKafkajsSubpaths = { group: ['kafkajs/*'], message: KAFKAJS_MESSAGE };
/**
 * no-restricted-imports sees only static imports and re-exports: `import('kafkajs')` and `require('kafkajs')` (of
 * the package or a file in it, also as a template literal without substitutions) would pass it.
 */
const KAFKAJS_SOURCE = '/^kafkajs(\\/|$)/';
const noDynamicKafkajs = [
  'error',
  { selector: `ImportExpression[source.value=${KAFKAJS_SOURCE}]`, message: KAFKAJS_MESSAGE },
  {
    selector: `ImportExpression > TemplateLiteral.source > TemplateElement[value.raw=${KAFKAJS_SOURCE}]`,
    message: KAFKAJS_MESSAGE,
  },
  {
    selector: `CallExpression[callee.name='require'] > Literal.arguments[value=${KAFKAJS_SOURCE}]`,
    message: KAFKAJS_MESSAGE,
  },
];

/** A folder's public surface is its index.ts; reaching into another folder's files couples their internals. */
const srcFoldersThroughTheirIndex = {
  regex: '^\\.\\./[^./][^/]*/(?!index\\.js$)',
  message: 'Import another folder of src/ through its index.js, not its internal files.',
};

/** Dev tools (scripts/) use the product through the same public surfaces as anyone else. */
const scriptsUseSrcThroughIndex = {
  regex: '^(\\.\\./)+src/[^/]+/(?!index\\.js$)',
  message: 'Scripts use src/ through a folder index.js, not its internal files.',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.kafka/', '.tools/', '.cache/', 'coverage/', 'bench/results/', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/kafka/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [onlyKafkaFolderImportsKafkajs], patterns: [noKafkajsSubpaths, srcFoldersThroughTheirIndex] },
      ],
      'no-restricted-syntax': noDynamicKafkajs,
    },
  },
  {
    // The one folder allowed to import kafkajs; it still reaches other folders only through their index.
    files: ['src/kafka/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [srcFoldersThroughTheirIndex] }] },
  },
  {
    files: ['scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [onlyKafkaFolderImportsKafkajs], patterns: [noKafkajsSubpaths, scriptsUseSrcThroughIndex] },
      ],
      'no-restricted-syntax': noDynamicKafkajs,
    },
  },
  // Tests and benchmarks read topics back with plain kafkajs on purpose: an independent reader, not our own
  // src/kafka code, is what checks what the connector wrote. Tests may also reach a module's internals.
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
