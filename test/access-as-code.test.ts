// Access as code: pkgs report (who can do what), pkgs offboard (a person's access taken away in
// one run) and pkgs policy (an org's access in a file: export, plan, apply), against the
// npmjs-like registry with its browser two-factor flow, without a terminal, in text and JSON.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy } from './support/fault-proxy.js'
import { startNpmjsRegistry, type NpmjsRegistry, type Team } from './support/npmjs-registry.js'
import { approvedRun } from './support/approval.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { makeSandbox, nerfDart, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((name) => ({
      name,
      password: `${name}-pw`,
      ...(name === 'alice' ? { tfa: 'web' as const } : {}),
    })),
    paidScopes: ['@acme', '@off', '@pol', '@fix'],
    orgs: {
      acme: { members: { alice: 'owner', bob: 'developer', carol: 'developer' }, teams: { developers: ['alice'], devs: ['bob'], readers: ['carol'] } },
      off: { members: { alice: 'owner', bob: 'admin', carol: 'developer' }, teams: { developers: ['alice'], core: ['bob', 'carol'], docs: ['bob'] } },
      pol: { members: { alice: 'owner', bob: 'developer', carol: 'developer' }, teams: { developers: ['alice'], devs: ['bob'], old: ['carol'] } },
      fix: { members: { alice: 'owner', bob: 'admin', dave: 'developer' }, teams: { developers: ['alice', 'bob'], web: ['dave'] } },
    },
  })
})
afterAll(() => registry?.close())

