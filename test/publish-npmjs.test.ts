// pkgs publish against the npmjs-like registry, for what only npmjs.com has: paid private
// packages (402), scopes that belong to someone else, one-time passwords (--otp, the prompt, web
// 2FA), visibility; the interactive flows under a real pseudo-terminal.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry, type RecordedRequest } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'
import { seedPublish } from './support/seed.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'otto', password: 'otto-pw', tfa: true },
      { name: 'wendy', password: 'wendy-pw', tfa: 'web' },
      { name: 'mallory', password: 'mallory-pw' },
    ],
    // @alice is alice's own scope, without a paid plan
    paidScopes: ['@acme'],
    orgs: { acme: { members: { alice: 'owner', otto: 'developer', wendy: 'developer' } } },
  })
})
afterAll(() => registry?.close())

/** A logged-in user's sandbox with a small package in its working folder. */
function packageOf(user: string, pkg: Record<string, unknown>): Sandbox {
  const sandbox = loggedIn(registry, user)
  sandbox.writePackageJson({ version: '1.0.0', main: 'index.js', ...pkg })
  writeFileSync(join(sandbox.cwd, 'index.js'), 'module.exports = 1\n')
  return sandbox
}

function puts(name: string): RecordedRequest[] {
  return registry.requests.filter((r) => r.method === 'PUT' && r.path === `/${name.replace('/', '%2f')}`)
}

function json(res: { stdout: string }) {
  return JSON.parse(res.stdout)
}

