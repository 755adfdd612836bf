// Every write is a plan: share and unshare over a scope under one browser approval (the real npm
// sees the result), --dry-run on every command that writes (the plan, and no write sent), and a
// registry that answers every third write 429 (with Retry-After and without) slowing a 200-package
// run down without failing it. Against the npmjs-like registry: only it has owners, teams, orgs,
// staging and two-factor approvals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commandModules } from '../src/commands/index.js'
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { approvedRun } from './support/approval.js'
import { makeSandbox, nerfDart, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'

let registry: NpmjsRegistry
const proxies: FaultProxy[] = []
const acme = Array.from({ length: 20 }, (_, i) => `@acme/p${String(i).padStart(2, '0')}`)

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'alice-pw', tfa: 'web' },
      { name: 'bob', password: 'bob-pw' },
      { name: 'rita', password: 'rita-pw' },
    ],
    paidScopes: ['@acme', '@rate', '@slow'],
    orgs: {
      acme: { members: { alice: 'owner', bob: 'developer' }, teams: { devs: ['bob'] } },
      rate: { members: { rita: 'owner' } },
      slow: { members: { rita: 'owner' } },
    },
  })
  for (const name of acme) registry.seedPackage(name, 'alice', 'restricted')
})
afterAll(() => Promise.all([registry?.close(), ...proxies.map((p) => p.close())]))

const as = (user: string, url = registry.url, extra = '') => makeSandbox(`registry=${url}\n${nerfDart(url)}:_authToken=${registry.tokens[user]}\n${extra}`)

const approved = (args: string[], sandbox: Sandbox) => approvedRun(registry, 'alice', args, sandbox, { timeoutMs: 30_000 })

const owners = (name: string) => registry.state.packages.get(name)!.doc.maintainers.map((m: { name: string }) => m.name)
const writesSince = (mark: number) => registry.requests.slice(mark).filter((r) => r.method !== 'GET' && !r.path.startsWith('/-/v1/auth/'))

describe('share and unshare over a scope', () => {
  it('shares with a user across 20 packages under one approval, npm owner ls agrees, a re-run changes nothing, and unshare asks first', async () => {
    const alice = as('alice')
    const shared = await approved(['share', 'bob', '--scope', '@acme', '--json'], alice)
    expect(shared.code, shared.stderr).toBe(0)
    expect(shared.approvals).toBe(1)
    // the first write met the challenge; the other 19 waited for its approval instead of being refused too
    expect(shared.challenged).toBe(1)
    const doc = JSON.parse(shared.stdout)
    expect(doc).toMatchObject({ grantee: 'bob', changed: 20, unchanged: 0, failed: 0 })
    expect(doc.results.map((r: { package: string }) => r.package)).toEqual(acme)
    for (const name of acme) expect(owners(name)).toEqual(['alice', 'bob'])
    const npmOwners = await runNpm(['owner', 'ls', acme[7]], alice)
    expect(npmOwners.stdout).toMatch(/^bob <bob@/m)

    const mark = registry.requests.length
    const again = await runPkgs(['share', 'bob', '--scope', '@acme', '--json'], alice)
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: 0, unchanged: 20 })
    expect(writesSince(mark)).toEqual([])

    const refused = await runPkgs(['unshare', 'bob', '--scope', '@acme'], alice)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('A plan that takes access away needs a confirmation')
    expect(refused.stderr).toContain('--yes')
    for (const name of acme) expect(owners(name)).toEqual(['alice', 'bob'])

    const removed = await approved(['unshare', 'bob', '--scope', '@acme', '--yes'], alice)
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.approvals).toBe(1)
    expect(removed.stdout.trim().split('\n')).toEqual(acme.map((n) => `${n}: bob is no longer an owner.`))
    expect(removed.stderr).toContain('✔ 20 unshared, 0 not shared.')
    for (const name of acme) expect(owners(name)).toEqual(['alice'])
  })

  it("grants a team read-write on several packages under one approval, as npm's collaborators list shows; unshare's dry run lists the revokes", async () => {
    const alice = as('alice')
    const some = acme.slice(0, 5)
    const granted = await approved(['share', '@acme:devs', ...some, '--read-write', '--json'], alice)
    expect(granted.code, granted.stderr).toBe(0)
    expect(granted.approvals).toBe(1)
    expect(JSON.parse(granted.stdout).results).toEqual(
      some.map((name) => ({ package: name, registry: registry.url, grantee: '@acme:devs', permissions: 'read-write', changed: true })),
    )
    const collaborators = await runNpm(['access', 'list', 'collaborators', some[3], '--json'], alice)
    expect(JSON.parse(collaborators.stdout)).toMatchObject({ bob: 'read-write' })

    const mark = registry.requests.length
    const plan = await runPkgs(['unshare', '@acme:devs', '--scope', '@acme', '--dry-run'], alice)
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout.trim().split('\n')).toEqual(some.map((n) => `- ${n} grant @acme:devs read-write`))
    expect(plan.stderr).toContain('5 changes (5 to remove). Dry run: nothing was sent.')
    expect(writesSince(mark)).toEqual([])
  })
})