const as = (user: string) => makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens[user]}\n`)

const approved = (args: string[], sandbox: Sandbox) => approvedRun(registry, 'alice', args, sandbox)

const writesSince = (mark: number) => registry.requests.slice(mark).filter((r) => r.method !== 'GET' && !r.path.startsWith('/-/v1/auth/'))
const owners = (name: string) => registry.state.packages.get(name)!.doc.maintainers.map((m) => m.name)
const team = (org: string, name: string): Team | undefined => registry.state.orgs.get(org)!.teams.get(name)
const addOwner = (name: string, user: string) => registry.state.packages.get(name)!.doc.maintainers.push({ name: user, email: `${user}@example.com` })

describe('pkgs report', () => {
  beforeAll(() => {
    for (const name of ['@acme/api', '@acme/cli', '@acme/site', '@acme/web'])
      registry.seedPackage(name, 'alice', name === '@acme/site' ? 'public' : 'restricted')
    team('acme', 'devs')!.packages.set('@acme/api', 'read-write')
    team('acme', 'readers')!.packages.set('@acme/web', 'read-only')
    addOwner('@acme/cli', 'frank')
    registry.state.packages.get('@acme/api')!.trust.push({
      id: 't-1',
      type: 'github',
      claims: { repository: 'acme/api', workflow_ref: { file: 'release.yml' } },
      permissions: ['createPackage'],
    })
  })

  it('gives one row per package and the findings, as JSON, reading only', async () => {
    const mark = registry.requests.length
    const res = await runPkgs(['report', 'acme', '--json'], as('alice'))
    expect(res.code, res.stderr).toBe(0)
    const doc = JSON.parse(res.stdout)
    expect(doc.org).toBe('@acme')
    expect(doc.packages).toEqual([
      {
        package: '@acme/api',
        access: 'restricted',
        publishers: ['alice', 'bob'],
        installers: ['alice', 'bob'],
        trust: ['github acme/api release.yml (publish)'],
      },
      { package: '@acme/cli', access: 'restricted', publishers: ['alice', 'frank'], installers: ['alice', 'frank'], trust: [] },
      { package: '@acme/site', access: 'public', publishers: ['alice'], installers: 'everyone', trust: [] },
      { package: '@acme/web', access: 'restricted', publishers: ['alice'], installers: ['alice', 'carol'], trust: [] },
    ])
    const findings = doc.findings.map((f: { kind: string; package: string; user?: string }) => `${f.kind} ${f.package}${f.user ? ` ${f.user}` : ''}`)
    expect(findings.sort()).toEqual(
      [
        'sole-publisher @acme/site alice',
        'sole-publisher @acme/web alice',
        'no-trusted-publisher @acme/cli',
        'no-trusted-publisher @acme/site',
        'no-trusted-publisher @acme/web',
        'owner-outside-org @acme/cli frank',
        'public-in-private-scope @acme/site',
      ].sort(),
    )
    expect(writesSince(mark)).toEqual([])
  })

  it('prints csv, markdown and a table that fits without a terminal', async () => {
    const alice = as('alice')
    const [csv, md, table] = await Promise.all([
      runPkgs(['report', '@acme', '--format', 'csv'], alice),
      runPkgs(['report', 'acme', '--format', 'markdown'], alice),
      runPkgs(['report', 'acme'], alice),
    ])
    expect(csv.code, csv.stderr).toBe(0)
    expect(csv.stdout.split('\n').slice(0, 2)).toEqual([
      'package,access,publish,install,trusted_publishers',
      '@acme/api,restricted,alice bob,alice bob,github acme/api release.yml (publish)',
    ])
    expect(md.stdout).toContain('| @acme/site | public | alice | everyone | - |')
    expect(md.stdout).toContain('- `@acme/cli`: owner frank is not a member of @acme')
    expect(table.stdout).toMatch(/^PACKAGE\s+ACCESS\s+PUBLISH\s+INSTALL\s+TRUSTED PUBLISHERS$/m)
    expect(table.stdout).toContain('Findings (7):')
    const bad = await runPkgs(['report', 'acme', '--format', 'xml'], alice)
    expect(bad.code).toBe(2)
  })
})

describe('pkgs offboard', () => {
  beforeAll(() => {
    registry.seedPackage('@off/shared', 'alice')
    addOwner('@off/shared', 'bob')
    registry.seedPackage('@off/solo', 'bob')
    team('off', 'core')!.packages.set('@off/shared', 'read-write')
  })

  it('plans ownership, teams, membership; asks first; applies under one approval; keeps what bob owns alone until --to; then has nothing to do', async () => {
    const alice = as('alice')
    const mark = registry.requests.length
    const [dry, refused, lastOwner] = await Promise.all([
      runPkgs(['offboard', 'bob', '--org', 'off', '--dry-run', '--json'], alice),
      runPkgs(['offboard', 'bob', '--org', 'off'], alice),
      runPkgs(['offboard', 'alice', '--org', 'off', '--yes'], alice),
    ])
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      kept: ['@off/solo'],
      changes: [
        { kind: 'owner', target: '@off/shared', action: 'remove', from: 'bob' },
        { kind: 'team-member', target: '@off:core', action: 'remove', from: 'bob' },
        { kind: 'team-member', target: '@off:docs', action: 'remove', from: 'bob' },
        { kind: 'org-member', target: 'off', action: 'remove', from: 'bob admin' },
      ],
    })
    expect(dry.stderr).toContain('bob is the only owner of @off/solo: it is kept.')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--yes')
    expect(lastOwner.code).toBe(1)
    expect(lastOwner.stderr).toContain('alice is the only owner of off')
    expect(writesSince(mark)).toEqual([])

    const applied = await approved(['offboard', 'bob', '--org', 'off', '--yes'], alice)
    expect(applied.code, applied.stderr).toBe(1)
    expect(applied.approvals).toBe(1)
    expect(applied.stderr).toContain('bob still owns @off/solo alone: it was kept.')
    expect(applied.stderr).toContain('--to <user>')
    expect(owners('@off/shared')).toEqual(['alice'])
    expect(owners('@off/solo')).toEqual(['bob'])
    expect(team('off', 'core')!.members.has('bob')).toBe(false)
    expect(registry.state.orgs.get('off')!.members.has('bob')).toBe(false)
    // the order: ownership, then teams, then the membership
    const writes = writesSince(mark).map((r) => `${r.method} ${r.path}`)
    expect(writes.findIndex((w) => w.startsWith('DELETE /-/org/'))).toBe(writes.length - 1)

    const handed = await approved(['offboard', 'bob', '--org', 'off', '--to', 'carol', '--yes', '--json'], alice)
    expect(handed.code, handed.stderr).toBe(0)
    expect(JSON.parse(handed.stdout).changes).toEqual([
      { kind: 'owner', target: '@off/solo', action: 'add', to: 'carol' },
      { kind: 'owner', target: '@off/solo', action: 'remove', from: 'bob' },
    ])
    expect(owners('@off/solo')).toEqual(['carol'])
    const npmOwners = await runNpm(['owner', 'ls', '@off/solo'], alice)
    expect(npmOwners.stdout).toMatch(/^carol </m)

    const again = registry.requests.length
    const nothing = await runPkgs(['offboard', 'bob', '--org', 'off', '--json'], alice)
    expect(nothing.code, nothing.stderr).toBe(0)
    expect(JSON.parse(nothing.stdout)).toEqual({ org: 'off', user: 'bob', changes: [], kept: [] })
    expect(writesSince(again)).toEqual([])
  })
})

describe('pkgs offboard on a terminal', () => {
  it('shows the whole plan before asking, the owner --to adds as well as what is taken away; no: exit 2, nothing sent', async () => {
    registry.seedPackage('@acme/franks', 'frank')
    const mark = registry.requests.length
    const pty = runPkgsInPty(['offboard', 'frank', '--org', 'acme', '--to', 'dave'], as('alice'))
    await pty.waitFor('Apply these 3 changes?')
    expect(pty.output()).toContain('Offboarding frank from acme:\n  - @acme/cli owner frank\n  + @acme/franks owner dave\n  - @acme/franks owner frank\n')
    pty.write('n' + keys.enter)
    expect(await pty.exit).toBe(2)
    expect(writesSince(mark)).toEqual([])
    expect(owners('@acme/franks')).toEqual(['frank'])
  })
})

describe('a change that fails', () => {
  /** alice, through a proxy that answers 400 to the writes `match` picks */
  async function refusing(match: (method: string, path: string) => boolean) {
    const proxy = await startFaultProxy(registry.url)
    proxy.arm({ kind: 'status', status: 400 }, { match })
    const sandbox = makeSandbox(`registry=${proxy.url}\n${nerfDart(proxy.url)}:_authToken=${registry.tokens.alice}\n`)
    return { proxy, sandbox }
  }

  it('is named with its reason on a line of its own by offboard, and what waited for it is not attempted; exit 1', async () => {
    const { proxy, sandbox } = await refusing((method, path) => method === 'DELETE' && path.startsWith('/-/team/acme/readers/user'))
    try {
      const res = await approved(['offboard', 'carol', '--org', 'acme', '--yes'], sandbox)
      expect(res.code, res.stderr).toBe(1)
      expect(res.stderr).toMatch(/^error - @acme:readers team-member carol: .*injected 400/m)
      expect(res.stderr).toMatch(/^error - acme org-member carol developer: Not attempted/m)
      expect(registry.state.orgs.get('acme')!.members.has('carol')).toBe(true)
    } finally {
      await proxy.close()
    }
  })

  it('is named with its reason on a line of its own by policy apply, the others applied; exit 1', async () => {
    const { proxy, sandbox } = await refusing((method, path) => method === 'PUT' && path.startsWith('/-/team/acme/devs/user'))
    try {
      writeFileSync(join(sandbox.cwd, 'pkgs-policy.yaml'), 'org: acme\nteams:\n  devs:\n    members: [bob, alice]\n  qa:\n    description: QA\n')
      const res = await approved(['policy', 'apply', '--yes'], sandbox)
      expect(res.code, res.stderr).toBe(1)
      expect(res.stderr).toMatch(/^error \+ @acme:devs team-member alice: .*injected 400/m)
      expect(res.stderr).toContain('1 of 2 changes failed.')
      expect(team('acme', 'qa')).toMatchObject({ description: 'QA' })
    } finally {
      await proxy.close()
    }
  })
})

describe('pkgs policy', () => {
  const policy = `# who may do what in @pol
