// pkgs publish --workspaces against the npmjs-like registry: a monorepo's release in dependency
// order under one browser approval, `workspace:` ranges rewritten in what is uploaded (never on
// disk), a refused package holding back only its dependents, and a second run that finishes it.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import semver from 'semver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { startActionsIdTokenService } from './support/github-actions.js'
import { loggedIn, makeSandbox, pnpmBin, run, runNpm, runPkgs } from './support/sandbox.js'
import { approvedRun } from './support/approval.js'
import { writeWorkspace } from './support/workspace.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'wendy', password: 'wendy-pw', tfa: 'web' },
    ],
    paidScopes: ['@acme', '@wide', '@loop', '@bad'],
    orgs: {
      acme: { members: { wendy: 'owner' } },
      wide: { members: { alice: 'owner' } },
      loop: { members: { alice: 'owner' } },
      bad: { members: { alice: 'owner' } },
    },
  })
})
afterAll(() => registry?.close())

const enc = (name: string) => name.replace('/', '%2f')

/** A gzipped tarball's entries: each one's path, its 512-byte header and its content. */
function tarEntries(tgz: Buffer): { path: string; header: Buffer; body: Buffer }[] {
  const tar = gunzipSync(tgz)
  const entries = []
  for (let off = 0; off + 512 <= tar.length && tar[off] !== 0;) {
    const field = (from: number, to: number) =>
      tar
        .subarray(off + from, off + to)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const size = parseInt(field(124, 136).trim(), 8)
    entries.push({ path: field(0, 100), header: tar.subarray(off, off + 512), body: tar.subarray(off + 512, off + 512 + size) })
    off += 512 + Math.ceil(size / 512) * 512
  }
  return entries
}

/** The package.json inside a gzipped tarball. */
function manifestIn(tgz: Buffer): Record<string, unknown> {
  const entry = tarEntries(tgz).find((e) => e.path === 'package/package.json')
  if (!entry) throw new Error('no package/package.json in the tarball')
  return JSON.parse(entry.body.toString('utf8'))
}

/** The package.json inside a tarball the registry stores. */
function packedManifest(name: string, version: string): Record<string, unknown> {
  return manifestIn(registry.state.packages.get(name)!.tarballs.get(`${name.split('/').pop()}-${version}.tgz`)!)
}

const json = (res: { stdout: string }) => JSON.parse(res.stdout)

// core ← left ← app, core ← right ← app (a chain and a diamond); legacy already published; tools private
const acme = {
  core: { name: '@acme/core' },
  left: { name: '@acme/left', dependencies: { '@acme/core': 'workspace:^' } },
  right: { name: '@acme/right', peerDependencies: { '@acme/core': 'workspace:~' }, devDependencies: { '@acme/core': 'workspace:*' } },
  app: {
    name: '@acme/app',
    dependencies: { '@acme/left': 'workspace:*', '@acme/legacy': '^1.0.0' },
    optionalDependencies: { '@acme/right': 'workspace:>=1.0.0' },
    devDependencies: { '@acme/tools': 'workspace:*' },
  },
  legacy: { name: '@acme/legacy' },
  tools: { name: '@acme/tools', private: true },
}

