// Bulk runs under faults: make-public, make-private, mfa and trust over a scope of packages on the
// npmjs-like registry (behind the fault-injecting proxy), some of whose requests fail — a 500 to
// one package's write, a 502 to another's read, a connection reset on a third's write — and one
// 503, which is waited out and sent again. The report
// has a correct line for each package, the run ends in exit 1, and running it again finishes the
// rest without touching what was done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js'
import { startNpmjsRegistry, type NpmjsRegistry, type StoredPackage } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runPkgs, type Sandbox } from './support/sandbox.js'

let registry: NpmjsRegistry
const proxies: FaultProxy[] = []
const scopes = ['@bpub', '@bpriv', '@bmfa', '@btrust', '@btext']

beforeAll(async () => {
  const orgs = Object.fromEntries(scopes.map((s) => [s.slice(1), { members: { alice: 'owner' as const } }]))
  registry = await startNpmjsRegistry({ users: [{ name: 'alice', password: 'alice-pw' }], paidScopes: scopes, orgs })
})
afterAll(() => Promise.all([registry?.close(), ...proxies.map((p) => p.close())]))

/** Logged in through a proxy of its own; no retries, so that each injected failure is the answer. */
async function alice(): Promise<{ sandbox: Sandbox; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(registry.url)
  proxies.push(proxy)
  const sandbox = makeSandbox(`registry=${proxy.url}\n${nerfDart(proxy.url)}:_authToken=${registry.tokens.alice}\nfetch-retries=0\nfetch-timeout=5000\n`)
  return { sandbox, proxy }
}

const enc = (name: string) => name.replace('/', '%2f')
const names = (scope: string) => ['p1', 'p2', 'p3', 'p4', 'p5'].map((p) => `${scope}/${p}`)

interface BulkCase {
  command: string
  scope: string
  args: string[]
  access: StoredPackage['access']
  /** the request that changes a package */
  write: (name: string) => (method: string, path: string) => boolean
  /** the read before it, if the command reads each package first */
  read?: (name: string) => (method: string, path: string) => boolean
  /** npmjs tells no package's current 2FA policy: mfa sends it to every package again, each "changed" */
  resends?: boolean
  /** the package is as the command leaves it */
  done: (name: string) => boolean
}

const bulk: BulkCase[] = [
  {
    command: 'make-public',
    scope: '@bpub',
    args: ['make-public', '--scope', '@bpub', '--yes', '--json'],
    access: 'restricted',
    write: (n) => (m, p) => m === 'POST' && p === `/-/package/${enc(n)}/access`,
    read: (n) => (m, p) => m === 'GET' && p.startsWith(`/-/package/${enc(n)}/visibility`),
    done: (n) => registry.state.packages.get(n)?.access === 'public',
  },
  {
    command: 'make-private',
    scope: '@bpriv',
    args: ['make-private', '--scope', '@bpriv', '--yes', '--json'],
    access: 'public',
    write: (n) => (m, p) => m === 'POST' && p === `/-/package/${enc(n)}/access`,
    read: (n) => (m, p) => m === 'GET' && p.startsWith(`/-/package/${enc(n)}/visibility`),
    done: (n) => registry.state.packages.get(n)?.access === 'restricted',
  },
  {
    command: 'mfa',
    scope: '@bmfa',
    args: ['mfa', 'publish', '--scope', '@bmfa', '--yes', '--json'],
    access: 'restricted',
    resends: true,
    write: (n) => (m, p) => m === 'POST' && p === `/-/package/${enc(n)}/access`,
    done: (n) => registry.state.packages.get(n)?.mfa.publish_requires_tfa === true,
  },
  {
    command: 'trust',
    scope: '@btrust',
    args: ['trust', 'github', '--scope', '@btrust', '--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes', '--json'],
    access: 'restricted',
    write: (n) => (m, p) => m === 'POST' && p === `/-/package/${enc(n)}/trust`,
    read: (n) => (m, p) => m === 'GET' && p === `/-/package/${enc(n)}/trust`,
    done: (n) => (registry.state.packages.get(n)?.trust.length ?? 0) === 1,
  },
]

