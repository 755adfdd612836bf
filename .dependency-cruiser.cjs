// Layers point one way:
//
//   src/cli.ts -> src/program.ts -> src/commands/** -> src/io/** and src/core/** -> src/package/** -> src/core/errors.ts
//
// A module may import its own layer and the layers to its right, never one to its left; src/io/
// (terminal I/O, once it exists) and src/core/ are side by side, and core does not import io.
// Type-only imports count too (tsPreCompilationDeps): a type that a lower layer takes from a
// higher one ties the two together as much as a value does. Besides: no import cycles, no
// orphans, no import that resolves to nothing, and src/ takes npm packages only from
// package.json's dependencies (knip.json checks that each of those is used).
//
// Run with `npm run lint:deps` (part of `npm run lint` and `npm test`).
// `npx depcruise src --config .dependency-cruiser.cjs --output-type text --focus src/core/io.ts`
// lists what one module imports and what imports it.

/** src/ modules by layer, as regular expressions on the path from the repository root. */
const cli = '^src/cli\\.ts$'
const program = '^src/program\\.ts$'
const commands = '^src/commands/'
const io = '^src/io/'
const core = '^src/core/'
const pkg = '^src/package/'
const errors = '^src/core/errors\\.ts$'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the modules on it can no longer be understood, loaded or tested one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module that nothing imports and that imports nothing: dead, or forgotten in the wiring.',
      from: { orphan: true, pathNot: ['\\.d\\.ts$'] },
      to: {},
    },
    {
      name: 'errors-imports-nothing',
      severity: 'error',
      comment: 'src/core/errors.ts is the bottom layer: it imports no module of the project.',
      from: { path: errors },
      to: { path: '^src/' },
    },
    {
      name: 'package-only-errors-from-core',
      severity: 'error',
      comment: 'src/package/ sits below src/core/: of core it may import errors.ts only.',
      from: { path: pkg },
      to: { path: core, pathNot: errors },
    },
    {
      name: 'package-not-upward',
      severity: 'error',
      comment: 'src/package/ sits below src/io/, src/commands/, src/program.ts and src/cli.ts.',
      from: { path: pkg },
      to: { path: [io, commands, program, cli] },
    },
    {
      name: 'core-not-upward',
      severity: 'error',
      comment: 'src/core/ has no terminal I/O and knows no command: it must not import src/io/, src/commands/, src/program.ts or src/cli.ts.',
      from: { path: core },
      to: { path: [io, commands, program, cli] },
    },
    {
      name: 'io-not-upward',
      severity: 'error',
      comment: 'src/io/ (terminal I/O) serves the commands: it must not import src/commands/, src/program.ts or src/cli.ts.',
      from: { path: io },
      to: { path: [commands, program, cli] },
    },
    {
      name: 'commands-not-upward',
      severity: 'error',
      comment: 'A command must not import src/program.ts or src/cli.ts; the types commands use live in src/commands/.',
      from: { path: commands },
      to: { path: [program, cli] },
    },
    {
      name: 'program-not-cli',
      severity: 'error',
      comment: 'src/cli.ts loads src/program.ts, not the other way round.',
      from: { path: program },
      to: { path: cli },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing: a missing file, or a package that is not installed.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package that package.json does not declare: it is there only by chance (a dependency of a dependency).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: "src/ runs on the user's machine, where devDependencies are not installed. Types may come from a devDependency (@types/...).",
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: ['node_modules/@types/'] },
    },
  ],
  options: {
    // npm's libraries are seen (to check they are declared) but not walked into
    doNotFollow: { path: 'node_modules' },
    // `const require = createRequire(import.meta.url); require('x')` is a dependency too
    exoticRequireStrings: ['require'],
    // resolve like tsc does: NodeNext, where './x.js' names ./x.ts
    tsConfig: { fileName: 'tsconfig.json' },
    // keep type-only imports (`import type`, `import { type X }`), which compile away
    tsPreCompilationDeps: true,
    skipAnalysisNotInRules: true,
  },
}
