// What the benchmarks share: timing a command (wall time, and peak memory where GNU time is
// installed), interleaved rounds, medians, and saving the results as JSON.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../test/support/sandbox.js'

export interface Case {
  name: string
  cmd: string
  args: string[]
  cwd?: string
  /** runs before each timed run, untimed (e.g. bump a version) */
  before?(): void
}

export interface Sample {
  ms: number
  /** peak resident memory of the command, in KiB (GNU time), when measurable */
  maxRssKb?: number
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
const rssFile = join(tmpdir(), `pkgs-bench-rss-${process.pid}`)

/** One run; `memory: false` leaves out GNU time, whose own fork would weigh on start-up timings. */
export function timeOnce(c: Case, env: NodeJS.ProcessEnv, { memory = true } = {}): Sample {
  c.before?.()
  const measureMemory = memory && gnuTime
  const [cmd, args] = measureMemory ? [gnuTime, ['-f', '%M', '-o', rssFile, c.cmd, ...c.args]] : [c.cmd, c.args]
  const start = process.hrtime.bigint()
  const res = spawnSync(cmd, args, { env, cwd: c.cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (res.status !== 0) throw new Error(`${c.name} exited ${res.status}: ${res.stderr}`)
  if (!measureMemory) return { ms }
  const maxRssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop())
  rmSync(rssFile, { force: true })
  return { ms, maxRssKb }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Each case once to warm caches, then `rounds` rounds in a rotating order. */
export function interleave(cases: Case[], rounds: number, env: NodeJS.ProcessEnv, opts: { memory?: boolean } = {}): Map<string, Sample[]> {
  const samples = new Map(cases.map((c) => [c.name, [] as Sample[]]))
  for (const c of cases) timeOnce(c, env, opts)
  for (let round = 0; round < rounds; round++) {
    // rotate the order each round so no command always runs first (or after the same one)
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]
      samples.get(c.name)!.push(timeOnce(c, env, opts))
    }
  }
  return samples
}

export interface Summary {
  ms: number
  maxRssMb?: number
}

export function summarize(samples: Map<string, Sample[]>): Record<string, Summary> {
  return Object.fromEntries(
    [...samples].map(([name, list]) => {
      const rss = list.map((s) => s.maxRssKb).filter((v): v is number => v !== undefined)
      return [name, { ms: median(list.map((s) => s.ms)), maxRssMb: rss.length ? Math.max(...rss) / 1024 : undefined }]
    }),
  )
}

export function printTable(title: string, summary: Record<string, Summary>): void {
  console.log(`\n${title}\n`)
  console.log('| command | median ms | peak MiB |')
  console.log('|---|---:|---:|')
  for (const [name, s] of Object.entries(summary)) console.log(`| ${name} | ${s.ms.toFixed(1)} | ${s.maxRssMb?.toFixed(1) ?? '–'} |`)
}

export function save(prefix: string, doc: object): string {
  const dir = join(repoRoot, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  const text = JSON.stringify({ date: new Date().toISOString(), node: process.version, ...doc }, null, 2) + '\n'
  writeFileSync(file, text)
  writeFileSync(join(dir, `${prefix}-latest.json`), text)
  return file
}

/** Run a benchmark's main: exit 0 when done, 1 with the error otherwise. */
/** One run of a child, timed without blocking this process (a registry may run in it); with `memory`, GNU time's peak. */
export function timeAsync(c: Case, env: NodeJS.ProcessEnv, { memory = false } = {}): Promise<{ ms: number; maxRssKb?: number }> {
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve, reject) => {
        c.before?.()
        const start = process.hrtime.bigint()
        // GNU time writes the peak resident memory (KiB) as the last line of stderr
        const [cmd, args] = memory ? ['/usr/bin/time', ['-f', '%M', c.cmd, ...c.args]] : [c.cmd, c.args]
        const child = spawn(cmd, args, { env, cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'] })
        let stderr = ''
        child.stderr.on('data', (d) => (stderr += d))
        child.on('close', (code) => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6
          const maxRssKb = memory ? Number(stderr.trim().split('\n').pop()) : undefined
          if (code === 0) resolve({ ms, maxRssKb })
          else reject(new Error(`${c.name} exited ${code}: ${stderr}`))
        })
      }),
  )
}

export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
