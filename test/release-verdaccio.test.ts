// A workspace released by pkgs to a real Verdaccio installs as another user with npm, pnpm and
// yarn, in projects outside the workspace: the rewritten ranges resolve to the versions the release
// published, and each client gets everything from Verdaccio (it has no uplinks).
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { loggedIn, pnpmBin, run, runNpm, runPkgs, yarnBin } from './support/sandbox.js'

const registry = inject('verdaccio')

/** The version of `dep` that `from`, installed in `project`, gets from Node's resolution. */
function resolvedVersion(project: string, from: string, dep: string): string {
  const fromFolder = realpathSync(join(project, 'node_modules', from))
  const file = createRequire(join(fromFolder, 'package.json')).resolve(`${dep}/package.json`)
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

describe('a release on Verdaccio', () => {
  it('installs with npm, pnpm and yarn as another user', async () => {
    const id = randomBytes(4).toString('hex')
    const [core, app] = [`@acme/rel-core-${id}`, `@acme/rel-app-${id}`]
    const coreVersion = '1.4.2'
    const alice = loggedIn(registry, 'alice')
    alice.writePackageJson({ name: 'monorepo', private: true, workspaces: ['packages/*'] })
    const packages = { core: { name: core, version: coreVersion }, app: { name: app, version: '1.0.0', dependencies: { [core]: 'workspace:^' } } }
    for (const [folder, pkg] of Object.entries(packages)) {
      const dir = join(alice.cwd, 'packages', folder)
      alice.writePackageJson({ main: 'index.js', ...pkg }, dir)
      writeFileSync(join(dir, 'index.js'), 'module.exports = 1\n')
    }
    const res = await runPkgs(['publish', '--workspaces', '--json'], alice, { timeoutMs: 60_000 })
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ published: 2, failed: 0 })

    // bob's projects: his .npmrc (Verdaccio and his token) in each, with the client's cache inside the sandbox
    const bob = loggedIn(registry, 'bob')
    const project = (client: string, npmrc = '') => {
      const dir = join(bob.root, client)
      mkdirSync(dir)
      bob.writePackageJson({ name: `consumer-${client}`, version: '1.0.0', private: true, dependencies: { [app]: '^1.0.0' } }, dir)
      writeFileSync(join(dir, '.npmrc'), bob.readNpmrc() + npmrc)
      return dir
    }
    const npmDir = project('npm')
    const pnpmDir = project('pnpm', `store-dir=${join(bob.root, 'pnpm-store')}\ncache-dir=${join(bob.root, 'pnpm-cache')}\nupdate-notifier=false\n`)
    const yarnDir = project('yarn')
    writeFileSync(join(yarnDir, '.yarnrc'), `disable-self-update-check true\n`)
    const [npm, pnpm, yarn] = await Promise.all([
      runNpm(['install'], bob, { cwd: npmDir }),
      run(process.execPath, [pnpmBin, 'install'], bob, { cwd: pnpmDir, timeoutMs: 60_000 }),
      run(process.execPath, [yarnBin, 'install', '--non-interactive', '--cache-folder', join(bob.root, 'yarn-cache')], bob, {
        cwd: yarnDir,
        timeoutMs: 60_000,
      }),
    ])
    for (const [client, r] of Object.entries({ npm, pnpm, yarn })) expect(r.code, `${client}: ${r.stderr}${r.stdout}`).toBe(0)
    for (const dir of [npmDir, pnpmDir, yarnDir]) expect(resolvedVersion(dir, app, core), dir).toBe(coreVersion)

    // every package came from Verdaccio: npm's and yarn's lockfiles name no other host, and pnpm
    // keeps the metadata it fetched by registry
    const verdaccio = new URL(registry.url).host
    for (const lockfile of [join(npmDir, 'package-lock.json'), join(yarnDir, 'yarn.lock')]) {
      const hosts = (readFileSync(lockfile, 'utf8').match(/https?:\/\/[^\s"'#]+/g) ?? []).map((u) => new URL(u).host)
      expect(hosts.length, lockfile).toBeGreaterThan(0)
      expect(new Set(hosts), lockfile).toEqual(new Set([verdaccio]))
    }
    const pnpmCache = join(bob.root, 'pnpm-cache')
    const metadata = readdirSync(pnpmCache).filter((d) => d.startsWith('metadata'))
    expect(metadata.flatMap((d) => readdirSync(join(pnpmCache, d)))).toEqual([verdaccio.replace(':', '+')])
  })

  it('--stage: exit 4 saying Verdaccio has no staged publishing, for a release and for one package', async () => {
    const id = randomBytes(4).toString('hex')
    const alice = loggedIn(registry, 'alice')
    alice.writePackageJson({ name: 'monorepo', private: true, workspaces: ['packages/*'] })
    const dir = join(alice.cwd, 'packages', 'a')
    alice.writePackageJson({ name: `@acme/stage-${id}`, version: '1.0.0' }, dir)
    const [release, single] = await Promise.all([
      runPkgs(['publish', '--workspaces', '--stage', '--json'], alice),
      runPkgs(['publish', '--stage', '--yes', '--json'], alice, { cwd: dir }),
    ])
    for (const res of [release, single]) {
      expect(res.code, res.stdout).toBe(4)
      expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'EUNSUPPORTED', message: expect.stringContaining('Verdaccio at') })
    }
  })
})
