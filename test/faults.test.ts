// Every command family against a registry that fails: a fault-injecting proxy (real HTTP) in
// front of the npmjs-like registry and Verdaccio. A transient fault on a read recovers as npm
// does; a lasting one ends in exit 1 with one message naming the registry, in bounded time, with
// no stack trace, no secret and nothing half-written. npm's retry settings in the sandbox's
// .npmrc are honoured, which is what keeps this table to seconds.
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { startFaultProxy, refusingRegistry, type Fault, type FaultProxy } from './support/fault-proxy.js'
import { startNpmjsRegistry, usualUsers, type NpmjsRegistry } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runPkgs, type RunResult, type Sandbox } from './support/sandbox.js'

// the table's runs wait on the network, mostly: more of them at once than vitest's default five
vi.setConfig({ maxConcurrency: 10 })

const verdaccio = inject('verdaccio')
let registry: NpmjsRegistry
const proxies: FaultProxy[] = []

beforeAll(async () => {
  registry = await startNpmjsRegistry({ users: usualUsers, paidScopes: ['@acme'], orgs: { acme: { members: { alice: 'owner', bob: 'developer' } } } })
})
afterAll(() => Promise.all([registry?.close(), ...proxies.map((p) => p.close())]))

/**
 * npm's own retry and timeout settings, small: two retries 50-200 ms apart; no answer in 1 s is a
 * timeout where no answer is the fault, in 10 s elsewhere (a loaded machine can take seconds for a
 * packument of several MB, or for a write)
 */
const retries = (fetchTimeoutMs = 10_000) => `fetch-retries=2\nfetch-retry-mintimeout=50\nfetch-retry-maxtimeout=200\nfetch-timeout=${fetchTimeoutMs}\n`

type Family = 'read' | 'write' | 'publish' | 'bulk'

interface CommandCase {
  name: string
  family: Family
  upstream: 'npmjs' | 'verdaccio'
  /** packages this case works on, made before it runs (each case has its own) */
  setup(id: string, sandbox: Sandbox): Promise<void> | void
  args(id: string): string[]
  /** nothing the failed run should have changed on the registry has changed */
  unchanged?(id: string): void
}

const pkg = (id: string, n = '') => `@acme/f-${id}${n}`

const commands: CommandCase[] = [
  { name: 'whoami', family: 'read', upstream: 'npmjs', setup: () => {}, args: () => ['whoami'] },
  { name: 'whoami (Verdaccio)', family: 'read', upstream: 'verdaccio', setup: () => {}, args: () => ['whoami'] },
  { name: 'owners', family: 'read', upstream: 'npmjs', setup: (id) => registry.seedPackage(pkg(id), 'alice'), args: (id) => ['owners', pkg(id)] },
  { name: 'access', family: 'read', upstream: 'npmjs', setup: (id) => registry.seedPackage(pkg(id), 'alice'), args: (id) => ['access', pkg(id)] },
  { name: 'ls', family: 'read', upstream: 'npmjs', setup: () => {}, args: () => ['ls', 'alice'] },
  {
    name: 'share',
    family: 'write',
    upstream: 'npmjs',
    setup: (id) => registry.seedPackage(pkg(id), 'alice'),
    args: (id) => ['share', 'bob', pkg(id)],
    unchanged: (id) => expect(registry.state.packages.get(pkg(id))?.doc.maintainers.map((m) => m.name)).not.toContain('bob'),
  },
  {
    name: 'make-private',
    family: 'write',
    upstream: 'npmjs',
    setup: (id) => registry.seedPackage(pkg(id), 'alice', 'public'),
    args: (id) => ['make-private', pkg(id), '--yes'],
    unchanged: (id) => expect(registry.state.packages.get(pkg(id))?.access).toBe('public'),
  },
  {
    name: 'publish',
    family: 'publish',
    upstream: 'npmjs',
    setup: (id, sandbox) => {
      sandbox.writePackageJson({ name: pkg(id), version: '1.0.0', main: 'index.js' })
      writeFileSync(join(sandbox.cwd, 'index.js'), 'module.exports = 1\n')
    },
    args: () => ['publish'],
    unchanged: (id) => expect(registry.state.packages.has(pkg(id))).toBe(false),
  },
  {
    name: 'publish (Verdaccio)',
    family: 'publish',
    upstream: 'verdaccio',
    setup: (id, sandbox) => {
      sandbox.writePackageJson({ name: pkg(id), version: '1.0.0', main: 'index.js' })
      writeFileSync(join(sandbox.cwd, 'index.js'), 'module.exports = 1\n')
    },
    args: () => ['publish'],
  },
  {
    name: 'make-private over 3 packages',
    family: 'bulk',
    upstream: 'npmjs',
    setup: (id) => ['a', 'b', 'c'].forEach((n) => registry.seedPackage(pkg(id, n), 'alice', 'public')),
    args: (id) => ['make-private', pkg(id, 'a'), pkg(id, 'b'), pkg(id, 'c'), '--yes'],
    unchanged: (id) => ['a', 'b', 'c'].forEach((n) => expect(registry.state.packages.get(pkg(id, n))?.access).toBe('public')),
  },
]

