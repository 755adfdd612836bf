import { configDefaults, defineConfig } from 'vitest/config'
import { sameWithProcesses } from './test/support/process-suite.js'

// PKGS_TEST_PROCESSES=1: every run of pkgs a process of its own, in the files where that changes something
const processes = process.env.PKGS_TEST_PROCESSES === '1'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(processes ? sameWithProcesses : [])],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    isolate: false,
    // vitest's default is one worker per core but one: a single worker on a 2-core machine, where
    // the test files mostly wait on the processes they start; two files at a time keep both busy
    maxWorkers: 2,
  },
})
