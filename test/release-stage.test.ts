// A workspace's release staged (pkgs publish -ws --stage) and approved as a set (pkgs stage
// approve): every version staged, then approved in dependency order under one browser approval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stagedDependencies } from '../src/core/stage.js'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { loggedIn, runPkgs } from './support/sandbox.js'
import { approvedRun } from './support/approval.js'
import { writeWorkspace } from './support/workspace.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [{ name: 'wendy', password: 'wendy-pw', tfa: 'web' }],
    paidScopes: ['@st'],
    orgs: { st: { members: { wendy: 'owner' } } },
  })
})
afterAll(() => registry?.close())

const json = (res: { stdout: string }) => JSON.parse(res.stdout)

/** core ← left ← app, core ← right ← app, each at 1.1.0 (1.0.0 is on the registry: only a package that exists has a staging queue). */
function diamond(prefix: string) {
  const n = (x: string) => `@st/${prefix}-${x}`
  for (const x of ['core', 'left', 'right', 'app']) registry.seedPackage(n(x), 'wendy')
  return {
    names: { core: n('core'), left: n('left'), right: n('right'), app: n('app') },
    packages: {
      app: { name: n('app'), version: '1.1.0', dependencies: { [n('left')]: 'workspace:^', [n('right')]: 'workspace:^' } },
      core: { name: n('core'), version: '1.1.0' },
      left: { name: n('left'), version: '1.1.0', dependencies: { [n('core')]: 'workspace:*' } },
      right: { name: n('right'), version: '1.1.0', peerDependencies: { [n('core')]: 'workspace:^' } },
    },
  }
}

/** The packages whose staged versions were approved, in the order the registry was asked. */
function approvalOrder(since: number, ids: Map<string, string>): string[] {
  return registry.requests
    .slice(since)
    .filter((r) => r.method === 'POST' && /\/approve$/.test(r.path) && r.status === 200)
    .map((r) => ids.get(r.path.split('/')[3])!)
}

/** The diamond staged as a workspace release by wendy: the run's JSON, and each stage id's package. */
async function stagedDiamond(prefix: string) {
  const { names, packages } = diamond(prefix)
  const sandbox = loggedIn(registry, 'wendy')
  writeWorkspace(sandbox, packages)
  const staged = await runPkgs(['publish', '-ws', '--stage', '--yes', '--json'], sandbox)
  expect(staged.code, staged.stderr).toBe(0)
  const doc = json(staged)
  const ids = new Map<string, string>(doc.results.map((r: { stageId: string; package: string }) => [r.stageId, r.package]))
  return { names, sandbox, staged, doc, ids }
}

/** `pkgs stage approve …` approved in the browser: the run, and the packages in the order the registry approved them. */
async function approve(args: string[], staging: Awaited<ReturnType<typeof stagedDiamond>>, cwd?: string) {
  const since = registry.requests.length
  const approved = await approvedRun(registry, 'wendy', ['stage', 'approve', ...args, '--yes', '--json'], staging.sandbox, { cwd })
  expect(approved.code, approved.stderr).toBe(0)
  expect(approved.stderr.match(/Authenticate your account/g)).toHaveLength(1)
  return { approved, order: approvalOrder(since, staging.ids) }
}

describe('a staged workspace release', () => {
  it('pkgs publish -ws --stage stages every package; stage approve --all approves them in dependency order under one approval', async () => {
    const staging = await stagedDiamond('a')
    const { names, staged, doc } = staging
    expect(doc).toMatchObject({ dryRun: false, published: 4, failed: 0, notAttempted: 0 })
    expect(doc.results.map((r: { state: string }) => r.state)).toEqual(['staged', 'staged', 'staged', 'staged'])
    for (const r of doc.results) expect(r.stageId).toMatch(/^[0-9a-f-]{36}$/)
    expect(staged.stderr.match(/Authenticate your account/g) ?? []).toHaveLength(0)
    // nothing is published until approved
    for (const name of Object.values(names)) expect(Object.keys(registry.state.packages.get(name)!.doc.versions)).toEqual(['1.0.0'])
    expect([...registry.state.staged.values()].filter((s) => s.packageName.startsWith('@st/a-')).map((s) => s.version)).toEqual([
      '1.1.0',
      '1.1.0',
      '1.1.0',
      '1.1.0',
    ])

    const { approved, order } = await approve(['--all'], staging)
    expect(json(approved)).toMatchObject({ changed: 4, failed: 0 })
    expect(order).toHaveLength(4)
    expect(order[0]).toBe(names.core)
    expect(order.slice(1, 3).sort()).toEqual([names.left, names.right].sort())
    expect(order[3]).toBe(names.app)
    for (const name of Object.values(names)) expect(registry.state.packages.get(name)!.doc['dist-tags'].latest).toBe('1.1.0')
  })

  it('stage approve of versions named in any order approves what they depend on first', async () => {
    const staging = await stagedDiamond('b')
    const { names } = staging
    const specs = [names.app, names.right, names.left, names.core].map((n) => `${n}@1.1.0`)
    const { approved, order } = await approve(specs, staging, `${staging.sandbox.cwd}/packages/app`)
    expect(order[0]).toBe(names.core)
    expect(order[3]).toBe(names.app)
    // the results keep the order they were named in
    expect(json(approved).results.map((r: { package: string }) => r.package)).toEqual([names.app, names.right, names.left, names.core])
  })
})

describe('the dependencies of a staged version', () => {
  const item = { id: '3f2b8c1e-0000-4000-8000-000000000001', packageName: '@st/app', version: '1.1.0' }
  it('come from the staged manifest when the list gives it (its dependency maps, or a manifest field)', () => {
    expect(stagedDependencies({ ...item, dependencies: { '@st/core': '^1.0.0' }, peerDependencies: { '@st/ui': '^1.0.0', '@st/core': '^1.0.0' } })).toEqual([
      '@st/core',
      '@st/ui',
    ])
    expect(stagedDependencies({ ...item, manifest: { optionalDependencies: { '@st/opt': '1.0.0' } } })).toEqual(['@st/opt'])
  })
  it('are unknown when it does not (then the workspace is read)', () => {
    expect(stagedDependencies(item)).toBeUndefined()
  })
})
