// What the processes a test run starts cost, from the lines test/support/process-log.cjs wrote:
//   PKGS_TEST_PROCESS_LOG=/tmp/processes.jsonl npx vitest run && node scripts/process-cost.mjs /tmp/processes.jsonl
// prints the CPU seconds by program, by command and by test file (the most first). Not by test:
// the tests of a file run concurrently, and a process cannot tell which of them started it.
import { readFileSync } from 'node:fs'

const file = process.argv[2]
if (!file) {
  console.error('usage: node scripts/process-cost.mjs FILE (written by a run with PKGS_TEST_PROCESS_LOG=FILE)')
  process.exit(2)
}
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))

function program([script = '']) {
  if (/npm-cli\.js$|\/npm$/.test(script)) return 'npm'
  if (/bin\/pkgs\.c?js$/.test(script)) return 'pkgs'
  return 'other node'
}

function table(title, keyOf) {
  const rows = new Map()
  for (const l of lines) {
    const key = keyOf(l)
    const row = rows.get(key) ?? { runs: 0, cpuMs: 0 }
    row.runs++
    row.cpuMs += l.cpuMs
    rows.set(key, row)
  }
  console.log(`\n| ${title} | runs | CPU s | ms each |\n|---|---:|---:|---:|`)
  for (const [key, { runs, cpuMs }] of [...rows].sort((a, b) => b[1].cpuMs - a[1].cpuMs)) {
    console.log(`| ${key} | ${runs} | ${(cpuMs / 1000).toFixed(1)} | ${Math.round(cpuMs / runs)} |`)
  }
}

const total = lines.reduce((sum, l) => sum + l.cpuMs, 0)
console.log(`${lines.length} processes, ${(total / 1000).toFixed(1)} s of CPU`)
table('program', (l) => program(l.argv))
table('command', (l) => `${program(l.argv)} ${program(l.argv) === 'other node' ? '' : (l.argv[1] ?? '')}`.trim())
table('test file', (l) => l.file ?? '?')
