import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
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
