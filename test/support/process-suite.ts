// The test files that never call runPkgs: they run pkgs as processes of their own (a terminal,
// `npm run demo`), drive only the real npm, or test src/ directly. PKGS_TEST_PROCESSES=1 changes
// nothing in them, so the every-run-a-process suite leaves them out (vitest.config.ts): they have
// already run, the same, in the in-process suite on the same Node. runPkgs refuses to run in one
// of them (sandbox.ts), so a file that starts using it has to leave this list.
export const sameWithProcesses = [
  'test/config.test.ts',
  'test/demo.test.ts',
  'test/docs.test.ts',
  'test/explain.test.ts',
  'test/files.test.ts',
  'test/json-edit.test.ts',
  'test/light-get.test.ts',
  'test/npmjs-registry-ci.test.ts',
  'test/npmjs-registry.test.ts',
  'test/npmrc.test.ts',
  'test/plan.test.ts',
  'test/render.test.ts',
  'test/verdaccio.test.ts',
]

// The test registry's parity tests: they drive only the real npm against the npmjs-like registry,
// to prove it answers as npmjs does (they never run pkgs). About 110 runs of npm, a quarter of the
// suite's CPU: kept out of npm test and run once in CI on the machine's Node (npm run test:registry).
export const registryParity = ['test/npmjs-registry.test.ts', 'test/npmjs-registry-ci.test.ts']