describe('--dry-run', () => {
  /** Each command that writes, asked for a change it would make, with the kind of change its plan shows. */
  const cases: [args: string[], kind: string, action: string][] = [
    [['make-public', acme[0]], 'access', 'change'],
    [['make-private', '--scope', '@acme'], 'access', 'change'],
    [['mfa', 'publish', acme[1]], 'mfa', 'change'],
    [['trust', 'github', acme[2], '--repo', 'acme/mono', '--file', 'release.yml', '--allow-publish'], 'trust', 'add'],
    [['share', 'bob', acme[3]], 'owner', 'add'],
    [['unshare', 'bob', acme[4], acme[5]], 'owner', 'remove'],
    [['team', 'create', '@acme:qa'], 'team', 'add'],
    [['team', 'destroy', '@acme:devs'], 'team', 'remove'],
    [['team', 'add', '@acme:devs', 'alice'], 'team-member', 'add'],
    [['team', 'rm', '@acme:devs', 'bob'], 'team-member', 'remove'],
    [['org', 'set', 'acme', 'bob', 'admin'], 'org-member', 'change'],
    [['org', 'rm', 'acme', 'bob'], 'org-member', 'remove'],
    [['stage', 'approve', '--all'], 'stage', 'change'],
    [['stage', 'reject', '--scope', '@acme'], 'stage', 'remove'],
  ]

  it('on every command that writes: the plan as JSON and as text, exit 0, and no write sent', async () => {
    // a version waits in the staging queue for stage approve|reject to plan for
    registry.state.packages.get(acme[0])!.access = 'restricted'
    registry.state.packages.get(acme[6])!.access = 'public'
    for (const name of [acme[4], acme[5]]) registry.state.packages.get(name)!.doc.maintainers.push({ name: 'bob', email: 'bob@example.com' })
    registry.state.staged.set('1b7e8f2a-0000-4000-8000-000000000001', {
      id: '1b7e8f2a-0000-4000-8000-000000000001',
      packageName: acme[6],
      version: '1.1.0',
      tag: 'latest',
      createdAt: new Date().toISOString(),
      actor: 'alice',
      actorType: 'user',
      shasum: 'x',
      stagedBy: 'alice',
      body: {},
    })
    const alice = as('alice')
    const mark = registry.requests.length
    const runs = await Promise.all(cases.map(([args]) => runPkgs([...args, '--dry-run', '--json'], alice)))
    runs.forEach((res, i) => {
      const [args, kind, action] = cases[i]
      expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0)
      const doc = JSON.parse(res.stdout)
      expect(doc.dryRun, args.join(' ')).toBe(true)
      expect(doc.changes.length, args.join(' ')).toBeGreaterThan(0)
      for (const c of doc.changes) expect(c, args.join(' ')).toMatchObject({ kind, action, target: expect.any(String) })
    })
    expect(writesSince(mark)).toEqual([])
    expect(registry.state.staged.size).toBe(1)

    const text = await runPkgs(['make-public', acme[0], acme[1], '--dry-run'], alice)
    expect(text.stdout).toBe(`~ ${acme[0]} access private → public\n~ ${acme[1]} access private → public\n`)
    expect(text.stderr).toContain('2 changes (2 to change). Dry run: nothing was sent.')
    expect(writesSince(mark)).toEqual([])
  })

  it('is an option of every command that writes to a registry, and of no other', async () => {
    const writers = new Set(cases.map(([args]) => (['team', 'org', 'stage', 'trust'].includes(args[0]) ? `${args[0]} ${args[1]}` : args[0])))
    writers.add('trust gitlab').add('trust circleci').add('trust revoke').add('publish').add('offboard').add('policy apply')
    const withDryRun: string[] = []
    for (const [name, load] of Object.entries(commandModules)) {
      const def = (await load()).default
      const commands = 'commands' in def ? def.commands.map((c) => [`${name} ${c.name}`, c] as const) : [[name, def] as const]
      for (const [full, c] of commands) if (Object.values(c.options ?? {}).some((o) => (o as { flags: string }).flags === '--dry-run')) withDryRun.push(full)
    }
    expect(withDryRun.sort()).toEqual([...writers].sort())
  })
})