interface FaultCase {
  name: string
  /** the fault, for as long as it lasts; refused: the registry's port is closed */
  fault: Fault | 'refused'
  /** how many requests get it (a transient fault); default: every one */
  times?: number
  /** the message must say this, and must not say that */
  said?: RegExp
  notSaid?: RegExp
}

/** Faults that last: the command fails, says so once and names the registry. */
const lasting: FaultCase[] = [
  { name: 'connection refused', fault: 'refused', said: /Cannot reach .*ECONNREFUSED/ },
  { name: 'reset before an answer', fault: { kind: 'reset' }, said: /ECONNRESET/ },
  { name: 'body cut off mid-way', fault: { kind: 'cut' }, said: /cut off/, notSaid: /cannot reach/i },
  { name: 'no answer past fetch-timeout', fault: { kind: 'hang' }, said: /did not answer in time|ETIMEDOUT|timed? ?out/i },
  { name: '503 lasting', fault: { kind: 'status', status: 503 }, said: /503/ },
  { name: '429 lasting', fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } }, said: /429/ },
  { name: 'broken JSON', fault: { kind: 'badjson' }, notSaid: /cannot reach/i },
  { name: 'an HTML page', fault: { kind: 'html' }, notSaid: /cannot reach/i },
]
/** Faults that pass: the command succeeds as npm would, after retrying. */
const passing: FaultCase[] = [
  { name: '500 then success', fault: { kind: 'status', status: 500 }, times: 1 },
  { name: '502 twice then success', fault: { kind: 'status', status: 502 }, times: 2 },
  { name: '503 then success', fault: { kind: 'status', status: 503 }, times: 1 },
  { name: '429 with Retry-After then success', fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, times: 1 },
  { name: 'reset then success', fault: { kind: 'reset' }, times: 1 },
  { name: 'a packument of several MB', fault: { kind: 'big' } },
]
const recovers = new Set(passing)
const byName = (...names: string[]) => [...lasting, ...passing].filter((f) => names.includes(f.name))

/**
 * Which faults each command meets: whoami on both registries and access every one; owners and ls,
 * which read through the same request layer, a reset, a cut-off answer, broken JSON and a
 * transient 503; writes, publish and bulk every lasting one and one transient.
 */
function faultsFor(c: CommandCase): FaultCase[] {
  if (c.name === 'owners' || c.name === 'ls') return byName('reset before an answer', 'body cut off mid-way', 'broken JSON', '503 then success')
  if (c.family === 'read') return [...lasting, ...passing]
  if (c.upstream === 'verdaccio') return byName('body cut off mid-way', 'an HTML page', '503 then success')
  return [...lasting, ...byName('503 then success', 'a packument of several MB')]
}

function secretsOf(upstream: CommandCase['upstream']): string[] {
  return upstream === 'npmjs' ? [registry.tokens.alice] : [verdaccio.users.alice.token]
}

/** A handful of runs at a time: the machine has two cores and other tests. */
function limit(n: number) {
  let active = 0
  const waiting: (() => void)[] = []
  return async <T>(job: () => Promise<T>): Promise<T> => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r))
    active++
    try {
      return await job()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}
const slot = limit(8)

interface Outcome {
  result: RunResult
  ms: number
  url: string
  sandbox: Sandbox
  npmrcBefore: string
  proxy?: FaultProxy
}

async function runCase(c: CommandCase, f: FaultCase, id: string): Promise<Outcome> {
  const upstreamUrl = c.upstream === 'npmjs' ? registry.url : verdaccio.url
  let proxy: FaultProxy | undefined
  let url: string
  if (f.fault === 'refused') url = await refusingRegistry()
  else {
    proxy = await startFaultProxy(upstreamUrl)
    proxies.push(proxy)
    url = proxy.url
  }
  const token = secretsOf(c.upstream)[0]
  const sandbox = makeSandbox(
    `registry=${url}\n${nerfDart(url)}:_authToken=${token}\n${retries(f.fault !== 'refused' && f.fault.kind === 'hang' ? 1000 : undefined)}`,
  )
  await c.setup(id, sandbox)
  if (proxy && f.fault !== 'refused') proxy.arm(f.fault, { times: f.times })
  const npmrcBefore = sandbox.readNpmrc()
  const start = Date.now()
  const result = await slot(() => runPkgs(c.args(id), sandbox, { timeoutMs: 25_000 }))
  return { result, ms: Date.now() - start, url, sandbox, npmrcBefore, proxy }
}

let n = 0
const cases = commands.flatMap((c) => faultsFor(c).map((f) => ({ c, f, id: `${(n++).toString(36)}${Math.random().toString(36).slice(2, 6)}` })))