describe.concurrent('pkgs publish on an npmjs-like registry', () => {
  it('sends restricted explicitly for a scoped package: only its owners read it', async () => {
    const name = '@acme/private-widget'
    const res = await runPkgs(['publish', '--json'], packageOf('alice', { name }))
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ name, access: 'restricted', registry: registry.url, published: true })
    expect((puts(name)[0].body as { access: string }).access).toBe('restricted')
    expect(registry.state.packages.get(name)?.access).toBe('restricted')

    const [owner, stranger] = await Promise.all([
      runNpm(['view', name, 'version'], packageOf('alice', { name: 'x' })),
      runNpm(['view', name, 'version'], packageOf('mallory', { name: 'x' })),
    ])
    expect(owner.stdout.trim()).toBe('1.0.0')
    expect(stranger.stderr).toContain('E404')
  })

  it('explains a 402 with the --access public hint, and publishes with --access public', async () => {
    const name = '@alice/unpaid'
    const sandbox = packageOf('alice', { name })
    const refused = await runPkgs(['publish', '--json'], sandbox)
    expect(refused.code).toBe(1)
    const { error } = json(refused)
    expect(error.code).toBe('E402')
    expect(error.message).toContain('Private packages need a paid plan')
    expect(error.hint).toContain('--access public')

    const res = await runPkgs(['publish', '--access', 'public'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(registry.state.packages.get(name)?.access).toBe('public')
    expect(puts(name).map((r) => (r.body as { access: string }).access)).toEqual(['restricted', 'public'])
  })

  it('names the scope, the user and the way in when the scope is not theirs (403 and 404)', async () => {
    const [org, nobody] = await Promise.all([
      runPkgs(['publish', '--json'], packageOf('mallory', { name: '@acme/intruder' })),
      runPkgs(['publish', '--json'], packageOf('mallory', { name: '@nobody-here/thing' })),
    ])
    expect(org.code).toBe(1)
    expect(json(org).error.code).toBe('E403')
    expect(json(org).error.message).toContain('mallory may not publish @acme/intruder to the scope @acme')
    // the scope may be a user's, where no org set helps: the hint says when it applies
    expect(json(org).error.hint).toContain('when @acme is an organisation, one of its owners runs `pkgs org set acme mallory developer`')
    expect(json(org).error.hint).toContain('for an existing package, one of its owners runs `pkgs share mallory @acme/intruder`')
    expect(json(org).error.hint).not.toContain('npm org set')
    expect(json(org).error.hint).toContain('@mallory/intruder')
    expect(nobody.code).toBe(1)
    expect(json(nobody).error.code).toBe('E404')
    expect(json(nobody).error.message).toContain('to the scope @nobody-here')
  })

  it('sends --otp as the npm-otp header; without it and without a terminal, exit 1 with the hint', async () => {
    const [withOtp, without, wrong] = await Promise.all([
      runPkgs(['publish', '--otp', '123456'], packageOf('otto', { name: '@acme/otp-given' })),
      runPkgs(['publish', '--json'], packageOf('otto', { name: '@acme/otp-missing' })),
      runPkgs(['publish', '--otp', '999999', '--json'], packageOf('otto', { name: '@acme/otp-wrong' })),
    ])
    expect(withOtp.code, withOtp.stderr).toBe(0)
    expect(puts('@acme/otp-given').map((r) => r.headers['npm-otp'])).toEqual(['123456'])
    expect(without.code).toBe(1)
    expect(json(without).error).toMatchObject({ code: 'EOTP' })
    expect(json(without).error.hint).toContain('--otp <code>')
    expect(registry.state.packages.has('@acme/otp-missing')).toBe(false)
    expect(wrong.code).toBe(1)
    expect(json(wrong).error.message).toContain('rejected the one-time password')
    expect(withOtp.stderr + without.stdout + wrong.stdout).not.toContain(registry.tokens.otto)
  })

  it('--dry-run sends no mutating request, and gives the plan as every command that writes does', async () => {
    const name = '@acme/dry-only'
    const res = await runPkgs(['publish', '--dry-run', '--json'], packageOf('alice', { name }))
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ name, dryRun: true, published: false, access: 'restricted' })
    expect(json(res).changes).toEqual([{ kind: 'publish', target: name, action: 'add', to: '1.0.0' }])
    const touched = registry.requests.filter((r) => r.path.includes(name.replace('/', '%2f')))
    expect(touched.length).toBeGreaterThan(0)
    expect(touched.filter((r) => r.method !== 'GET')).toEqual([])
    expect(registry.state.packages.has(name)).toBe(false)
  })

  it('keeps the visibility of an existing package, and warns when asked otherwise', async () => {
    const name = '@acme/already-public'
    await seedPublish(registry.url, registry.tokens.alice, name, '1.0.0', { access: 'public' })
    // side by side, so each its own version: the dry run must not meet 1.1.0 already published
    const [next, asked] = await Promise.all([
      runPkgs(['publish', '--json'], packageOf('alice', { name, version: '1.1.0' })),
      runPkgs(['publish', '--dry-run', '--access', 'restricted', '--json'], packageOf('alice', { name, version: '1.2.0' })),
    ])
    expect(next.code, next.stderr).toBe(0)
    expect(json(next).access).toBe('public')
    expect(registry.state.packages.get(name)?.access).toBe('public')
    expect(asked.code, asked.stderr).toBe(0)
    expect(asked.stderr).toContain(`${name} is already public`)
    expect(asked.stderr).toContain(`pkgs make-private ${name}`)
  })

  it('explains what the upload meets: a version taken meanwhile, too large, a registry in trouble, a revoked token', async () => {
    const names = ['@acme/raced', '@acme/too-large', '@acme/down', '@acme/revoked']
    const answers: [number, unknown][] = [
      [403, { error: 'You cannot publish over the previously published versions: 1.0.0.' }],
      [413, { error: 'request entity too large' }],
      [503, { error: 'Service Unavailable' }],
      [401, { error: 'Unable to authenticate, your authentication token seems to be invalid.' }],
    ]
    names.forEach((name, i) => registry.failNext((method, path) => method === 'PUT' && path === `/${name.replace('/', '%2f')}`, ...answers[i]))
    // a 5xx is retried once, as npm's fetch does: it has to fail twice
    registry.failNext((method, path) => method === 'PUT' && path === '/@acme%2fdown', ...answers[2])
    const [raced, large, down, revoked] = await Promise.all(names.map((name) => runPkgs(['publish', '--json'], packageOf('alice', { name }))))
    expect([raced.code, large.code, down.code, revoked.code]).toEqual([1, 1, 1, 3])
    expect(json(raced).error).toMatchObject({ code: 'EPUBLISHCONFLICT' })
    expect(json(raced).error.hint).toContain('bump the version')
    expect(json(large).error).toMatchObject({ code: 'E413' })
    expect(json(large).error.hint).toContain('--dry-run --verbose')
    expect(json(down).error).toMatchObject({ code: 'E503' })
    expect(json(down).error.message).toContain('is having problems')
    expect(json(revoked).error).toMatchObject({ code: 'E401' })
    expect(json(revoked).error.hint).toContain(`pkgs login --registry ${registry.url}`)
  })
})