describe('a registry that pushes back', () => {
  /** The scope's packages, public, behind a proxy that answers every third write 429 with these headers. */
  async function rateLimited(scope: string, count: number, headers: Record<string, string>): Promise<{ names: string[]; sandbox: Sandbox; proxy: FaultProxy }> {
    const names = Array.from({ length: count }, (_, i) => `${scope}/r${String(i).padStart(3, '0')}`)
    for (const name of names) registry.seedPackage(name, 'rita', 'public')
    const proxy = await startFaultProxy(registry.url)
    proxies.push(proxy)
    let writes = 0
    proxy.arm({ kind: 'status', status: 429, headers }, { match: (method) => method !== 'GET' && ++writes % 3 === 0 })
    // npm's backoff settings, small: the waits of a run without Retry-After
    return { names, sandbox: as('rita', proxy.url, 'fetch-retry-mintimeout=10\nfetch-retry-maxtimeout=100\n'), proxy }
  }

  for (const [label, headers] of [
    ['with Retry-After: 0', { 'retry-after': '0' }],
    ['without Retry-After', {}],
  ] as const) {
    it(`every third write answered 429 ${label}: all 200 packages end changed, exit 0`, async () => {
      const { names, sandbox, proxy } = await rateLimited(label.startsWith('with ') ? '@rate' : '@slow', 200, headers)
      const res = await runPkgs(['make-private', '--scope', label.startsWith('with ') ? '@rate' : '@slow', '--json'], sandbox, { timeoutMs: 60_000 })
      expect(res.code, res.stderr).toBe(0)
      expect(JSON.parse(res.stdout)).toMatchObject({ changed: 200, failed: 0, skipped: 0 })
      for (const name of names) expect(registry.state.packages.get(name)!.access).toBe('restricted')
      const refused = proxy.requests.filter((r) => r.fault === 'status').length
      expect(refused).toBeGreaterThanOrEqual(66)
      expect(res.stderr).toMatch(new RegExp(`The registry asked to slow down ${refused} times; waited \\d+\\.\\d s in all\\.`))
    })
  }

  it('waits as long as Retry-After says before sending the refused write again', async () => {
    const { names, sandbox, proxy } = await rateLimited('@rate', 0, { 'retry-after': '1' })
    const few = ['@rate/w1', '@rate/w2', '@rate/w3']
    for (const name of few) registry.seedPackage(name, 'rita', 'public')
    const res = await runPkgs(['make-private', ...few, ...names, '--json'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ changed: 3 })
    expect(res.stderr).toMatch(/The registry asked to slow down 1 time; waited 1\.\d s in all\./)
    const writes = proxy.requests.filter((r) => r.method !== 'GET')
    expect(writes.map((r) => r.fault)).toEqual([undefined, undefined, 'status', undefined])
  })
})