describe.concurrent('every command family against every fault', () => {
  it.each(cases.map((x) => [`${x.c.name} × ${x.f.name}`, x] as const))('%s', async (_, { c, f, id }) => {
    const { result, ms, url, sandbox, npmrcBefore } = await runCase(c, f, id)
    const { code, stdout, stderr } = result
    const said = stdout + stderr
    // bounded: the retries and the timeout of the .npmrc (seconds), not npm's defaults (minutes);
    // generous, as a loaded 2-core machine runs these many at a time
    expect(ms, said).toBeLessThan(45_000)
    // never a stack trace, never a secret
    expect(stderr).not.toMatch(/^\s+at .+[:(]\d+/m)
    for (const secret of secretsOf(c.upstream)) expect(said).not.toContain(secret)
    // nothing half-written here: the .npmrc as it was, no temporary files left
    expect(sandbox.readNpmrc()).toBe(npmrcBefore)
    expect(readdirSync(sandbox.cwd).filter((name) => !['package.json', 'index.js'].includes(name))).toEqual([])
    if (recovers.has(f)) {
      expect(code, said).toBe(0)
      return
    }
    expect(code, said).toBe(1)
    c.unchanged?.(id)
    const errors = stderr.split('\n').filter((l) => l.startsWith('error '))
    const registry = url.replace(/\/$/, '')
    if (c.family === 'bulk') {
      // a line for each package, naming the registry, and the run's one summary
      const packages = c.args(id).filter((a) => a.startsWith('@'))
      expect(errors, stderr).toHaveLength(packages.length + 1)
      packages.forEach((name, i) => expect(errors[i]).toMatch(new RegExp(`^error ${name}: .*${registry}`)))
      expect(errors[packages.length]).toBe(`error ${packages.length} of ${packages.length} packages failed.`)
    } else {
      expect(errors, stderr).toHaveLength(1)
      expect(errors[0]).toContain(registry)
    }
    for (const line of errors.slice(0, -1).concat(c.family === 'bulk' ? [] : errors)) {
      if (f.said) expect(line).toMatch(f.said)
      if (f.notSaid) expect(line).not.toMatch(f.notSaid)
    }
  })
})

describe.concurrent("npm's retry settings are honoured", () => {
  async function whoamiWith(npmrc: string, fault: Fault, times: number) {
    const proxy = await startFaultProxy(registry.url)
    proxies.push(proxy)
    const sandbox = makeSandbox(`registry=${proxy.url}\n${nerfDart(proxy.url)}:_authToken=${registry.tokens.alice}\n${npmrc}`)
    proxy.arm(fault, { times })
    const res = await runPkgs(['whoami'], sandbox)
    return { res, attempts: proxy.requests.filter((r) => r.path === '/-/whoami').length }
  }

  it('fetch-retries=3: a read answered 503 three times succeeds on the fourth; fetch-retries=0: the first 503 is the answer', async () => {
    const [three, none] = await Promise.all([
      whoamiWith('fetch-retries=3\nfetch-retry-mintimeout=20\nfetch-retry-maxtimeout=50\n', { kind: 'status', status: 503 }, 3),
      whoamiWith('fetch-retries=0\n', { kind: 'status', status: 503 }, 1),
    ])
    expect(three.res.code, three.res.stderr).toBe(0)
    expect(three.res.stdout).toBe('alice\n')
    expect(three.attempts).toBe(4)
    expect(none.res.code).toBe(1)
    expect(none.attempts).toBe(1)
  })

  it('fetch-retry-mintimeout is waited for between tries; left unset, a dead registry is reported in seconds', async () => {
    const timed = async (npmrc: string) => {
      const start = Date.now()
      const { res } = await whoamiWith(npmrc, { kind: 'status', status: 503 }, 1)
      expect(res.code, res.stderr).toBe(0)
      return Date.now() - start
    }
    expect(await timed('fetch-retries=1\nfetch-retry-mintimeout=2000\nfetch-retry-maxtimeout=2000\n')).toBeGreaterThanOrEqual(2000)
    const dead = await refusingRegistry()
    const sandbox = makeSandbox(`registry=${dead}\n${nerfDart(dead)}:_authToken=${registry.tokens.alice}\n`)
    const start = Date.now()
    const res = await runPkgs(['whoami'], sandbox)
    expect(res.code, res.stderr).toBe(1)
    expect(Date.now() - start).toBeLessThan(30_000)
  })

  it("a write's retries follow them too: a publish whose upload is answered 503 twice goes through with fetch-retries=2", async () => {
    const proxy = await startFaultProxy(registry.url)
    proxies.push(proxy)
    const name = '@acme/f-retried-upload'
    const sandbox = makeSandbox(`registry=${proxy.url}\n${nerfDart(proxy.url)}:_authToken=${registry.tokens.alice}\n${retries()}`)
    sandbox.writePackageJson({ name, version: '1.0.0' })
    proxy.arm({ kind: 'status', status: 503 }, { times: 2, match: (method) => method === 'PUT' })
    const res = await runPkgs(['publish'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(proxy.requests.filter((r) => r.method === 'PUT')).toHaveLength(3)
    expect(registry.state.packages.get(name)?.doc['dist-tags'].latest).toBe('1.0.0')
  })
})
