// pkgs make-private --scope over 200 packages against `npm access set status=private` run once per
// package (a few timed, scaled to 200), every registry answer 50 ms late (npmjs-like registry);
// then an organisation of 2,000 packages, all public, made private at several --concurrency
// values (time and peak memory, GNU time's %M): what the default concurrency is chosen from.
// A benchmark, not a test: nothing here asserts on time.
import { makeSandbox, nerfDart, pkgsBin } from '../test/support/sandbox.js'
import { startNpmjsRegistry } from '../test/support/npmjs-registry.js'
import { median, runBenchmark, save, timeAsync, type Case } from './measure.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const packages = 200
const npmSamples = 5
const latencyMs = 50
const orgPackages = Number(process.env.BENCH_ORG_PACKAGES ?? 2000)
const widths = (process.env.BENCH_WIDTHS ?? '8,16,24,32').split(',').map(Number)

async function main(): Promise<void> {
  const registry = await startNpmjsRegistry({
    users: [{ name: 'alice', password: 'pw' }],
    paidScopes: ['@big', '@huge'],
    orgs: { big: { members: { alice: 'owner' } }, huge: { members: { alice: 'owner' } } },
    latencyMs,
  })
  try {
    const names = Array.from({ length: packages }, (_, i) => `@big/p${i}`)
    for (const name of names) registry.seedPackage(name, 'alice', 'public')
    const makePublic = () => names.forEach((n) => (registry.state.packages.get(n)!.access = 'public'))
    const sandbox = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens.alice}\n`)
    // spawnSync would block the registry, which runs in this process: time the children asynchronously
    const pkgsCase: Case = {
      name: 'pkgs make-private --scope @big',
      cmd: process.execPath,
      args: [pkgsBin, 'make-private', '--scope', '@big'],
      cwd: sandbox.cwd,
      before: makePublic,
    }
    const pkgs: number[] = []
    const npm: number[] = []
    for (let round = 0; round < rounds; round++) {
      pkgs.push((await timeAsync(pkgsCase, sandbox.env)).ms)
      if (names.some((n) => registry.state.packages.get(n)!.access !== 'restricted')) throw new Error('pkgs left packages public')
    }
    makePublic()
    for (let i = 0; i < npmSamples; i++)
      npm.push((await timeAsync({ name: 'npm access set', cmd: 'npm', args: ['access', 'set', 'status=private', names[i]], cwd: sandbox.cwd }, sandbox.env)).ms)
    const pkgsMs = median(pkgs)
    const npmEach = median(npm)
    const npmTotal = npmEach * packages
    console.log(`\nmake-private of ${packages} packages, ${latencyMs} ms added to every registry answer (medians)\n`)
    console.log('| command | ms |')
    console.log('|---|---:|')
    console.log(`| pkgs make-private --scope @big (${packages} packages, ${rounds} runs) | ${pkgsMs.toFixed(0)} |`)
    console.log(`| npm access set status=private, one package (${npmSamples} runs) | ${npmEach.toFixed(0)} |`)
    console.log(`| npm one by one, scaled to ${packages} | ${npmTotal.toFixed(0)} |`)
    const speedup = npmTotal / pkgsMs
    console.log(`\nspeed-up ${speedup.toFixed(1)}x (goal ≥ 20x: ${speedup >= 20 ? 'met' : 'not met'}); pkgs under 3 s: ${pkgsMs < 3000 ? 'yes' : 'no'}`)
    const org = await orgCase(registry, sandbox)
    console.log(`\nSaved ${save('access', { packages, latencyMs, rounds, pkgs, npm, pkgsMs, npmEach, npmTotal, speedup: Number(speedup.toFixed(1)), org })}`)
  } finally {
    await registry.close()
  }
}

/** make-private --scope @huge over `orgPackages` public packages: at each width, and at the default (no --concurrency). */
async function orgCase(registry: Awaited<ReturnType<typeof startNpmjsRegistry>>, sandbox: ReturnType<typeof makeSandbox>) {
  const names = Array.from({ length: orgPackages }, (_, i) => `@huge/p${i}`)
  for (const name of names) registry.seedPackage(name, 'alice', 'public')
  const makePublic = () => names.forEach((n) => (registry.state.packages.get(n)!.access = 'public'))
  const runs: { concurrency: string; ms: number; maxRssMb: number }[] = []
  for (const width of [...widths.map(String), 'default']) {
    const args = [pkgsBin, 'make-private', '--scope', '@huge', ...(width === 'default' ? [] : ['--concurrency', width])]
    const { ms, maxRssKb } = await timeAsync(
      { name: `make-private --scope @huge (${width})`, cmd: process.execPath, args, cwd: sandbox.cwd, before: makePublic },
      sandbox.env,
      {
        memory: true,
      },
    )
    if (names.some((n) => registry.state.packages.get(n)!.access !== 'restricted')) throw new Error('pkgs left packages public')
    runs.push({ concurrency: width, ms, maxRssMb: maxRssKb! / 1024 })
  }
  console.log(`\nmake-private --scope over ${orgPackages} public packages, ${latencyMs} ms added to every registry answer (one run each)\n`)
  console.log('| --concurrency | s | peak MiB |')
  console.log('|---|---:|---:|')
  for (const r of runs) console.log(`| ${r.concurrency} | ${(r.ms / 1000).toFixed(1)} | ${r.maxRssMb.toFixed(0)} |`)
  const standard = runs.find((r) => r.concurrency === 'default')!
  console.log(
    `\ndefault: ${(standard.ms / 1000).toFixed(1)} s (goal ≤ 15 s: ${standard.ms <= 15_000 ? 'met' : 'not met'}), ${standard.maxRssMb.toFixed(0)} MiB (goal ≤ 200: ${standard.maxRssMb <= 200 ? 'met' : 'not met'})`,
  )
  return { packages: orgPackages, latencyMs, runs }
}

runBenchmark(main)
