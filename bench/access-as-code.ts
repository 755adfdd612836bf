// pkgs report and pkgs policy plan over an organisation of 2,000 packages (three teams with
// grants, a trusted publisher on some), every registry answer 50 ms late (npmjs-like registry):
// wall time and peak memory (GNU time's %M) of one run each. The plan is of the org's own export,
// so it finds nothing to change. A benchmark, not a test: nothing here asserts on time.
import { join } from 'node:path'
import { makeSandbox, nerfDart, pkgsBin } from '../test/support/sandbox.js'
import { startNpmjsRegistry } from '../test/support/npmjs-registry.js'
import { runBenchmark, save, timeAsync } from './measure.js'

const count = Number(process.env.BENCH_ORG_PACKAGES ?? 2000)
const latencyMs = 50

async function main(): Promise<void> {
  const registry = await startNpmjsRegistry({
    users: ['alice', 'bob', 'carol'].map((name) => ({ name, password: 'pw' })),
    paidScopes: ['@wide'],
    orgs: { wide: { members: { alice: 'owner', bob: 'developer', carol: 'developer' }, teams: { web: ['bob'], api: ['carol'], ops: ['bob', 'carol'] } } },
    latencyMs,
  })
  try {
    const teams = registry.state.orgs.get('wide')!.teams
    for (let i = 0; i < count; i++) {
      const name = `@wide/p${i}`
      registry.seedPackage(name, 'alice', i % 10 ? 'restricted' : 'public')
      teams.get(['web', 'api', 'ops'][i % 3])!.packages.set(name, i % 2 ? 'read-write' : 'read-only')
      if (i % 4 === 0)
        registry.state.packages.get(name)!.trust.push({
          id: `t${i}`,
          type: 'github',
          claims: { repository: 'wide/mono', workflow_ref: { file: 'release.yml' } },
          permissions: ['createPackage'],
        })
    }
    const sandbox = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens.alice}\n`)
    const run = (name: string, args: string[]) =>
      timeAsync({ name, cmd: process.execPath, args: [pkgsBin, ...args], cwd: sandbox.cwd }, sandbox.env, { memory: true })
    await run('export', ['policy', 'export', 'wide', '--file', join(sandbox.cwd, 'pkgs-policy.yaml')])
    const results: { command: string; ms: number; maxRssMb: number }[] = []
    for (const [command, args] of [
      ['pkgs report wide --json', ['report', 'wide', '--json']],
      ['pkgs policy plan --check', ['policy', 'plan', '--check']],
    ] as const) {
      const { ms, maxRssKb } = await run(command, [...args])
      results.push({ command, ms, maxRssMb: maxRssKb! / 1024 })
    }
    console.log(`\n${count} packages, ${latencyMs} ms added to every registry answer (one run each)\n`)
    console.log('| command | s | peak MiB |')
    console.log('|---|---:|---:|')
    for (const r of results) console.log(`| ${r.command} | ${(r.ms / 1000).toFixed(1)} | ${r.maxRssMb.toFixed(0)} |`)
    const met = results.every((r) => r.ms <= 30_000 && r.maxRssMb <= 200)
    console.log(`\ngoal (each within 30 s and 200 MiB): ${met ? 'met' : 'not met'}`)
    console.log(`\nSaved ${save('access-as-code', { packages: count, latencyMs, results })}`)
  } finally {
    await registry.close()
  }
}

runBenchmark(main)