org: pol
members:
  alice: owner
  bob: developer
  dave: developer # joins
teams:
  devs:
    members: [bob, dave]
    packages:
      "@pol/*": read-write
      "@pol/site": read-only
  qa:
    description: Tests
    members: [dave]
    packages:
      "@pol/a": read-only
  old: null
packages:
  "@pol/*":
    access: restricted
    maintainers: [alice, bob]
  "@pol/site":
    access: public
`
  beforeAll(() => {
    for (const name of ['@pol/a', '@pol/b', '@pol/site']) registry.seedPackage(name, 'alice')
  })

  const inFolder = (text: string, file = 'pkgs-policy.yaml') => {
    const sandbox = as('alice')
    writeFileSync(join(sandbox.cwd, file), text)
    return sandbox
  }

  it('plans (nothing written, --check exit 1), applies in the safe order under one approval, then plans to nothing', async () => {
    const alice = inFolder(policy)
    const mark = registry.requests.length
    const [plan, check, text, refused, dry, dryText] = await Promise.all([
      runPkgs(['policy', 'plan', '--json'], alice),
      runPkgs(['policy', 'plan', '--check'], alice),
      runPkgs(['policy', 'plan'], alice),
      runPkgs(['policy', 'apply'], alice),
      runPkgs(['policy', 'apply', '--dry-run', '--json'], alice),
      runPkgs(['policy', 'apply', '--dry-run'], alice),
    ])
    expect(plan.code, plan.stderr).toBe(0)
    const doc = JSON.parse(plan.stdout)
    expect(doc.changes.map((c: Record<string, string>) => `${c.action} ${c.target} ${c.kind} ${c.from ?? ''}${c.to ?? ''}`)).toEqual([
      'add pol org-member dave developer',
      'remove pol org-member carol developer',
      'add @pol:devs team-member dave',
      'add @pol/a grant @pol:devs read-write',
      'add @pol/b grant @pol:devs read-write',
      'add @pol/site grant @pol:devs read-only',
      'add @pol:qa team Tests',
      'add @pol:qa team-member dave',
      'add @pol/a grant @pol:qa read-only',
      'remove @pol:old team ',
      'add @pol/a owner bob',
      'add @pol/b owner bob',
      'change @pol/site access privatepublic',
      'add @pol/site owner bob',
    ])
    expect(doc.summary).toEqual({ changes: 14, becomingPublic: 1, losingAccess: ['carol'] })
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('pol differs from pkgs-policy.yaml: 14 changes pending.')
    expect(text.stdout).toMatch(/^Members:\n {2}\+ pol org-member dave developer\n {2}- pol org-member carol developer\nTeams:\n/)
    expect(text.stderr).toContain('14 changes (11 to add, 1 to change, 2 to remove). 1 package would become public; 1 person would lose access (carol).')
    expect(refused.code).toBe(2)
    // apply's dry run: the same plan, grouped as plan prints it, exit 0
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, changes: doc.changes, summary: doc.summary })
    expect(dryText.code, dryText.stderr).toBe(0)
    expect(dryText.stdout).toBe(text.stdout)
    expect(dryText.stderr).toContain('1 person would lose access (carol). Dry run: nothing was sent.')
    expect(writesSince(mark)).toEqual([])

    const applied = await approved(['policy', 'apply', '--yes', '--json'], alice)
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.approvals).toBe(1)
    expect(JSON.parse(applied.stdout).changes.filter((c: { error?: unknown }) => c.error)).toEqual([])
    const org = registry.state.orgs.get('pol')!
    expect(Object.fromEntries(org.members)).toEqual({ alice: 'owner', bob: 'developer', dave: 'developer' })
    expect([...team('pol', 'devs')!.members].sort()).toEqual(['bob', 'dave'])
    expect(Object.fromEntries(team('pol', 'devs')!.packages)).toEqual({ '@pol/a': 'read-write', '@pol/b': 'read-write', '@pol/site': 'read-only' })
    expect(team('pol', 'qa')).toMatchObject({ description: 'Tests', members: new Set(['dave']) })
    expect(org.teams.has('old')).toBe(false)
    expect(registry.state.packages.get('@pol/site')!.access).toBe('public')
    for (const name of ['@pol/a', '@pol/b', '@pol/site']) expect(owners(name)).toEqual(['alice', 'bob'])
    // the safe order: dave joins the org before his teams, a team exists before its members and grants
    const writes = writesSince(mark).map((r) => `${r.method} ${decodeURIComponent(r.path)} ${JSON.stringify(r.body ?? '')}`)
    const at = (re: RegExp) => writes.findIndex((w) => re.test(w))
    expect(at(/^PUT \/-\/org\/pol\/user .*dave/)).toBeLessThan(at(/^PUT \/-\/team\/pol\/devs\/user .*dave/))
    expect(at(/^PUT \/-\/org\/pol\/team .*qa/)).toBeLessThan(at(/^PUT \/-\/team\/pol\/qa\/user/))
    expect(at(/^PUT \/-\/org\/pol\/team .*qa/)).toBeLessThan(at(/^PUT \/-\/team\/pol\/qa\/package/))
    const collaborators = await runNpm(['access', 'list', 'collaborators', '@pol/a', '--json'], alice)
    expect(JSON.parse(collaborators.stdout)).toMatchObject({ alice: 'read-write', bob: 'read-write', dave: 'read-write' })

    const after = registry.requests.length
    const [again, checked] = await Promise.all([runPkgs(['policy', 'plan', '--json'], alice), runPkgs(['policy', 'apply', '--json'], alice)])
    expect(JSON.parse(again.stdout).changes).toEqual([])
    expect(checked.code, checked.stderr).toBe(0)
    expect(JSON.parse(checked.stdout).changes).toEqual([])
    expect(writesSince(after)).toEqual([])
  })

  it('exports any org as a fixed point (export, then plan: nothing), keeping the comments of the file it rewrites; .json too', async () => {
    registry.seedPackage('@fix/app', 'alice')
    registry.seedPackage('@fix/lib', 'alice', 'public')
    addOwner('@fix/lib', 'bob')
    team('fix', 'web')!.packages.set('@fix/app', 'read-only')
    registry.state.packages.get('@fix/app')!.trust.push({
      id: 't-2',
      type: 'github',
      claims: { repository: 'fix/app', workflow_ref: { file: 'release.yml' }, environment: 'prod' },
      permissions: ['createPackage', 'createStagedPackage'],
    })
    const alice = inFolder('# reviewed by the platform team\norg: fix # the org\nmembers:\n  dave: developer # on call\n  alice: owner\n  zoe: admin\n')
    const exported = await runPkgs(['policy', 'export', 'fix'], alice)
    expect(exported.code, exported.stderr).toBe(0)
    const text = readFileSync(join(alice.cwd, 'pkgs-policy.yaml'), 'utf8')
    expect(text).toContain('# reviewed by the platform team')
    expect(text).toContain('org: fix # the org')
    // the file's order and comments inside a section too: who is there keeps their line, who joined comes last, who left goes
    expect(text).toContain('members:\n  dave: developer # on call\n  alice: owner\n  bob: admin\n')
    expect(text).toMatch(/mfa: not exported/)
    expect(text).toContain('env: prod')
    const plan = await runPkgs(['policy', 'plan', '--check', '--json'], alice)
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(JSON.parse(plan.stdout).changes).toEqual([])
    expect(Object.keys(JSON.parse(plan.stdout))).toEqual(['file', 'org', 'registry', 'changes', 'mfa', 'notes', 'summary'])
    const asJson = await runPkgs(['policy', 'export', '@fix', '--file', 'fix.json'], alice)
    expect(asJson.code, asJson.stderr).toBe(0)
    const fromJson = await runPkgs(['policy', 'plan', 'fix.json', '--check'], alice)
    expect(fromJson.code, fromJson.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(alice.cwd, 'fix.json'), 'utf8')).members).toEqual({ alice: 'owner', bob: 'admin', dave: 'developer' })

    // the file's registry is the one asked, over the configured default (nothing answers there)
    const elsewhere = makeSandbox(`registry=http://127.0.0.1:9/\n${nerfDart(registry.url)}:_authToken=${registry.tokens.alice}\n`)
    writeFileSync(join(elsewhere.cwd, 'fix.json'), readFileSync(join(alice.cwd, 'fix.json')))
    const fromFile = await runPkgs(['policy', 'plan', 'fix.json', '--check', '--json'], elsewhere)
    expect(fromFile.code, fromFile.stderr).toBe(0)
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ registry: registry.url, changes: [] })
    // and --registry over the file's
    const flag = await runPkgs(['policy', 'plan', 'fix.json', '--registry', 'http://127.0.0.1:9/'], elsewhere)
    expect(flag.code, flag.stderr).toBe(3)
    expect(flag.stderr).toContain('127.0.0.1:9')
  })

  it('refuses a mistake in the file with exit 2 naming file, line and key, before any request that writes', async () => {
    const cases: [string, string][] = [
      [policy.replace('    members: [bob, dave]', '    member: [bob, dave]'), 'pkgs-policy.yaml:9: teams.devs.member: unknown key "member".'],
      [policy.replace('access: public', 'access: open'), 'pkgs-policy.yaml:24: packages.@pol/site.access: "open" is not one of restricted, public.'],
      [
        policy.replace('"@pol/a": read-only', '"@pol/nope": read-only'),
        'pkgs-policy.yaml:17: teams.qa.packages.@pol/nope: no package of @pol matches "@pol/nope".',
      ],
      [
        policy.replace('maintainers: [alice, bob]', 'maintainers: [alice, zed]'),
        'pkgs-policy.yaml:22: packages.@pol/*.maintainers.1: there is no user "zed" on the registry.',
      ],
      ['org: pol\nmembers: [alice\n', 'pkgs-policy.yaml:3: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ]
    const mark = registry.requests.length
    for (const [text, message] of cases) {
      const res = await runPkgs(['policy', 'plan'], inFolder(text))
      expect(res.code, res.stderr).toBe(2)
      expect(res.stderr).toContain(message)
    }
    const json = await runPkgs(['policy', 'apply', '--yes', '--json'], inFolder(cases[0][0]))
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'EUSAGE', message: expect.stringContaining('teams.devs.member') })
    expect(writesSince(mark)).toEqual([])
    const missing = await runPkgs(['policy', 'plan'], as('alice'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('pkgs policy export <org>')
  })

  it('asks before applying any plan, one that only adds too: without a terminal --yes, exit 2 otherwise and nothing sent', async () => {
    const alice = inFolder('org: pol\nteams:\n  extra:\n    description: More\n')
    const mark = registry.requests.length
    const [refused, dry] = await Promise.all([runPkgs(['policy', 'apply'], alice), runPkgs(['policy', 'apply', '--dry-run', '--json'], alice)])
    expect(refused.code).toBe(2)
    expect(refused.stdout).toContain('+ @pol:extra team More')
    expect(refused.stderr).toContain('Applying a policy needs a confirmation')
    expect(refused.stderr).toContain('--yes')
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout).changes).toEqual([{ kind: 'team', target: '@pol:extra', action: 'add', to: 'More' }])
    expect(writesSince(mark)).toEqual([])
    expect(team('pol', 'extra')).toBeUndefined()
  })

  it('never removes the last owner of the org, even when the file leaves them out', async () => {
    const res = await runPkgs(['policy', 'plan', '--json'], inFolder('org: pol\nmembers:\n  bob: developer\n  dave: developer\n'))
    expect(res.code, res.stderr).toBe(0)
    const doc = JSON.parse(res.stdout)
    expect(doc.changes.filter((c: { from?: string }) => c.from?.startsWith('alice'))).toEqual([])
    expect(doc.notes).toEqual(['alice stays owner of pol: the file names no owner, and an organisation is never left without one.'])
  })
})