describe.concurrent('pkgs publish on a terminal', () => {
  it('asks the access of a first publish (restricted preselected), shows the summary and confirms', async () => {
    const name = '@acme/asked'
    const pty = runPkgsInPty(['publish'], packageOf('alice', { name }))
    await pty.waitFor(`${name} is new on ${registry.url}. Who may install it?`)
    expect(pty.output()).toMatch(/❯ restricted/)
    pty.write(keys.down)
    await pty.waitFor('❯ public')
    pty.write(keys.enter)
    await pty.waitFor(`Publish ${name}@1.0.0 to ${registry.url} as public?`)
    for (const line of [`package    ${name}@1.0.0`, 'access     public', 'tag        latest', `registry   ${registry.url}`, 'files      2', 'size ']) {
      expect(pty.output()).toContain(line)
    }
    expect(registry.state.packages.has(name)).toBe(false)
    pty.write('y' + keys.enter)
    expect(await pty.exit).toBe(0)
    expect(pty.output()).toContain(`+ ${name}@1.0.0`)
    expect(registry.state.packages.get(name)?.access).toBe('public')
  })

  it('publishes nothing when the confirmation is refused (exit 2)', async () => {
    const name = '@acme/refused'
    const pty = runPkgsInPty(['publish', '--access', 'restricted'], packageOf('alice', { name }))
    await pty.waitFor(`Publish ${name}@1.0.0 to ${registry.url} as restricted?`)
    expect(pty.output()).not.toContain('Who may install it?')
    pty.write('n' + keys.enter)
    expect(await pty.exit).toBe(2)
    expect(pty.output()).toContain('Nothing was published')
    expect(puts(name)).toEqual([])
  })

  it('asks for a one-time password, again after a wrong one, and submits at six digits', async () => {
    const name = '@acme/otp-typed'
    const pty = runPkgsInPty(['publish', '--yes'], packageOf('otto', { name }))
    await pty.waitFor('One-time password')
    pty.write('000000')
    await pty.waitFor(/not accepted[\s\S]*One-time password/)
    pty.write('123456')
    expect(await pty.exit).toBe(0)
    expect(puts(name).map((r) => r.headers['npm-otp'])).toEqual([undefined, '000000', '123456'])
    expect(pty.output()).not.toContain('123456')
  })

  it('completes web two-factor authentication', async () => {
    const name = '@acme/web-2fa'
    const pty = runPkgsInPty(['publish', '--yes'], packageOf('wendy', { name }))
    await pty.waitFor(/Authenticate your account[^\n]*\n\s*http:\/\/127\.0\.0\.1:\d+\/-\/v1\/auth\/\w+/)
    expect(registry.pendingWebOtps()).toBeGreaterThan(0)
    registry.completeWebOtp('wendy') // the person confirms in the browser
    expect(await pty.exit).toBe(0)
    const sent = puts(name).map((r) => r.headers['npm-otp'])
    expect(sent[0]).toBeUndefined()
    expect(sent[1]).toMatch(/^web-otp-/)
    expect(registry.state.packages.get(name)?.access).toBe('restricted')
  })
})
