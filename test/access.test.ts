// pkgs make-public / make-private / access / mfa on the npmjs-like registry (the real npm as the
// second client and as the reference for the requests), on Verdaccio (exit 4), and on a terminal.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry, type RecordedRequest } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, makeSandbox, nerfDart, runNpm, runPkgs, runPkgsReadingOneLine } from './support/sandbox.js'

let registry: NpmjsRegistry
let second: NpmjsRegistry
const verdaccio = inject('verdaccio')

beforeAll(async () => {
  const users = [
    { name: 'alice', password: 'alice-pw' },
    { name: 'otto', password: 'otto-pw', tfa: true as const },
  ]
  ;[registry, second] = await Promise.all([
    startNpmjsRegistry({
      users,
      paidScopes: ['@acme', '@big', '@otto', '@alice', '@pipe'],
      orgs: { acme: { members: { alice: 'owner' } }, big: { members: { alice: 'owner' } }, pipe: { members: { alice: 'owner' } } },
    }),
    startNpmjsRegistry({ users, paidScopes: ['@far'], orgs: { far: { members: { alice: 'owner' } } } }),
  ])
  for (let i = 0; i < 200; i++) registry.seedPackage(`@big/p${String(i).padStart(3, '0')}`, 'alice', 'public')
})
afterAll(() => Promise.all([registry?.close(), second?.close()]))

function json(res: { stdout: string }) {
  return JSON.parse(res.stdout)
}

function accessPosts(reg: NpmjsRegistry, name: string): Pick<RecordedRequest, 'method' | 'path' | 'body'>[] {
  const path = `/-/package/${name.replace('/', '%2f')}/access`
  return reg.requests.filter((r) => r.method === 'POST' && r.path === path).map(({ method, path, body }) => ({ method, path, body }))
}

