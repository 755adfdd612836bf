// A monorepo's root understood by every command: with no package named there, the commands over
// several packages act on the workspace's packages, each on its own registry (publishConfig.registry,
// else its scope's), never on the root's unscoped name; a command on one package asks which;
// `pkgs trust … --workspaces` trusts the workspace's packages and names those not on the registry yet.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { loggedIn, makeSandbox, nerfDart, runPkgs } from './support/sandbox.js'
import { approvedRun } from './support/approval.js'
import { writeWorkspace } from './support/workspace.js'

let registry: NpmjsRegistry
let other: NpmjsRegistry

beforeAll(async () => {
  const users = [
    { name: 'wendy', password: 'wendy-pw', tfa: 'web' as const },
    { name: 'otto', password: 'otto-pw', tfa: true },
    { name: 'bob', password: 'bob-pw' },
  ]
  registry = await startNpmjsRegistry({ users, paidScopes: ['@wr', '@rt'], orgs: { wr: { members: { wendy: 'owner' } }, rt: { members: { otto: 'owner' } } } })
  other = await startNpmjsRegistry({ users, paidScopes: ['@two'], orgs: { two: { members: { otto: 'owner' } } } })
})
afterAll(async () => {
  await registry?.close()
  await other?.close()
})

const json = (res: { stdout: string }) => JSON.parse(res.stdout)
const trustFlags = ['--repo', 'acme/mono', '--file', 'release.yml', '--allow-publish']

describe('pkgs trust --workspaces', () => {
  it('trusts every package of the workspace under one approval and names those not on the registry yet (exit 1); at the root it needs no flag', async () => {
    for (const n of ['@wr/a', '@wr/b']) registry.seedPackage(n, 'wendy')
    const sandbox = loggedIn(registry, 'wendy')
    writeWorkspace(sandbox, { a: { name: '@wr/a' }, b: { name: '@wr/b' }, fresh: { name: '@wr/fresh' }, tools: { name: '@wr/tools', private: true } })

    const since = registry.requests.length
    const res = await approvedRun(registry, 'wendy', ['trust', 'github', '-ws', ...trustFlags, '--yes', '--json'], sandbox, {
      cwd: join(sandbox.cwd, 'packages', 'a'),
    })
    expect(res.code, res.stderr).toBe(1)
    expect(res.stderr.match(/Authenticate your account/g)).toHaveLength(1)
    const doc = json(res)
    expect(doc.error.message).toContain('@wr/fresh is not on the registry yet')
    expect(doc.error.message).toContain('the other 2 packages are trusted')
    expect(doc.error.hint).toContain('first version needs a token or a staged publish by a person')
    expect(res.stderr).toContain(`@wr/fresh is not on ${registry.url} yet`)
    for (const n of ['@wr/a', '@wr/b']) {
      expect(registry.state.packages.get(n)!.trust).toEqual([
        expect.objectContaining({ type: 'github', claims: expect.objectContaining({ repository: 'acme/mono' }) }),
      ])
    }
    const asked = registry.requests.slice(since).map((r) => decodeURIComponent(r.path))
    expect(asked.some((p) => p.includes('@wr/tools'))).toBe(false)
    expect(asked.some((p) => p.includes('monorepo'))).toBe(false)
    expect(registry.mutations().filter((r) => r.method === 'POST' && r.status < 300 && decodeURIComponent(r.path).includes('/trust'))).toHaveLength(2)

    // at the root, no flag: the same packages; the trusted ones are left alone, the new one named again
    const again = await runPkgs(['trust', 'github', ...trustFlags, '--yes'], sandbox)
    expect(again.code, again.stderr).toBe(1)
    expect(again.stdout).toContain('@wr/a: already trusted')
    expect(again.stderr).toContain('0 trusted, 2 already trusted, 1 not on the registry yet.')
    expect(again.stderr).toContain('@wr/fresh is not on the registry yet, so nothing could trust it; the other 2 packages are trusted.')
    expect(again.stdout + again.stderr).not.toContain('monorepo')
    expect(registry.mutations().filter((r) => r.method === 'POST' && r.status < 300 && decodeURIComponent(r.path).includes('/trust'))).toHaveLength(2)

    // outside a workspace, --workspaces is exit 2 saying so
    const alone = loggedIn(registry, 'wendy')
    alone.writePackageJson({ name: '@wr/a', version: '1.0.0' })
    const outside = await runPkgs(['trust', 'github', '--workspaces', ...trustFlags, '--yes'], alone)
    expect(outside.code).toBe(2)
    expect(outside.stderr).toContain('is not in a workspace')
  })
})

