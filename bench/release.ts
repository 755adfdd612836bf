// A monorepo's release: `pkgs publish --workspaces` of a 30-package workspace (5 layers, each
// package depending on two of the layer below) against `npm publish --workspaces --otp <code>`,
// on the npmjs-like registry with 50 ms added to every answer and a user with browser two-factor
// authentication. Wall time, requests and two-factor approvals of each run; medians of 3.
// A benchmark, not a test: nothing here asserts on time.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeSandbox, nerfDart, pkgsBin } from '../test/support/sandbox.js'
import { startNpmjsRegistry, type NpmjsRegistry } from '../test/support/npmjs-registry.js'
import { writeWorkspace } from '../test/support/workspace.js'
import { median, runBenchmark, save, timeAsync, type Case } from './measure.js'

const rounds = Number(process.env.BENCH_RELEASE_ROUNDS ?? 3)
const layers = 5
const perLayer = 6
const latencyMs = 50

const nameOf = (layer: number, i: number) => `@rel/l${layer}-p${i}`

/** 30 packages: layer 0 depends on nothing, each package of layer k on two of layer k-1 (plain ranges, as npm's workspaces have them). */
function packages(): Record<string, Record<string, unknown>> {
  const all: Record<string, Record<string, unknown>> = {}
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < perLayer; i++) {
      const deps = layer ? { [nameOf(layer - 1, i)]: '^1.0.0', [nameOf(layer - 1, (i + 1) % perLayer)]: '^1.0.0' } : undefined
      all[`l${layer}-p${i}`] = { name: nameOf(layer, i), ...(deps ? { dependencies: deps } : {}) }
    }
  }
  return all
}

interface Run {
  ms: number
  requests: number
  /** browser two-factor checks shown to a person and waited for */
  approvals: number
  /** writes the registry accepted with a one-time password (each a two-factor check: a browser approval each without --otp) */
  checkedWrites: number
}

/** Approves every browser two-factor check as soon as one is waiting (as a person at the browser would). */
function autoApprove(registry: NpmjsRegistry): { stop(): void } {
  const timer = setInterval(() => registry.pendingWebOtps() && registry.completeWebOtp('wendy'), 20)
  return { stop: () => clearInterval(timer) }
}

async function timed(registry: NpmjsRegistry, c: Case, env: NodeJS.ProcessEnv): Promise<Run> {
  const since = registry.requests.length
  const approver = autoApprove(registry)
  const { ms } = await timeAsync(c, env)
  approver.stop()
  const requests = registry.requests.slice(since)
  // an approval is a check the client shows a person and waits for: the distinct ones whose done URL it polls
  const approvals = new Set(requests.flatMap((r) => /\/-\/v1\/auth\/done\/([^/?]+)/.exec(r.path)?.[1] ?? [])).size
  const checkedWrites = requests.filter((r) => r.method === 'PUT' && r.status < 300 && r.headers['npm-otp']).length
  return { ms, requests: requests.length, approvals, checkedWrites }
}

async function main(): Promise<void> {
  const registry = await startNpmjsRegistry({
    users: [{ name: 'wendy', password: 'pw', tfa: 'web' }],
    paidScopes: ['@rel'],
    orgs: { rel: { members: { wendy: 'owner' } } },
    latencyMs,
  })
  try {
    const sandbox = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens.wendy}\n`)
    writeWorkspace(sandbox, packages())
    // every package exists (1.0.0): each run publishes a new version of each, as a release does
    for (const folder of Object.keys(packages())) registry.seedPackage(packages()[folder].name as string, 'wendy')
    let minor = 0
    const bump = () => {
      minor++
      for (const folder of Object.keys(packages())) {
        const file = join(sandbox.cwd, 'packages', folder, 'package.json')
        const pkg = JSON.parse(readFileSync(file, 'utf8'))
        writeFileSync(file, JSON.stringify({ ...pkg, version: `1.${minor}.0` }, null, 2) + '\n')
      }
    }
    const cases: Case[] = [
      { name: 'pkgs publish --workspaces', cmd: process.execPath, args: [pkgsBin, 'publish', '--workspaces', '--yes'], cwd: sandbox.cwd, before: bump },
      { name: 'npm publish --workspaces --otp', cmd: 'npm', args: ['publish', '--workspaces', '--otp', registry.otp], cwd: sandbox.cwd, before: bump },
    ]
    const runs = new Map<string, Run[]>(cases.map((c) => [c.name, []]))
    for (let round = 0; round < rounds; round++) {
      for (const c of round % 2 ? [...cases].reverse() : cases) runs.get(c.name)!.push(await timed(registry, c, sandbox.env))
    }
    const count = layers * perLayer
    console.log(
      `\nRelease of ${count} packages (${layers} dependency layers), ${latencyMs} ms added to every registry answer, browser two-factor (medians of ${rounds})\n`,
    )
    console.log('| command | s | requests | browser approvals | writes with a one-time password |')
    console.log('|---|---:|---:|---:|---:|')
    const medians = Object.fromEntries(
      [...runs].map(([name, list]) => {
        const m = {
          ms: median(list.map((r) => r.ms)),
          requests: median(list.map((r) => r.requests)),
          approvals: median(list.map((r) => r.approvals)),
          checkedWrites: median(list.map((r) => r.checkedWrites)),
        }
        console.log(`| ${name} | ${(m.ms / 1000).toFixed(2)} | ${m.requests} | ${m.approvals} | ${m.checkedWrites} |`)
        return [name, m]
      }),
    )
    const [pkgs, npm] = cases.map((c) => medians[c.name])
    console.log(
      `\npkgs: ${(npm.ms / pkgs.ms).toFixed(1)}x faster (${(pkgs.ms / 1000).toFixed(2)} s against ${(npm.ms / 1000).toFixed(2)} s), in dependency order, ${pkgs.approvals} browser approval. ` +
        `npm needs a code typed for --otp (without a terminal it does not wait for a browser approval: EOTP at its first package) and sends it with each of its ${npm.checkedWrites} writes, in folder order.`,
    )
    console.log(`\nSaved ${save('release', { packages: count, layers, latencyMs, rounds, runs: Object.fromEntries(runs), medians })}`)
  } finally {
    await registry.close()
  }
}

runBenchmark(main)