describe.concurrent('make-public, make-private, access on an npmjs-like registry', () => {
  it('make-public lets an anonymous npm read the package, make-private stops it; same requests as npm access set', async () => {
    const name = '@acme/flip'
    registry.seedPackage(name, 'alice')
    registry.seedPackage('@acme/flip-npm', 'alice')
    const alice = loggedIn(registry, 'alice')
    const anonymous = makeSandbox(`registry=${registry.url}\n`)
    expect((await runNpm(['view', name, 'version'], anonymous)).code).not.toBe(0)

    const pub = await runPkgs(['make-public', name, '--yes', '--json'], alice)
    expect(pub.code, pub.stderr).toBe(0)
    expect(json(pub)).toMatchObject({ access: 'public', results: [{ package: name, access: 'public', changed: true }], changed: 1, failed: 0 })
    expect((await runNpm(['view', name, 'version'], anonymous)).stdout.trim()).toBe('1.0.0')
    const status = await runPkgs(['access', name], alice)
    expect(status.stdout).toBe(`${name}: public\n`)

    const priv = await runPkgs(['make-private', name], alice)
    expect(priv.code, priv.stderr).toBe(0)
    expect(priv.stdout).toBe(`${name}: private\n`)
    expect((await runNpm(['view', name, 'version'], anonymous)).code).not.toBe(0)

    await runNpm(['access', 'set', 'status=public', '@acme/flip-npm'], alice)
    await runNpm(['access', 'set', 'status=private', '@acme/flip-npm'], alice)
    const ours = accessPosts(registry, name).map((r) => ({ ...r, path: r.path.replace('flip', 'X') }))
    const npms = accessPosts(registry, '@acme/flip-npm').map((r) => ({ ...r, path: r.path.replace('flip-npm', 'X') }))
    expect(ours).toEqual(npms)
    expect(ours.map((r) => r.body)).toEqual([{ access: 'public' }, { access: 'restricted' }])
  })

  it('not logged in, a private package is "log in" (exit 3), not "ask an owner": access, owners, collaborators', async () => {
    const name = '@acme/hidden'
    registry.seedPackage(name, 'alice')
    const anonymous = makeSandbox(`registry=${registry.url}\n`)
    const runs = [
      ['access', name],
      ['owners', name],
      ['collaborators', name],
    ]
    const results = await Promise.all(runs.map((args) => runPkgs([...args, '--json'], anonymous)))
    results.forEach((res, i) => {
      expect(res.code, runs[i].join(' ')).toBe(3)
      expect(json(res).error, runs[i].join(' ')).toEqual({
        code: 'ENEEDAUTH',
        message: `${name} was not found on ${registry.url}: you are not logged in, and a private package is found only by those who may read it.`,
        hint: `Log in with: pkgs login --registry ${registry.url}`,
      })
    })
    // logged in without access, it is still "ask an owner"
    const outsider = await runPkgs(['owners', name, '--json'], loggedIn(registry, 'otto'))
    expect(outsider.code).toBe(1)
    expect(json(outsider).error.hint).toContain(`ask an owner to run \`pkgs share <your-user> ${name}\``)
  })

  it('an unscoped package not found is only that: never "or it is private"', async () => {
    const [known, anonymous] = await Promise.all([
      runPkgs(['access', 'no-such-unscoped', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['access', 'no-such-unscoped', '--json'], makeSandbox(`registry=${registry.url}\n`)),
    ])
    for (const res of [known, anonymous]) {
      expect(res.code).toBe(1)
      expect(json(res).error).toMatchObject({ code: 'E404', message: `no-such-unscoped was not found on ${registry.url}.` })
      expect(JSON.stringify(json(res).error)).not.toContain('private')
    }
  })

  it('already as asked: exit 0, changed false, nothing sent', async () => {
    const name = '@acme/already'
    registry.seedPackage(name, 'alice')
    const res = await runPkgs(['make-private', name, '--json'], loggedIn(registry, 'alice'))
    expect(res.code, res.stderr).toBe(0)
    expect(json(res).results).toEqual([{ package: name, registry: registry.url, access: 'private', changed: false }])
    expect(accessPosts(registry, name)).toEqual([])
  })

  it('changes a package on its own scope registry, not the default one', async () => {
    second.seedPackage('@far/thing', 'alice')
    const sandbox = loggedIn(registry, 'alice', `@far:registry=${second.url}\n${nerfDart(second.url)}:_authToken=${second.tokens.alice}\n`)
    const res = await runPkgs(['make-public', '@far/thing', '--yes'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(second.state.packages.get('@far/thing')?.access).toBe('public')
    expect(accessPosts(registry, '@far/thing')).toEqual([])
  })

  it('without a terminal make-public needs --yes; unscoped packages and no package at all are exit 2; no request either way', async () => {
    registry.seedPackage('@acme/asked', 'alice')
    const [noYes, unscoped, unnamed, unnamedMfa] = await Promise.all([
      runPkgs(['make-public', '@acme/asked', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['make-private', 'lodash-like', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['make-private', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['mfa', 'publish', '--json'], loggedIn(registry, 'alice')),
    ])
    // no package named and no package.json: the hint shows the command itself
    expect([unnamed.code, json(unnamed).error.hint]).toEqual([2, 'e.g. pkgs make-private @acme/widgets'])
    expect([unnamedMfa.code, json(unnamedMfa).error.hint]).toEqual([2, 'e.g. pkgs mfa publish @acme/widgets'])
    expect(noYes.code).toBe(2)
    expect(json(noYes).error.hint).toContain('--yes')
    expect(unscoped.code).toBe(2)
    expect(json(unscoped).error.message).toContain('not scoped')
    expect(registry.state.packages.get('@acme/asked')?.access).toBe('restricted')
  })

  it('uses one --otp for every package; without one and without a terminal it stops with the --otp hint', async () => {
    const names = ['@otto/a', '@otto/b', '@otto/c']
    for (const n of names) registry.seedPackage(n, 'otto', 'public')
    const stopped = await runPkgs(['make-private', ...names, '--json', '--concurrency', '1'], loggedIn(registry, 'otto'))
    expect(stopped.code).toBe(1)
    const doc = json(stopped)
    expect(doc.error.code).toBe('EOTP')
    expect(doc.error.hint).toContain('--otp')
    expect(doc.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual(['EOTP', 'ESKIPPED', 'ESKIPPED'])
    // all three at once: a line each, and the fix said once, at the end
    const text = await runPkgs(['make-private', ...names], loggedIn(registry, 'otto'))
    expect(text.code).toBe(1)
    expect(text.stderr.match(/^error @otto\/[abc]: /gm)).toHaveLength(3)
    expect(text.stderr.match(/--otp/g)).toHaveLength(1)
    expect(text.stderr.trimEnd().split('\n').slice(-2)[0]).toMatch(/^error Stopped: /)

    const res = await runPkgs(['make-private', ...names, '--otp', registry.otp], loggedIn(registry, 'otto'))
    expect(res.code, res.stderr).toBe(0)
    for (const n of names) expect(registry.state.packages.get(n)?.access).toBe('restricted')
    const mfa = await runPkgs(['mfa', 'automation', ...names, '--otp', registry.otp, '--json'], loggedIn(registry, 'otto'))
    expect(mfa.code, mfa.stderr).toBe(0)
    expect(json(mfa)).toMatchObject({ mfa: 'automation', changed: 3, failed: 0 })
    for (const n of names) expect(registry.state.packages.get(n)?.mfa).toEqual({ publish_requires_tfa: true, automation_token_overrides_tfa: true })
  })
})

describe('a scope of 200 packages', () => {
  it('all change; injected failures leave the rest changed, exit 1, and a second run completes them', async () => {
    const failing = ['@big/p010', '@big/p100', '@big/p199']
    // a POST is not retried (it is not idempotent): one injected failure each
    for (const n of failing) registry.failNext((m, p) => m === 'POST' && p === `/-/package/${n.replace('/', '%2f')}/access`, 500, { error: 'boom' })
    const first = await runPkgs(['make-private', '--scope', '@big', '--json'], loggedIn(registry, 'alice'), { timeoutMs: 60_000 })
    expect(first.code).toBe(1)
    const doc = json(first)
    expect(doc.results).toHaveLength(200)
    expect(doc).toMatchObject({ changed: 197, failed: 3 })
    expect(doc.results.filter((r: { error?: unknown }) => r.error).map((r: { package: string }) => r.package)).toEqual(failing)
    const second = await runPkgs(['make-private', '--scope', '@big', '--json'], loggedIn(registry, 'alice'), { timeoutMs: 60_000 })
    expect(second.code, second.stderr).toBe(0)
    expect(json(second)).toMatchObject({ changed: 3, unchanged: 197, failed: 0 })
    expect([...registry.state.packages.values()].filter((p) => p.doc.name.startsWith('@big/') && p.access !== 'restricted')).toEqual([])
    const mfa = await runPkgs(['mfa', 'publish', '--scope', '@big'], loggedIn(registry, 'alice'), { timeoutMs: 60_000 })
    expect(mfa.code, mfa.stderr).toBe(0)
    expect(mfa.stdout.trim().split('\n')).toHaveLength(200)
  })
})

describe('bulk output', () => {
  let slow: NpmjsRegistry
  // the first package's answers are the slowest: without ordering, lines would come last to first
  const delays: Record<string, number> = { 'ord-1': 600, 'ord-2': 450, 'ord-3': 300, 'ord-4': 150 }
  beforeAll(async () => {
    slow = await startNpmjsRegistry({
      users: [
        { name: 'alice', password: 'alice-pw' },
        { name: 'otto', password: 'otto-pw' },
      ],
      paidScopes: ['@acme', '@ext'],
      orgs: { acme: { members: { alice: 'owner' } } },
      latencyMs: (_method, path) => delays[/ord-\d/.exec(path)?.[0] ?? ''] ?? 0,
    })
    slow.seedPackage('@acme/ord-1', 'alice', 'public')
    slow.seedPackage('@acme/ord-2', 'alice', 'restricted')
    slow.seedPackage('@acme/ord-3', 'alice', 'public')
    slow.seedPackage('@acme/ord-4', 'alice', 'restricted')
    slow.seedPackage('@ext/e1', 'otto', 'public')
    slow.seedPackage('@ext/e2', 'otto', 'public')
  })
  afterAll(() => slow?.close())
  const alice = () => makeSandbox(`registry=${slow.url}\n${nerfDart(slow.url)}:_authToken=${slow.tokens.alice}\n`)
  const lines = (res: { stdout: string }) => res.stdout.trimEnd().split('\n')

  it('comes in the order of the package names whichever answer comes first, unchanged ones where they stand', async () => {
    const sandbox = alice()
    const access = await runPkgs(['access', '--scope', '@acme'], sandbox)
    expect(lines(access)).toEqual(['@acme/ord-1: public', '@acme/ord-2: private', '@acme/ord-3: public', '@acme/ord-4: private'])
    const priv = await runPkgs(['make-private', '--scope', '@acme'], sandbox)
    expect(priv.code, priv.stderr).toBe(0)
    expect(lines(priv)).toEqual(['@acme/ord-1: private', '@acme/ord-2: private (unchanged)', '@acme/ord-3: private', '@acme/ord-4: private (unchanged)'])
    expect(priv.stderr).toBe('✔ 2 made private, 2 already private.\n')
    const pub = await runPkgs(['make-public', '--scope', '@acme', '--yes'], sandbox)
    expect(lines(pub)).toEqual(['@acme/ord-1: public', '@acme/ord-2: public', '@acme/ord-3: public', '@acme/ord-4: public'])
    const mfa = await runPkgs(['mfa', 'publish', '--scope', '@acme'], sandbox)
    expect(lines(mfa)).toEqual(['@acme/ord-1: mfa=publish', '@acme/ord-2: mfa=publish', '@acme/ord-3: mfa=publish', '@acme/ord-4: mfa=publish'])
  })

  it('refused packages: each failure with its hint, no success mark, and no "run it again" for what a re-run would not fix', async () => {
    const sandbox = alice()
    const [priv, mfa, json] = await Promise.all([
      runPkgs(['make-private', '@ext/e1', '@ext/e2'], sandbox),
      runPkgs(['mfa', 'publish', '@ext/e1', '@ext/e2'], sandbox),
      runPkgs(['make-private', '@ext/e1', '@ext/e2', '--json'], sandbox),
    ])
    for (const res of [priv, mfa]) {
      expect(res.code).toBe(1)
      expect(res.stderr).not.toContain('✔')
      const err = res.stderr.split('\n')
      for (const name of ['@ext/e1', '@ext/e2']) {
        const at = err.findIndex((l) => l.startsWith(`error ${name}: `))
        expect(at, res.stderr).toBeGreaterThanOrEqual(0)
        expect(err[at + 1]).toMatch(/^hint: /)
      }
      expect(res.stderr).toContain('error 2 of 2 packages failed.')
      expect(res.stderr).not.toContain('Run the same command again')
      expect(res.stderr).toContain('would be refused the same way (403)')
    }
    expect(priv.stderr).toContain('0 made private, 0 already private, 2 failed.\n')
    expect(mfa.stderr).toContain('mfa=publish set on 0; 2 failed.\n')
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'EPARTIAL', hint: expect.stringContaining('pkgs share <your-user> <package>') })
    expect(slow.state.packages.get('@ext/e1')?.access).toBe('public')
  })
})

describe('a reader that stops reading (pkgs … | head -1)', () => {
  it('ends the run quietly with exit 0: no EPIPE, no error', async () => {
    const res = await runPkgsReadingOneLine(['access', '--scope', '@big'], loggedIn(registry, 'alice'), { timeoutMs: 60_000 })
    expect(res.stdout.split('\n')[0]).toMatch(/^@big\/p000: (public|private)$/)
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
  })

  it('a change goes on to the end without its output: nothing is left half-done, and the exit code is its own', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `@pipe/p${String(i).padStart(2, '0')}`)
    for (const n of names) registry.seedPackage(n, 'alice', 'public')
    const res = await runPkgsReadingOneLine(['make-private', '--scope', '@pipe'], loggedIn(registry, 'alice'), { timeoutMs: 60_000 })
    expect(res.stdout.split('\n')[0]).toBe('@pipe/p00: private')
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toBe('✔ 30 made private, 0 already private.\n')
    expect(names.filter((n) => registry.state.packages.get(n)!.access !== 'restricted')).toEqual([])
  })
})

describe.concurrent('registries without visibility, and the terminal', () => {
  it('Verdaccio: exit 4 with the config.yaml rule', async () => {
    const sandbox = loggedIn(verdaccio, 'alice')
    const [pub, status, unasked] = await Promise.all([
      runPkgs(['make-public', '@acme/v', '--yes', '--json'], sandbox),
      runPkgs(['access', '@acme/v', '--json'], sandbox),
      // without --yes and without a terminal: that the registry cannot do it comes first
      runPkgs(['make-public', '@acme/v', '--json'], sandbox),
    ])
    expect([unasked.code, json(unasked).error.code]).toEqual([4, 'EUNSUPPORTED'])
    expect(json(unasked).error.hint).toContain('config.yaml')
    expect(pub.code).toBe(4)
    expect(json(pub).error.message).toContain('Verdaccio')
    expect(json(pub).error.hint).toContain('config.yaml')
    expect(json(pub).error.hint).toContain("'@acme/v': { access: $all, publish: $authenticated }")
    expect(status.code).toBe(4)
  })

  it('asks for the name on a terminal before making a package public', async () => {
    const name = '@acme/typed'
    registry.seedPackage(name, 'alice')
    const pty = runPkgsInPty(['make-public', name], loggedIn(registry, 'alice'))
    await pty.waitFor(`Type ${name} to make it public`)
    expect(registry.state.packages.get(name)?.access).toBe('restricted')
    pty.write(name + keys.enter)
    expect(await pty.exit).toBe(0)
    expect(registry.state.packages.get(name)?.access).toBe('public')

    const other = '@acme/refused'
    registry.seedPackage(other, 'alice')
    const refused = runPkgsInPty(['make-public', other], loggedIn(registry, 'alice'))
    await refused.waitFor('to make it public')
    refused.write('@acme/wrong' + keys.enter)
    expect(await refused.exit).toBe(2)
    expect(registry.state.packages.get(other)?.access).toBe('restricted')

    // a name that cannot be read is said before the question, not after what was typed
    const partly = '@acme/partly'
    registry.seedPackage(partly, 'alice')
    const withTypo = runPkgsInPty(['make-public', partly, '@acme/partyl'], loggedIn(registry, 'alice'))
    await withTypo.waitFor(`Type ${partly} to make it public`)
    expect(withTypo.output()).toMatch(/Left as it is \(could not be read\):\s+@acme\/partyl/)
    withTypo.write(partly + keys.enter)
    expect(await withTypo.exit).toBe(1)
    expect(registry.state.packages.get(partly)?.access).toBe('public')
  })

  it('with --json on a terminal, the question goes to stderr and stdout holds only the document', async () => {
    const name = '@acme/typed-json'
    registry.seedPackage(name, 'alice')
    const sandbox = loggedIn(registry, 'alice')
    const stderrFile = join(sandbox.root, 'stderr.txt')
    const pty = runPkgsInPty(['make-public', name, '--json'], sandbox, { env: { PTY_STDERR_FILE: stderrFile } })
    for (let i = 0; i < 100 && !(existsSync(stderrFile) && readFileSync(stderrFile, 'utf8').includes('to make it public')); i++)
      await new Promise((r) => setTimeout(r, 100))
    pty.write(name + keys.enter)
    expect(await pty.exit).toBe(0)
    expect(JSON.parse(pty.output())).toMatchObject({ access: 'public', changed: 1 })
    expect(readFileSync(stderrFile, 'utf8')).toContain(`Type ${name} to make it public`)
  })

  it('on a terminal: the count is typed for several packages, and one typed one-time password serves them all', async () => {
    const names = ['@otto/t1', '@otto/t2', '@otto/t3']
    for (const n of names) registry.seedPackage(n, 'otto')
    const pty = runPkgsInPty(['make-public', ...names], loggedIn(registry, 'otto'))
    await pty.waitFor('Type 3 (the number of packages)')
    pty.write('3' + keys.enter)
    await pty.waitFor('One-time password')
    pty.write(registry.otp)
    expect(await pty.exit).toBe(0)
    // one prompt: the first write was tried without a code, the others waited for it, then all
    // went with the one typed (the prompt redraws per key, so count requests)
    const sent = names.map((n) =>
      registry.requests.filter((r) => r.method === 'POST' && r.path.includes(n.replace('/', '%2f'))).map((r) => r.headers['npm-otp']),
    )
    expect(sent.filter((codes) => codes.length === 2)).toEqual([[undefined, registry.otp]])
    expect(sent.filter((codes) => codes.length === 1)).toEqual([[registry.otp], [registry.otp]])
    expect(pty.output()).not.toContain('not accepted')
    for (const n of names) expect(registry.state.packages.get(n)?.access).toBe('public')
  })
})