describe('at the root of a workspace', () => {
  /** @rt/a on the first registry (its scope's), @two/x on the other (its publishConfig.registry); the root is private and unscoped. */
  function rootSandbox() {
    registry.seedPackage('@rt/a', 'otto', 'public')
    other.seedPackage('@two/x', 'otto', 'public')
    const sandbox = loggedIn(registry, 'otto', `${nerfDart(other.url)}:_authToken=${other.tokens.otto}\n`)
    writeWorkspace(sandbox, {
      a: { name: '@rt/a' },
      x: { name: '@two/x', publishConfig: { registry: other.url } },
      tools: { name: '@rt/tools', private: true },
    })
    return sandbox
  }
  const notTheRoot = () => [...registry.requests, ...other.requests].filter((r) => /monorepo|tools/.test(decodeURIComponent(r.path)))

  it('access, make-private, make-public, mfa, share and unshare act on its packages, each on its own registry', async () => {
    const sandbox = rootSandbox()
    const access = await runPkgs(['access', '--json'], sandbox)
    expect(access.code, access.stderr).toBe(0)
    expect(json(access).results.map((r: { package: string; registry: string; access: string }) => [r.package, r.registry, r.access])).toEqual([
      ['@rt/a', registry.url, 'public'],
      ['@two/x', other.url, 'public'],
    ])

    const priv = await runPkgs(['make-private', '--otp', '123456', '--json'], sandbox)
    expect(priv.code, priv.stderr).toBe(0)
    expect(json(priv)).toMatchObject({ changed: 2, failed: 0 })
    expect(registry.state.packages.get('@rt/a')!.access).toBe('restricted')
    expect(other.state.packages.get('@two/x')!.access).toBe('restricted')

    const pub = await runPkgs(['make-public', '--yes', '--otp', '123456', '--json'], sandbox)
    expect(pub.code, pub.stderr).toBe(0)
    expect(json(pub)).toMatchObject({ changed: 2, failed: 0 })
    expect(registry.state.packages.get('@rt/a')!.access).toBe('public')
    expect(other.state.packages.get('@two/x')!.access).toBe('public')

    const mfa = await runPkgs(['mfa', 'publish', '--otp', '123456', '--json'], sandbox)
    expect(mfa.code, mfa.stderr).toBe(0)
    expect(json(mfa).results.map((r: { package: string; registry: string }) => [r.package, r.registry])).toEqual([
      ['@rt/a', registry.url],
      ['@two/x', other.url],
    ])

    const share = await runPkgs(['share', 'bob', '--otp', '123456', '--json'], sandbox)
    expect(share.code, share.stderr).toBe(0)
    expect(json(share).results.map((r: { package: string; changed: boolean }) => [r.package, r.changed])).toEqual([
      ['@rt/a', true],
      ['@two/x', true],
    ])
    expect(registry.state.packages.get('@rt/a')!.doc.maintainers?.map((m) => m.name)).toContain('bob')
    expect(other.state.packages.get('@two/x')!.doc.maintainers?.map((m) => m.name)).toContain('bob')
    const unshare = await runPkgs(['unshare', 'bob', '--yes', '--otp', '123456', '--json'], sandbox)
    expect(unshare.code, unshare.stdout).toBe(0)
    expect(registry.state.packages.get('@rt/a')!.doc.maintainers?.map((m) => m.name)).not.toContain('bob')
    expect(other.state.packages.get('@two/x')!.doc.maintainers?.map((m) => m.name)).not.toContain('bob')
    expect(notTheRoot()).toEqual([])
  })

  it('a package not on the registry yet is named as such, with the release to run first, not as missing or private', async () => {
    registry.seedPackage('@rt/old', 'otto', 'public')
    const sandbox = loggedIn(registry, 'otto')
    writeWorkspace(sandbox, { old: { name: '@rt/old' }, young: { name: '@rt/young' } })
    const runs = await Promise.all([
      runPkgs(['access', '--json'], sandbox),
      runPkgs(['make-private', '--otp', '123456', '--json'], sandbox),
      runPkgs(['make-private', '--otp', '123456'], sandbox),
    ])
    for (const res of runs.slice(0, 2)) {
      expect(res.code, res.stderr).toBe(1)
      const young = json(res).results.find((r: { package: string }) => r.package === '@rt/young')
      expect(young.error).toMatchObject({ code: 'E404', message: `@rt/young is not on ${registry.url} yet: it has not been published.` })
      expect(young.error.hint).toContain('pkgs publish --workspaces')
    }
    expect(runs[2].stderr).toContain(`error @rt/young: @rt/young is not on ${registry.url} yet`)
    expect(runs[2].stderr).not.toContain('or it is private')
    expect(registry.state.packages.get('@rt/old')!.access).toBe('restricted')
  })

  it('a command on one package exits 2 naming the packages; publish without --workspaces says to use it', async () => {
    const sandbox = rootSandbox()
    const owners = await runPkgs(['owners'], sandbox)
    expect(owners.code).toBe(2)
    expect(owners.stderr).toContain('is the root of a workspace: name one of its packages (@rt/a, @two/x)')
    expect(owners.stderr).toContain('pkgs owners @rt/a')

    const publish = await runPkgs(['publish', '--json'], sandbox)
    expect(publish.code).toBe(2)
    const { error } = json(publish)
    expect(error.code).toBe('EUSAGE')
    expect(error.message).toContain('publish its packages with --workspaces (2 packages: @rt/a, @two/x)')
    expect(error.hint).toContain('pkgs publish --workspaces')
    // in a package's folder, the package is meant
    const here = await runPkgs(['owners', '--json'], sandbox, { cwd: join(sandbox.cwd, 'packages', 'a') })
    expect(here.code, here.stderr).toBe(0)
    expect(notTheRoot()).toEqual([])
  })

  it('trust -ws --dry-run: the packages on the registry would be trusted, not "are trusted"', async () => {
    registry.seedPackage('@wr/dry-a', 'wendy')
    const sandbox = loggedIn(registry, 'wendy')
    writeWorkspace(sandbox, { a: { name: '@wr/dry-a' }, fresh: { name: '@wr/dry-fresh' } })
    const res = await runPkgs(['trust', 'github', '-ws', ...trustFlags, '--dry-run', '--json'], sandbox)
    expect(res.code).toBe(1)
    expect(json(res).error.message).toBe('@wr/dry-fresh is not on the registry yet, so nothing could trust it; the other package would be trusted.')
  })

  it('doctor reports the workspace: its packages with their scopes and registries, versions not yet published, workspace: ranges that would leak', async () => {
    registry.seedPackage('@rt/d', 'otto')
    const sandbox = loggedIn(registry, 'otto', `${nerfDart(other.url)}:_authToken=${other.tokens.otto}\n`)
    writeWorkspace(sandbox, {
      d: { name: '@rt/d' },
      e: { name: '@rt/e', dependencies: { '@rt/d': 'workspace:^' }, devDependencies: { '@rt/tools': 'workspace:*' } },
      y: { name: '@two/y', publishConfig: { registry: other.url } },
      tools: { name: '@rt/tools', private: true },
    })
    const res = await runPkgs(['doctor', '--json'], sandbox)
    const { checks } = json(res)
    const messages = (id: string) => checks.filter((c: { id: string }) => c.id === id).map((c: { message: string }) => c.message)
    expect(messages('workspace')).toEqual([expect.stringMatching(/^Workspace at .*: 3 packages to publish, 1 private\.$/)])
    expect(messages('workspace-package')).toEqual([
      `@rt/d@1.0.0: @rt → ${registry.url}; 1.0.0 is published.`,
      `@rt/e@1.0.0: @rt → ${registry.url}; not on the registry yet (1.0.0 would be its first version).`,
      `@two/y@1.0.0: @two → ${other.url} (publishConfig.registry); not on the registry yet (1.0.0 would be its first version).`,
    ])
    expect(messages('workspace-release')).toEqual(['2 versions not published yet: pkgs publish --workspaces --dry-run shows the release.'])
    const leak = checks.find((c: { id: string }) => c.id === 'workspace-ranges')
    expect(leak).toMatchObject({ status: 'warn', message: expect.stringContaining('@rt/e has @rt/d: "workspace:^"') })
    expect(leak.message).not.toContain('@rt/tools')
    expect(leak.hint).toContain('pkgs publish --workspaces')

    const text = await runPkgs(['doctor'], sandbox)
    expect(text.stdout).toContain('@rt/e has @rt/d: "workspace:^": plain npm publish uploads these ranges as they are')
  })

  it('doctor: what would stop pkgs publish --workspaces (a range no sibling satisfies, a cycle) is an error, exit 1', async () => {
    const range = loggedIn(registry, 'otto')
    writeWorkspace(range, { a: { name: '@rt/dr-a', version: '2.0.0' }, b: { name: '@rt/dr-b', dependencies: { '@rt/dr-a': '^9.0.0' } } })
    const cycle = loggedIn(registry, 'otto')
    writeWorkspace(cycle, {
      a: { name: '@rt/dc-a', dependencies: { '@rt/dc-b': 'workspace:*' } },
      b: { name: '@rt/dc-b', dependencies: { '@rt/dc-a': 'workspace:*' } },
    })
    const [r, c] = await Promise.all([runPkgs(['doctor', '--json'], range), runPkgs(['doctor', '--json'], cycle)])
    const stops = (res: { stdout: string }) => json(res).checks.filter((check: { id: string }) => check.id === 'workspace-siblings')
    expect(r.code).toBe(1)
    expect(stops(r)).toEqual([
      expect.objectContaining({ status: 'error', message: expect.stringContaining(`@rt/dr-b's dependencies (@rt/dr-a: "^9.0.0") does not match`) }),
    ])
    expect(c.code).toBe(1)
    expect(stops(c)).toEqual([expect.objectContaining({ status: 'error', message: expect.stringContaining('@rt/dc-a → @rt/dc-b → @rt/dc-a') })])
  })

  it('doctor logged out of the registry of its packages: an error naming the login, and no package taken for new', async () => {
    registry.seedPackage('@rt/lo', 'otto')
    const sandbox = makeSandbox(`@rt:registry=${registry.url}\n`)
    writeWorkspace(sandbox, { lo: { name: '@rt/lo' } })
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code).toBe(1)
    const { checks } = json(res)
    expect(checks).toContainEqual(
      expect.objectContaining({
        id: 'credentials',
        status: 'error',
        message: `No credentials for ${registry.url} (the registry of @rt/lo).`,
        hint: 'Log in with: pkgs login --scope @rt',
      }),
    )
    const row = checks.find((c: { id: string }) => c.id === 'workspace-package')
    expect(row.message).toContain('not found without logging in')
    expect(checks.find((c: { id: string }) => c.id === 'workspace-release')).toBeUndefined()
  })

  it('stage approve --all acts on the staged versions of its packages, each on its own registry', async () => {
    registry.seedPackage('@rt/s', 'otto')
    registry.seedPackage('@rt/outsider', 'otto')
    other.seedPackage('@two/s', 'otto')
    const sandbox = loggedIn(registry, 'otto', `${nerfDart(other.url)}:_authToken=${other.tokens.otto}\n`)
    writeWorkspace(sandbox, {
      s: { name: '@rt/s', version: '1.1.0' },
      t: { name: '@two/s', version: '1.1.0', publishConfig: { registry: other.url }, dependencies: { '@rt/s': 'workspace:^' } },
    })
    const staged = await runPkgs(['publish', '-ws', '--stage', '--yes', '--json'], sandbox)
    expect(staged.code, staged.stderr).toBe(0)
    const outside = loggedIn(registry, 'otto')
    outside.writePackageJson({ name: '@rt/outsider', version: '1.1.0' })
    expect((await runPkgs(['publish', '--stage', '--yes'], outside)).code).toBe(0)

    const listed = await runPkgs(['stage', 'ls', '--json'], sandbox)
    expect(listed.code, listed.stderr).toBe(0)
    expect(json(listed).map((i: { packageName: string }) => i.packageName)).toEqual(['@rt/s', '@two/s'])

    const approved = await runPkgs(['stage', 'approve', '--all', '--yes', '--otp', '123456', '--json'], sandbox)
    expect(approved.code, approved.stderr).toBe(0)
    expect(json(approved).results.map((r: { package: string; registry: string; changed: boolean }) => [r.package, r.registry, r.changed])).toEqual([
      ['@rt/s', registry.url, true],
      ['@two/s', other.url, true],
    ])
    expect(registry.state.packages.get('@rt/s')!.doc['dist-tags'].latest).toBe('1.1.0')
    expect(other.state.packages.get('@two/s')!.doc['dist-tags'].latest).toBe('1.1.0')
    // a staged version of a package outside the workspace is left in the queue
    expect([...registry.state.staged.values()].map((s) => s.packageName)).toContain('@rt/outsider')
  })
})
