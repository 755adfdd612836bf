// With PKGS_TEST_PROCESS_LOG naming a file, the sandbox loads this (--require) into every process
// the tests start: at exit each appends what it cost, as one JSON line. `node scripts/process-cost.mjs
// FILE` sums the lines by test file and by command. A measurement, never part of what a test checks;
// the tests that run pkgs beside a broken package.json fail under it, as Node itself reads that
// file to load this one.
const { appendFileSync } = require('node:fs')

process.once('exit', () => {
  const { user, system } = process.cpuUsage()
  const line = {
    file: process.env.PKGS_TEST_FILE,
    argv: process.argv.slice(1, 4),
    cpuMs: Math.round((user + system) / 1000),
    wallMs: Math.round(process.uptime() * 1000),
  }
  appendFileSync(process.env.PKGS_TEST_PROCESS_LOG, JSON.stringify(line) + '\n')
})
