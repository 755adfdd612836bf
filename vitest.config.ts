import { configDefaults, defineConfig } from 'vitest/config'
import { registryParity, sameWithProcesses } from './test/support/process-suite.js'

// PKGS_TEST_PROCESSES=1: every run of pkgs a process of its own, in the files where that changes something
const processes = process.env.PKGS_TEST_PROCESSES === '1'
// PKGS_TEST_SUITE=registry (npm run test:registry): only the test registry's parity tests against npm
const parity = process.env.PKGS_TEST_SUITE === 'registry'

export default defineConfig({
  test: {
    include: parity ? registryParity : ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(processes ? sameWithProcesses : []), ...(parity ? [] : registryParity)],
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