interface Result {
  package: string
  changed?: boolean
  error?: { code: string; message: string; hint?: string }
}

describe.concurrent('bulk runs under faults', () => {
  it.each(bulk.map((c) => [c.command, c] as const))('%s over a scope: a report per package, exit 1, and a re-run completes the rest', async (_, c) => {
    const all = names(c.scope)
    for (const n of all) registry.seedPackage(n, 'alice', c.access)
    const [p1, p2, p3, p4, p5] = all
    const { sandbox, proxy } = await alice()
    // p2's write is answered 500, p3's read (or write, for mfa, which reads nothing first) 502, p4's write reset before an answer;
    // p5's write 503, which is the registry asking to wait: waited out and sent again
    registry.failNext(c.write(p2), 500, { error: 'internal trouble' })
    registry.failNext((c.read ?? c.write)(p3), 502, { error: 'bad gateway' })
    registry.failNext(c.write(p5), 503, { error: 'try later' })
    proxy.arm({ kind: 'reset' }, { times: 1, match: c.write(p4) })
    const first = await runPkgs(c.args, sandbox, { timeoutMs: 30_000 })
    expect(first.code, first.stderr).toBe(1)
    expect(first.stderr).not.toMatch(/^\s+at /m)
    const doc = JSON.parse(first.stdout) as { results: Result[]; failed: number; error: { code: string; hint: string } }
    expect(doc.results.map((r) => r.package)).toEqual(all)
    const byName = Object.fromEntries(doc.results.map((r) => [r.package, r]))
    expect(byName[p2].error?.code).toBe('E500')
    expect(byName[p2].error?.message).toContain('internal trouble')
    expect(byName[p3].error?.code).toBe('E502')
    expect(byName[p4].error?.code).toBe('ECONNRESET')
    for (const n of [p2, p3, p4]) expect(byName[n].error?.message, n).toContain(proxy.url.replace(/\/$/, ''))
    for (const n of [p1, p5]) expect(byName[n], n).toMatchObject({ changed: true })
    for (const n of [p1, p5]) expect(byName[n].error, n).toBeUndefined()
    expect(doc.failed).toBe(3)
    expect(doc.error.code).toBe('EPARTIAL')
    expect(doc.error.hint).toContain('Run the same command again')
    expect(all.map(c.done)).toEqual([true, false, false, false, true])

    const mark = registry.requests.length
    const second = await runPkgs(c.args, sandbox, { timeoutMs: 30_000 })
    expect(second.code, second.stderr).toBe(0)
    const again = (JSON.parse(second.stdout) as { results: Result[] }).results
    expect(again.map((r) => [r.package, r.changed, r.error])).toEqual(all.map((n) => [n, c.resends || [p2, p3, p4].includes(n), undefined]))
    expect(all.map(c.done)).toEqual([true, true, true, true, true])
    // nothing is written again for the packages the first run did (but the policy mfa cannot read)
    const writes = registry.requests.slice(mark).filter((r) => r.method !== 'GET')
    for (const n of [p1, p5]) expect(writes.filter((r) => c.write(n)(r.method, r.path))).toHaveLength(c.resends ? 1 : 0)
  })

  it('without --json each package has its line, the failed ones naming the registry, then one summary', async () => {
    const all = names('@btext')
    for (const n of all) registry.seedPackage(n, 'alice', 'restricted')
    registry.failNext((m, p) => m === 'POST' && p === `/-/package/${enc(all[1])}/access`, 502)
    const { sandbox, proxy } = await alice()
    const res = await runPkgs(['make-public', '--scope', '@btext', '--yes'], sandbox)
    expect(res.code).toBe(1)
    expect(res.stdout.trim().split('\n')).toEqual(all.filter((n) => n !== all[1]).map((n) => `${n}: public`))
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('error '))
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^error ${all[1]}: .*${proxy.url.replace(/\/$/, '')}.*502`)), 'error 1 of 5 packages failed.'])
  })
})