describe('pkgs publish --workspaces on an npmjs-like registry', () => {
  it('releases in dependency order with one approval and rewritten ranges; a refused package holds back its dependents; a re-run finishes', async () => {
    registry.seedPackage('@acme/legacy', 'wendy')
    const sandbox = loggedIn(registry, 'wendy')
    writeWorkspace(sandbox, acme)
    const onDisk = readFileSync(join(sandbox.cwd, 'packages/app/package.json'), 'utf8')

    const plan = await runPkgs(['publish', '--workspaces', '--dry-run', '--json'], sandbox)
    expect(plan.code, plan.stderr).toBe(0)
    const planned = json(plan)
    expect(planned).toMatchObject({ dryRun: true, published: 4, unchanged: 1, skipped: 1, failed: 0, notAttempted: 0 })
    expect(planned.changes).toEqual(
      ['@acme/app', '@acme/core', '@acme/left', '@acme/right'].map((target) => ({ kind: 'publish', target, action: 'add', to: '1.0.0' })),
    )
    const byName = Object.fromEntries(planned.results.map((r: { package: string }) => [r.package, r]))
    expect(byName['@acme/legacy']).toMatchObject({ state: 'unchanged', folder: 'packages/legacy' })
    expect(byName['@acme/tools']).toMatchObject({ state: 'private' })
    expect(byName['@acme/core']).toMatchObject({ state: 'published', access: 'restricted', tag: 'latest', registry: registry.url })
    expect(byName['@acme/core'].files).toEqual(['index.js', 'package.json'])
    expect(registry.mutations()).toHaveLength(0)

    // the registry refuses @acme/left: @acme/app, which needs it, is not attempted
    const since = registry.requests.length
    registry.failNext((m, p) => m === 'PUT' && p === `/${enc('@acme/left')}`, 403, { error: 'You do not have permission to publish "@acme/left"' })
    const first = await approvedRun(registry, 'wendy', ['publish', '-ws', '--json'], sandbox)
    expect(first.code, first.stderr).toBe(1)
    expect(first.stderr.match(/Authenticate your account/g)).toHaveLength(1)
    // one upload met the two-factor challenge; the others waited for its approval
    expect(registry.requests.slice(since).filter((r) => r.method === 'PUT' && r.status === 401)).toHaveLength(1)
    const doc = json(first)
    expect(doc).toMatchObject({ published: 2, unchanged: 1, skipped: 1, failed: 1, notAttempted: 1 })
    const states = Object.fromEntries(doc.results.map((r: { package: string; state: string }) => [r.package, r.state]))
    expect(states).toEqual({
      '@acme/app': 'not-attempted',
      '@acme/core': 'published',
      '@acme/left': 'failed',
      '@acme/legacy': 'unchanged',
      '@acme/right': 'published',
      '@acme/tools': 'private',
    })
    const puts = registry.requests
      .slice(since)
      .filter((r) => r.method === 'PUT' && r.status === 200)
      .map((r) => decodeURIComponent(r.path.slice(1)))
    expect(puts.indexOf('@acme/core')).toBeLessThan(puts.indexOf('@acme/right'))
    expect(puts).not.toContain('@acme/app')
    expect(registry.state.packages.has('@acme/app')).toBe(false)

    // the second run publishes what is left, in order, and nothing else
    const again = registry.requests.length
    const res = await approvedRun(registry, 'wendy', ['publish', '--workspaces', '--json'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ published: 2, unchanged: 3, skipped: 1, failed: 0, notAttempted: 0 })
    const secondPuts = registry.requests
      .slice(again)
      .filter((r) => r.method === 'PUT' && r.status === 200)
      .map((r) => decodeURIComponent(r.path.slice(1)))
    expect(secondPuts).toEqual(['@acme/left', '@acme/app'])
    expect(secondPuts).not.toContain('@acme/core')

    // what was uploaded has the ranges rewritten (as pnpm rewrites them); the file on disk does not
    const expected = {
      dependencies: { '@acme/left': '1.0.0', '@acme/legacy': '^1.0.0' },
      optionalDependencies: { '@acme/right': '>=1.0.0' },
      devDependencies: { '@acme/tools': '1.0.0' },
    }
    expect(packedManifest('@acme/app', '1.0.0')).toMatchObject(expected)
    expect(registry.state.packages.get('@acme/app')!.doc.versions['1.0.0']).toMatchObject(expected)
    expect(packedManifest('@acme/left', '1.0.0')).toMatchObject({ dependencies: { '@acme/core': '^1.0.0' } })
    expect(packedManifest('@acme/right', '1.0.0')).toMatchObject({ peerDependencies: { '@acme/core': '~1.0.0' }, devDependencies: { '@acme/core': '1.0.0' } })
    expect(readFileSync(join(sandbox.cwd, 'packages/app/package.json'), 'utf8')).toBe(onDisk)

    // a third run has nothing left to do
    const third = await runPkgs(['publish', '--workspaces', '--json'], sandbox)
    expect(third.code, third.stderr).toBe(0)
    expect(json(third)).toMatchObject({ published: 0, unchanged: 5, skipped: 1 })
  })

  it('publishes 8 independent packages in one run', async () => {
    const sandbox = loggedIn(registry, 'alice')
    const leaves = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}`, { name: `@wide/p${i}` }]))
    writeWorkspace(sandbox, leaves)
    const since = registry.requests.length
    const res = await runPkgs(['publish', '--workspaces', '--json'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ published: 8 })
    const puts = registry.requests.slice(since).filter((r) => r.method === 'PUT')
    expect(puts).toHaveLength(8)
  })

  it('-w selects packages by name or folder, and starts from a package folder', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { a: { name: '@wide/sel-a' }, b: { name: '@wide/sel-b' }, c: { name: '@wide/sel-c' } })
    const res = await runPkgs(['publish', '-w', '@wide/sel-a', '-w', '../c', '--dry-run', '--json'], sandbox, { cwd: join(sandbox.cwd, 'packages', 'b') })
    expect(res.code, res.stderr).toBe(0)
    expect(json(res).results.map((r: { package: string }) => r.package)).toEqual(['@wide/sel-a', '@wide/sel-c'])
    const unknown = await runPkgs(['publish', '-w', 'nope', '--json'], sandbox)
    expect(unknown.code).toBe(2)
    expect(json(unknown).error.message).toContain('nope is not a package of the workspace')
  })

  it('exits 2 before any upload for a cycle, a range its sibling does not satisfy, and a dependency neither released nor published', async () => {
    const cycle = loggedIn(registry, 'alice')
    writeWorkspace(cycle, {
      a: { name: '@loop/a', dependencies: { '@loop/b': 'workspace:*' } },
      b: { name: '@loop/b', peerDependencies: { '@loop/a': 'workspace:*' } },
    })
    const range = loggedIn(registry, 'alice')
    writeWorkspace(range, { a: { name: '@bad/a', version: '1.0.0' }, b: { name: '@bad/b', dependencies: { '@bad/a': 'workspace:^2.0.0' } } })
    const missing = loggedIn(registry, 'alice')
    writeWorkspace(missing, { a: { name: '@bad/m-a' }, b: { name: '@bad/m-b', dependencies: { '@bad/m-a': 'workspace:*' } } })
    const before = registry.mutations().length
    const [c, r, m] = await Promise.all([
      runPkgs(['publish', '--workspaces', '--json'], cycle),
      runPkgs(['publish', '--workspaces', '--json'], range),
      runPkgs(['publish', '--workspace', '@bad/m-b', '--json'], missing),
    ])
    expect(c.code).toBe(2)
    expect(json(c).error.message).toContain('@loop/a → @loop/b → @loop/a')
    expect(r.code).toBe(2)
    expect(json(r).error.message).toContain(`@bad/b's dependencies (@bad/a: "workspace:^2.0.0") does not match @bad/a's version in the workspace, 1.0.0`)
    expect(json(r).error.message).toContain("would depend on another version than the workspace's")
    expect(m.code).toBe(2)
    expect(json(m).error).toMatchObject({ code: 'EUSAGE', hint: expect.stringContaining('--workspace @bad/m-a') })
    expect(json(m).error.message).toContain('@bad/m-b depends on @bad/m-a@1.0.0, which is neither on the registry nor part of this release')
    expect(registry.mutations()).toHaveLength(before)
  })

  it('a pnpm workspace: what is uploaded has the dependency maps pnpm pack writes, values and key order', async () => {
    const sandbox = loggedIn(registry, 'alice')
    // one entry per map that pnpm reads from a sibling: pnpm orders several of them as its reads end
    const packages = {
      // a sibling under another name: by its folder, and by an alias (pnpm publishes both as npm:<name>@<range>)
      core: { name: '@wide/pn-core', version: '1.2.3', devDependencies: { 'util-folder': 'workspace:../util' } },
      util: {
        name: '@wide/pn-util',
        version: '2.0.0',
        dependencies: { '@wide/pn-core': 'workspace:*' },
        peerDependencies: { '@wide/pn-core': 'workspace:^' },
        devDependencies: { 'core-alias': 'workspace:@wide/pn-core@^' },
      },
      app: {
        name: '@wide/pn-app',
        dependencies: {
          '@wide/pn-core': 'workspace:^',
          'left-pad': '^1.3.0',
          semver: 'catalog:',
          '@wide/pn-util': 'workspace:^2.0.0',
          'util-two': 'workspace:@wide/pn-util@2.x',
        },
        optionalDependencies: { '@wide/pn-util': 'workspace:~', 'is-number': 'catalog:fast' },
        peerDependencies: { '@wide/pn-core': 'workspace:*', semver: 'catalog:' },
        devDependencies: { '@wide/pn-util': 'workspace:../util', semver: 'catalog:old', '@wide/pn-core': 'workspace:1.2.3' },
      },
    }
    writeWorkspace(sandbox, packages)
    sandbox.writePackageJson({ name: 'monorepo', private: true })
    writeFileSync(
      join(sandbox.cwd, 'pnpm-workspace.yaml'),
      'packages:\n  - packages/*\ncatalog:\n  semver: ^7.5.0\ncatalogs:\n  old:\n    semver: ^6.0.0\n  fast:\n    is-number: ^7.0.0\n',
    )
    const res = await runPkgs(['publish', '--workspaces', '--json'], sandbox, { cwd: join(sandbox.cwd, 'packages', 'app') })
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ published: 3 })

    // pnpm pack reads a sibling's version where pnpm install links it; these are its links (an
    // install would also need a registry with the catalog's packages)
    const names = Object.fromEntries(Object.entries(packages).map(([folder, p]) => [p.name, folder]))
    for (const [folder, pkg] of Object.entries(packages)) {
      const deps = Object.values(pkg).filter((v): v is Record<string, string> => typeof v === 'object')
      const linked = new Map(deps.flatMap((d) => Object.entries(d)).map(([key, spec]) => [key, /^workspace:((?:@[^/@]+\/)?[^/@]+)@/.exec(spec)?.[1] ?? key]))
      for (const [key, name] of [...linked].filter(([, n]) => n in names)) {
        const link = join(sandbox.cwd, 'packages', folder, 'node_modules', key)
        mkdirSync(dirname(link), { recursive: true })
        symlinkSync(join(sandbox.cwd, 'packages', names[name]), link)
      }
    }
    const dest = join(sandbox.root, 'pnpm-packed')
    const packs = await Promise.all(
      Object.keys(packages).map((folder) =>
        run(process.execPath, [pnpmBin, 'pack', '--pack-destination', dest], sandbox, { cwd: join(sandbox.cwd, 'packages', folder), timeoutMs: 30_000 }),
      ),
    )
    for (const p of packs) expect(p.code, p.stderr + p.stdout).toBe(0)
    for (const pkg of Object.values(packages)) {
      const version = 'version' in pkg ? pkg.version : '1.0.0'
      const pnpms = manifestIn(readFileSync(join(dest, `${pkg.name.slice(1).replace('/', '-')}-${version}.tgz`)))
      const ours = packedManifest(pkg.name, version)
      const document = registry.state.packages.get(pkg.name)!.doc.versions[version] as Record<string, unknown>
      for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']) {
        const entries = (m: Record<string, unknown>) => Object.entries((m[field] as object | undefined) ?? {})
        expect(entries(ours), `${pkg.name} ${field}`).toEqual(entries(pnpms))
        expect(entries(document), `${pkg.name} ${field} in the registry's document`).toEqual(entries(pnpms))
      }
    }
    // the aliases, as pnpm wrote them
    expect((packedManifest('@wide/pn-app', '1.0.0').dependencies as Record<string, string>)['util-two']).toBe('npm:@wide/pn-util@2.x')
    expect((packedManifest('@wide/pn-util', '2.0.0').devDependencies as Record<string, string>)['core-alias']).toBe('npm:@wide/pn-core@^1.2.3')
    expect((packedManifest('@wide/pn-core', '1.2.3').devDependencies as Record<string, string>)['util-folder']).toBe('npm:@wide/pn-util@2.0.0')
    // the fixture is one where pnpm's order is not the file's
    expect(Object.keys(packedManifest('@wide/pn-app', '1.0.0').dependencies as object)).not.toEqual(Object.keys(packages.app.dependencies))
  })

  it('uploads what npm pack packs of each package, byte for byte, but for the rewritten ranges in package.json', async () => {
    const sandbox = loggedIn(registry, 'alice')
    const packages = {
      core: { name: '@wide/same-core', version: '2.1.0', files: ['lib'] },
      util: {
        name: '@wide/same-util',
        dependencies: { '@wide/same-core': 'workspace:*', semver: '^7.0.0' },
        peerDependencies: { '@wide/same-core': 'workspace:^' },
      },
      app: {
        name: '@wide/same-app',
        dependencies: { '@wide/same-util': 'workspace:~', '@wide/same-core': 'workspace:^2.0.0' },
        devDependencies: { '@wide/same-core': 'workspace:*' },
      },
    }
    writeWorkspace(sandbox, packages)
    const core = join(sandbox.cwd, 'packages', 'core')
    mkdirSync(join(core, 'lib'))
    writeFileSync(join(core, 'lib', 'index.js'), 'module.exports = require("./util")\n')
    writeFileSync(join(core, 'lib', 'util.js'), 'module.exports = 2\n')
    writeFileSync(join(core, 'README.md'), '# core\n')
    writeFileSync(join(core, 'notes.txt'), 'not in "files"\n')
    const res = await runPkgs(['publish', '--workspaces', '--json'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ published: 3 })

    const dest = join(sandbox.root, 'npm-packed')
    mkdirSync(dest)
    const packs = await Promise.all(
      Object.keys(packages).map((folder) => runNpm(['pack', '--json', '--pack-destination', dest], sandbox, { cwd: join(sandbox.cwd, 'packages', folder) })),
    )
    for (const [i, pkg] of Object.values(packages).entries()) {
      expect(packs[i].code, packs[i].stderr).toBe(0)
      const version = 'version' in pkg ? pkg.version : '1.0.0'
      const npms = tarEntries(readFileSync(join(dest, JSON.parse(packs[i].stdout)[0].filename)))
      const ours = tarEntries(registry.state.packages.get(pkg.name)!.tarballs.get(`${pkg.name.split('/')[1]}-${version}.tgz`)!)
      expect(
        ours.map((e) => e.path),
        pkg.name,
      ).toEqual(npms.map((e) => e.path))
      ours.forEach((e, j) => {
        if (e.path === 'package/package.json') return
        expect(Buffer.concat([e.header, e.body]).equals(Buffer.concat([npms[j].header, npms[j].body])), e.path).toBe(true)
      })
      // package.json: npm's, but for each workspace: range, which is a range of the registry's
      const [mine, theirs] = [ours, npms].map((t) => JSON.parse(t.find((e) => e.path === 'package/package.json')!.body.toString('utf8')))
      const fields = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']
      const rest = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => !fields.includes(k)))
      expect(Object.keys(mine)).toEqual(Object.keys(theirs))
      expect(rest(mine)).toEqual(rest(theirs))
      for (const field of fields) {
        const [a, b] = [mine, theirs].map((m) => (m[field] ?? {}) as Record<string, string>)
        expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort())
        for (const [name, spec] of Object.entries(b)) {
          if (spec.startsWith('workspace:')) expect(semver.validRange(a[name]), `${pkg.name} ${field} ${name}: ${a[name]}`).not.toBeNull()
          else expect(a[name]).toBe(spec)
        }
      }
    }
    expect(tarEntries(registry.state.packages.get('@wide/same-core')!.tarballs.get('same-core-2.1.0.tgz')!).map((e) => e.path)).not.toContain(
      'package/notes.txt',
    )
  })

  it('in GitHub Actions: two packages not trusted, nothing uploaded, both named with one trust command', async () => {
    for (const n of ['@wide/ci-a', '@wide/ci-b']) registry.seedPackage(n, 'alice', 'public')
    registry.state.packages.get('@wide/ci-a')!.trust.push({
      id: '3f0e8a52-0000-4000-8000-000000000001',
      type: 'github',
      claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } },
      permissions: ['createPackage'],
    })
    const actions = await startActionsIdTokenService((audience) =>
      registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', audience }),
    )
    try {
      const job = makeSandbox(`registry=${registry.url}\n`)
      writeWorkspace(job, { a: { name: '@wide/ci-a', version: '1.1.0' }, b: { name: '@wide/ci-b', version: '1.1.0' }, c: { name: '@wide/ci-c' } })
      const before = registry.mutations().filter((r) => r.method === 'PUT').length
      const res = await runPkgs(['publish', '--workspaces', '--json'], job, { env: actions.env })
      expect(res.code, res.stderr).toBe(3)
      const { error } = json(res)
      expect(error.message).toContain('refused for 2 of 3 packages, so nothing was uploaded')
      expect(error.message).toContain('@wide/ci-b: ')
      expect(error.message).toContain('no trusted publisher of @wide/ci-b matches this job')
      expect(error.message).toContain('@wide/ci-c (not on the registry yet')
      expect(error.hint).toContain('pkgs trust github @wide/ci-b @wide/ci-c --repo acme/widgets --file release.yml --allow-publish')
      expect(registry.mutations().filter((r) => r.method === 'PUT')).toHaveLength(before)
    } finally {
      await actions.close()
    }
  })

  it('--help says what a release does, with its examples', async () => {
    const res = await runPkgs(['publish', '--help'], makeSandbox())
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('pkgs publish -ws --dry-run')
    expect(res.stdout).toContain('pkgs publish -w @acme/core -w packages/ui')
    expect(res.stdout).toMatch(/uploaded after the workspace packages it depends on/)
  })

  it('outside a workspace: exit 2 saying so', async () => {
    const sandbox = loggedIn(registry, 'alice')
    sandbox.writePackageJson({ name: '@wide/alone', version: '1.0.0' })
    const res = await runPkgs(['publish', '--workspaces'], sandbox)
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('is not in a workspace')
  })

  it('a package.json of the workspace that is not JSON: exit 1 naming that file, from the root and from another package', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { a: { name: '@wide/json-a' }, b: { name: '@wide/json-b' } })
    writeFileSync(join(sandbox.cwd, 'packages/b/package.json'), '{"name": "@wide/json-b", "version": ')
    const [root, inPackage] = await Promise.all([
      runPkgs(['publish', '--workspaces', '--json'], sandbox),
      runPkgs(['publish', '-w', '@wide/json-a', '--json'], sandbox, { cwd: join(sandbox.cwd, 'packages/a') }),
    ])
    for (const res of [root, inPackage]) {
      expect(res.code, res.stdout).toBe(1)
      expect(json(res).error).toMatchObject({ code: 'EJSONPARSE', message: expect.stringContaining(join(sandbox.cwd, 'packages/b/package.json')) })
    }
  })

  it('--access on a package already on the registry: a warning, and it keeps its access, as a single publish', async () => {
    const sandbox = loggedIn(registry, 'alice')
    registry.seedPackage('@wide/acc-old', 'alice', 'restricted')
    writeWorkspace(sandbox, { old: { name: '@wide/acc-old', version: '1.1.0' }, new: { name: '@wide/acc-new' } })
    const res = await runPkgs(['publish', '--workspaces', '--access', 'public', '--json'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res).results.map((r: { package: string; access: string }) => [r.package, r.access])).toEqual([
      ['@wide/acc-new', 'public'],
      ['@wide/acc-old', 'restricted'],
    ])
    expect(res.stderr).toContain('@wide/acc-old is already restricted: access is only set at the first publish')
    expect(res.stderr).toContain('pkgs make-public @wide/acc-old')
    expect(res.stderr).not.toContain('@wide/acc-new is already')
  })

  it('a version below the highest release: exit 2 before any upload unless --tag says where it goes, as npm', async () => {
    const sandbox = loggedIn(registry, 'alice')
    registry.seedPackage('@wide/low-old', 'alice')
    writeWorkspace(sandbox, { old: { name: '@wide/low-old', version: '0.9.0' }, other: { name: '@wide/low-other' } })
    const before = registry.mutations().length
    const res = await runPkgs(['publish', '--workspaces', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(json(res).error.message).toContain('@wide/low-old@0.9.0 is lower than the published 1.0.0')
    expect(registry.mutations()).toHaveLength(before)
    const tagged = await runPkgs(['publish', '--workspaces', '--tag', 'legacy', '--json'], sandbox)
    expect(tagged.code, tagged.stderr).toBe(0)
    expect(json(tagged)).toMatchObject({ published: 2 })
    expect(registry.state.packages.get('@wide/low-old')!.doc['dist-tags']).toMatchObject({ latest: '1.0.0', legacy: '0.9.0' })
  })

  it('--provenance with a restricted package: exit 2 before any upload, naming it, as a single publish', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { open: { name: '@wide/prov-open', publishConfig: { access: 'public' } }, closed: { name: '@wide/prov-closed' } })
    const before = registry.mutations().length
    const res = await runPkgs(['publish', '--workspaces', '--provenance', '--dry-run', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(json(res).error.message).toContain('Provenance is only for public packages, and @wide/prov-closed would be restricted')
    expect(registry.mutations()).toHaveLength(before)
  })

  it('--dry-run logged out: one warning for the registry, not one per package', async () => {
    const sandbox = makeSandbox(`@wide:registry=${registry.url}\n`)
    writeWorkspace(sandbox, { a: { name: '@wide/out-a' }, b: { name: '@wide/out-b' }, c: { name: '@wide/out-c' } })
    const res = await runPkgs(['publish', '--workspaces', '--dry-run', '--json'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr.match(/You are not logged in/g)).toHaveLength(1)
    expect(res.stderr).toContain(`You are not logged in to ${registry.url}: a real release would stop here (dry run).`)
  })

  it('in a package folder under the root that the workspace does not list: exit 2, not the release of the workspace around it', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { a: { name: '@wide/around-a' } })
    const tool = join(sandbox.cwd, 'tools', 'x')
    mkdirSync(tool, { recursive: true })
    sandbox.writePackageJson({ name: '@wide/around-tool', version: '1.0.0' }, tool)
    const res = await runPkgs(['publish', '--workspaces', '--dry-run', '--json'], sandbox, { cwd: tool })
    expect(res.code).toBe(2)
    expect(json(res).error.message).toContain(`${tool} is not in a workspace`)
    const inside = await runPkgs(['publish', '--workspaces', '--dry-run', '--json'], sandbox, { cwd: join(sandbox.cwd, 'packages', 'a') })
    expect(inside.code, inside.stderr).toBe(0)
  })

  it('two packages of the workspace with the same name: exit 1 naming both folders, with a hint about names', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { a: { name: '@wide/twin' }, b: { name: '@wide/twin' } })
    const res = await runPkgs(['publish', '--workspaces', '--json'], sandbox)
    expect(res.code).toBe(1)
    expect(json(res).error).toMatchObject({
      code: 'EBADWORKSPACE',
      message: expect.stringContaining(join(sandbox.cwd, 'packages', 'b')),
      hint: expect.stringContaining('a name of its own'),
    })
  })

  it('the plan shows a private package without a version by its name alone', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { a: { name: '@wide/pv-a' }, tool: { name: '@wide/pv-tool', private: true, version: undefined } })
    const res = await runPkgs(['publish', '--workspaces', '--dry-run'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/· @wide\/pv-tool +"private": true \(skipped\)/)
    expect(res.stdout).not.toContain('@wide/pv-tool@')
  })

  it("a package's own mistake (its publishConfig.access) names the package and its folder", async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, { a: { name: '@wide/bad-access-a' }, b: { name: '@wide/bad-access-b', publishConfig: { access: 'secret' } } })
    const res = await runPkgs(['publish', '--workspaces', '--dry-run', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(json(res).error.message).toMatch(/^@wide\/bad-access-b \(packages\/b\): Invalid access "secret"/)
  })

  it('a range on a sibling without a version (a private tool): exit 2 before any upload, not "undefined" in what is uploaded', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, {
      a: { name: '@wide/nov-a', devDependencies: { '@wide/nov-tool': 'workspace:*' } },
      tool: { name: '@wide/nov-tool', private: true, version: undefined },
    })
    const before = registry.mutations().length
    const res = await runPkgs(['publish', '--workspaces', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(json(res).error.message).toContain(`@wide/nov-a's devDependencies (@wide/nov-tool: "workspace:*") needs @wide/nov-tool's version`)
    expect(registry.mutations()).toHaveLength(before)
  })

  it('-w naming no package of a large workspace: the hint says how many it leaves out', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`p${i}`, { name: `@wide/many-${String(i).padStart(2, '0')}` }])))
    const res = await runPkgs(['publish', '-w', 'nope', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(json(res).error.hint).toMatch(/, @wide\/many-\d\d and 3 more\.$/)
  })

  it('-w in a workspace without packages: exit 2 saying it has none', async () => {
    const sandbox = loggedIn(registry, 'alice')
    writeWorkspace(sandbox, {}, { workspaces: ['nothing/*'] })
    const res = await runPkgs(['publish', '-w', 'foo', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(json(res).error.message).toContain('has no packages')
  })
})
