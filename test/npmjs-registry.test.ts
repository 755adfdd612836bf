// The npmjs-like registry is only worth its tests if npm itself agrees with it: each behaviour is
// checked by driving the real npm CLI (and npm's own npm-profile) against it.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { seedPublish, type SeedOptions } from './support/seed.js'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { loggedIn, makeSandbox, processLogEnv, run, runNpm, type RunResult, type Sandbox } from './support/sandbox.js'

const require = createRequire(import.meta.url)
const profile = require('npm-profile') as {
  loginCouch(u: string, p: string, o: Record<string, unknown>): Promise<{ token: string }>
  loginWeb(opener: (url: string) => Promise<void>, o: Record<string, unknown>): Promise<{ token: string }>
}

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'pw-alice' },
      { name: 'bob', password: 'pw-bob' },
      { name: 'carol', password: 'pw-carol', tfa: true },
      { name: 'dave', password: 'pw-dave' },
      { name: 'erin', password: 'pw-erin' },
      { name: 'olga', password: 'pw-olga', tfa: 'auth-only' },
      { name: 'wendy', password: 'pw-wendy', tfa: 'web' },
    ],
    paidScopes: ['@alice', '@acme', '@carol', '@wendy', '@ops'],
    orgs: {
      // dave is a member outside the developers team: he reads only what a team grant gives him
      acme: { members: { alice: 'owner', dave: 'developer', erin: 'developer' }, teams: { developers: ['alice', 'erin'], devs: ['dave'] } },
      zeta: { members: { bob: 'owner' } },
      guild: { members: { alice: 'owner', dave: 'developer' } },
      ops: { members: { alice: 'owner', bob: 'developer', dave: 'developer' }, teams: { developers: ['alice'], devs: ['bob', 'dave'], docs: ['dave'] } },
    },
  })
})
afterAll(() => registry?.close())

function loggedOut(): Sandbox {
  return makeSandbox(`registry=${registry.url}\n`)
}

function npm(sandbox: Sandbox, args: string[], cwd?: string): Promise<RunResult> {
  return runNpm([...args, '--registry', registry.url, '--loglevel=warn'], sandbox, { cwd })
}

function packageIn(sandbox: Sandbox, name: string, version = '1.0.0'): string {
  const dir = join(sandbox.cwd, `${name.replace('/', '__')}-${version}`)
  sandbox.writePackageJson({ name, version, main: 'index.js' }, dir)
  return dir
}

/** A package published in-process with npm's own libraries, where the publish is not what a test is about. */
function seed(user: string, name: string, version = '1.0.0', opts: SeedOptions = {}): Promise<void> {
  return seedPublish(registry.url, registry.tokens[user], name, version, opts)
}

/** A plain GET as this user (or anonymous): for checking state after npm has done its part. */
function get(path: string, user?: string): Promise<Response> {
  return fetch(`${registry.url}${path}`, { headers: user ? { authorization: `Bearer ${registry.tokens[user]}` } : {} })
}

/** The latest version of a package as this user (or anonymous) reads it; the status when it cannot. */
async function latestAs(name: string, user?: string): Promise<string | number> {
  const res = await get(escaped(name), user)
  return res.ok ? ((await res.json()) as { 'dist-tags': { latest: string } })['dist-tags'].latest : res.status
}

function escaped(name: string): string {
  return name.replace('/', '%2f')
}

function putsOf(name: string) {
  return registry.requests.filter((r) => r.method === 'PUT' && r.path === `/${escaped(name)}`)
}

/** npm under a pseudo-terminal (util-linux script): npm offers web 2FA only on a terminal. */
function npmOnTerminal(sandbox: Sandbox, args: string[], cwd: string): Promise<RunResult> {
  const line = ['npm', ...args, '--registry', registry.url].map((a) => `'${a}'`).join(' ')
  return run('script', ['-qfec', line, '/dev/null'], sandbox, { cwd, keepStdinOpen: true, timeoutMs: 30_000 })
}

/** npm with its prompts answered as they appear (npm's reader drops lines typed ahead). */
function npmAnswering(sandbox: Sandbox, args: string[], answers: [RegExp, string][]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', [...args, '--registry', registry.url], { cwd: sandbox.cwd, env: { ...sandbox.env, ...processLogEnv() } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const next = answers[0]
      if (next && next[0].test(stdout)) child.stdin.write(answers.shift()![1] + '\n')
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50))
  if (!check()) throw new Error('gave up waiting')
}

// the tests run side by side on their own packages; npm runs are CPU-bound, hence the time limit
describe.concurrent('the npmjs-like registry, as npm sees it', { timeout: 90_000 }, () => {
  it('answers npm whoami for a token, and E401 for a bad one', async ({ expect }) => {
    const [alice, nope] = await Promise.all([
      npm(loggedIn(registry, 'alice'), ['whoami']),
      npm(loggedIn({ url: registry.url, tokens: { x: 'npm_nope' } }, 'x'), ['whoami']),
    ])
    expect(alice.stdout.trim()).toBe('alice')
    expect(nope.code).not.toBe(0)
    expect(nope.stderr).toContain('E401')
  })

  it('keeps a scoped package private by default: owners read it, anyone else gets E404', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    const published = await npm(alice, ['publish'], packageIn(alice, '@alice/secret'))
    expect(published.code, published.stderr).toBe(0)
    // npm sends no access for a default publish: the registry decides, and makes it restricted
    expect((putsOf('@alice/secret')[0].body as { access: unknown }).access).toBeNull()
    expect(registry.state.packages.get('@alice/secret')?.access).toBe('restricted')
    const [owner, other, anonymous, tarball] = await Promise.all([
      npm(alice, ['view', '@alice/secret', 'version']),
      npm(loggedIn(registry, 'bob'), ['view', '@alice/secret', 'version']),
      npm(loggedOut(), ['view', '@alice/secret', 'version']),
      get('@alice/secret/-/secret-1.0.0.tgz', 'bob'),
    ])
    expect(owner.stdout.trim()).toBe('1.0.0')
    expect(other.stderr).toContain('E404')
    expect(anonymous.stderr).toContain('E404')
    expect(tarball.status).toBe(404)
  })

  it('answers 402 for a private package in an unpaid scope, and takes it as public', async ({ expect }) => {
    const bob = loggedIn(registry, 'bob')
    const dir = packageIn(bob, '@bob/thing')
    const restricted = await npm(bob, ['publish'], dir)
    expect(restricted.code).not.toBe(0)
    expect(restricted.stderr).toContain('E402')
    expect(restricted.stderr).toContain('402 Payment Required - PUT')
    expect(restricted.stderr).toContain('You must sign up for private packages')
    const open = await npm(bob, ['publish', '--access', 'public'], dir)
    expect(open.code, open.stderr).toBe(0)
    const [view, makePrivate] = await Promise.all([
      npm(loggedOut(), ['view', '@bob/thing', 'version']),
      npm(bob, ['access', 'set', 'status=private', '@bob/thing']),
    ])
    expect(view.stdout.trim()).toBe('1.0.0')
    expect(makePrivate.stderr).toContain('E402')
  })

  it('refuses scopes that are not the user’s: 403 for a user or org scope, 404 for no such scope', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    const bob = loggedIn(registry, 'bob')
    const [userScope, orgScope, noScope] = await Promise.all([
      npm(bob, ['publish', '--access', 'public'], packageIn(bob, '@alice/intruder')),
      npm(alice, ['publish', '--access', 'public'], packageIn(alice, '@zeta/intruder')),
      npm(alice, ['publish', '--access', 'public'], packageIn(alice, '@nobody/thing')),
    ])
    expect(userScope.stderr).toContain('E403')
    expect(userScope.stderr).toContain('You do not have permission to publish "@alice/intruder"')
    expect(orgScope.stderr).toContain('E403')
    expect(noScope.stderr).toContain('E404')
    expect(noScope.stderr).toContain('Scope not found')
  })

  it('refuses to publish over an existing version (npm checks first; with --force the registry says so)', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    await seed('alice', '@alice/once')
    const dir = packageIn(alice, '@alice/once')
    const [again, forced] = await Promise.all([npm(alice, ['publish'], dir), npm(alice, ['publish', '--force'], dir)])
    expect(again.stderr).toContain('You cannot publish over the previously published versions: 1.0.0')
    expect(forced.stderr).toContain('E403')
    expect(forced.stderr).toContain('403 Forbidden - PUT')
    expect(forced.stderr).toContain('You cannot publish over the previously published versions: 1.0.0.')
    expect(putsOf('@alice/once').map((r) => r.status)).toEqual([200, 403])
  })

  it('demands a one-time password from a user with 2FA, and takes it in the npm-otp header', async ({ expect }) => {
    const carol = loggedIn(registry, 'carol')
    const dir = packageIn(carol, '@carol/guarded')
    const [without, wrong] = await Promise.all([npm(carol, ['publish'], dir), npm(carol, ['publish', '--otp', '000000'], dir)])
    for (const res of [without, wrong]) {
      expect(res.code).not.toBe(0)
      expect(res.stderr).toContain('EOTP')
      expect(res.stderr).toContain('This operation requires a one-time password from your authenticator.')
    }
    const withOtp = await npm(carol, ['publish', '--otp', '123456'], dir)
    expect(withOtp.code, withOtp.stderr).toBe(0)
    const puts = putsOf('@carol/guarded')
    expect(puts.map((r) => r.headers['npm-otp']).sort()).toEqual(['000000', '123456', undefined])
    expect(puts.map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${registry.tokens.carol}`))
    const otpAnswer = puts.find((r) => !r.headers['npm-otp'])
    expect(otpAnswer?.status).toBe(401)
  })

  it('offers web 2FA: without a terminal npm prints both URLs, on a terminal it waits for the approval and retries', async ({ expect }) => {
    const wendy = loggedIn(registry, 'wendy')
    const dir = packageIn(wendy, '@wendy/web')
    const plain = await npm(wendy, ['publish'], dir)
    expect(plain.stderr).toContain('EOTP')
    expect(plain.stderr).toMatch(/Open this URL in your browser to authenticate:\s+npm error\s+http:\/\/127\.0\.0\.1:\d+\/-\/v1\/auth\//)
    expect(plain.stderr).toContain('/-/v1/auth/done/')

    const checksBefore = putsOf('@wendy/web').length
    const terminal = npmOnTerminal(wendy, ['publish'], dir)
    await until(() => putsOf('@wendy/web').length > checksBefore && registry.pendingWebOtps() > 0)
    registry.completeWebOtp('wendy')
    const res = await terminal
    expect(res.code, res.stdout).toBe(0)
    expect(res.stdout).toContain('Authenticate your account at:')
    expect(registry.state.packages.get('@wendy/web')?.doc['dist-tags'].latest).toBe('1.0.0')
    const otps = putsOf('@wendy/web').map((r) => r.headers['npm-otp'])
    expect(otps.at(-1)).toMatch(/^web-otp-/)
  })

  it('adds and removes owners as npm owner does; an owner installs the private package', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    const bob = loggedIn(registry, 'bob')
    await seed('alice', '@alice/shared')
    const add = await npm(alice, ['owner', 'add', 'bob', '@alice/shared'])
    expect(add.code, add.stderr).toBe(0)
    const [ls, unknown] = await Promise.all([npm(alice, ['owner', 'ls', '@alice/shared']), npm(alice, ['owner', 'add', 'nobody-here', '@alice/shared'])])
    expect(ls.stdout).toContain('alice <alice@example.com>')
    expect(ls.stdout).toContain('bob <bob@example.com>')
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('E404')

    bob.writePackageJson({ name: 'consumer', version: '1.0.0' })
    const [install, publish] = await Promise.all([
      npm(bob, ['install', '@alice/shared', '--no-package-lock']),
      npm(bob, ['publish'], packageIn(bob, '@alice/shared', '1.0.1')),
    ])
    expect(install.code, install.stderr).toBe(0)
    expect(publish.code, publish.stderr).toBe(0)
    expect(registry.state.packages.get('@alice/shared')?.doc.versions['1.0.1']._npmUser).toEqual({ name: 'bob', email: 'bob@example.com' })

    expect((await npm(alice, ['owner', 'rm', 'bob', '@alice/shared'])).code).toBe(0)
    expect((await get('@alice%2fshared', 'bob')).status).toBe(404)
  })

  it('switches visibility and the 2FA policy as npm access set does', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    await seed('alice', '@alice/flip')
    const pub = await npm(alice, ['access', 'set', 'status=public', '@alice/flip'])
    expect(pub.code, pub.stderr).toBe(0)
    expect(pub.stdout).toContain('@alice/flip: public')
    expect(await latestAs('@alice/flip')).toBe('1.0.0')
    const priv = await npm(alice, ['access', 'set', 'status=private', '@alice/flip'])
    expect(priv.stdout).toContain('@alice/flip: private')
    expect(await latestAs('@alice/flip')).toBe(404)

    expect((await npm(alice, ['access', 'set', 'mfa=publish', '@alice/flip'])).code).toBe(0)
    expect(registry.state.packages.get('@alice/flip')?.mfa).toEqual({ publish_requires_tfa: true, automation_token_overrides_tfa: false })
    const dir = packageIn(alice, '@alice/flip', '1.1.0')
    const refused = await npm(alice, ['publish'], dir)
    expect(refused.stderr).toContain('This package requires that publishers enable TFA')
    expect((await npm(alice, ['publish', '--otp', '123456'], dir)).code).toBe(0)
  })

  it('grants teams real access, listed by npm access list; the developers team has every new package', async ({ expect }) => {
    const [alice, dave] = [loggedIn(registry, 'alice'), loggedIn(registry, 'dave')]
    await seed('alice', '@acme/lib')
    expect(await Promise.all([latestAs('@acme/lib', 'dave'), latestAs('@acme/lib', 'erin')])).toEqual([404, '1.0.0'])

    const grant = await npm(alice, ['access', 'grant', 'read-only', 'acme:devs', '@acme/lib'])
    expect(grant.code, grant.stderr).toBe(0)
    const [daveReads, daveWrites, collaborators, teamPackages, davePackages, raw] = await Promise.all([
      npm(dave, ['view', '@acme/lib', 'version']),
      npm(dave, ['publish'], packageIn(dave, '@acme/lib', '1.0.1')),
      npm(alice, ['access', 'list', 'collaborators', '@acme/lib', '--json']),
      npm(alice, ['access', 'list', 'packages', 'acme:devs', '--json']),
      get('-/user/dave/package', 'dave'),
      get('-/package/@acme%2flib/collaborators', 'alice'),
    ])
    expect(daveReads.stdout.trim()).toBe('1.0.0')
    expect(daveWrites.stderr).toContain('E403')
    // npmjs answers read/write; npm shows them as read-only/read-write
    expect(await raw.json()).toEqual({ alice: 'write', erin: 'write', dave: 'read' })
    expect(JSON.parse(collaborators.stdout)).toEqual({ alice: 'read-write', erin: 'read-write', dave: 'read-only' })
    expect(JSON.parse(teamPackages.stdout)).toEqual({ '@acme/lib': 'read-only' })
    expect(await davePackages.json()).toEqual({ '@acme/lib': 'read' })

    expect((await npm(alice, ['access', 'grant', 'read-write', 'acme:devs', '@acme/lib'])).code).toBe(0)
    expect((await npm(dave, ['publish'], packageIn(dave, '@acme/lib', '1.0.2'))).code).toBe(0)
    expect((await npm(alice, ['access', 'revoke', 'acme:devs', '@acme/lib'])).code).toBe(0)
    expect((await get('@acme%2flib', 'dave')).status).toBe(404)
  })

  it('manages teams and org members as npm team and npm org do', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    const [create, set] = await Promise.all([npm(alice, ['team', 'create', 'guild:docs']), npm(alice, ['org', 'set', 'guild', 'bob', 'developer'])])
    expect(create.code, create.stderr).toBe(0)
    expect(set.stdout).toContain('Added bob as developer to guild. You now have 3 members in this org.')
    expect((await npm(alice, ['team', 'add', 'guild:docs', 'bob'])).code).toBe(0)
    const [teams, members, org, notAdmin] = await Promise.all([
      npm(alice, ['team', 'ls', 'guild', '--parseable']),
      npm(alice, ['team', 'ls', 'guild:docs', '--parseable']),
      npm(alice, ['org', 'ls', 'guild', '--json']),
      npm(loggedIn(registry, 'dave'), ['team', 'create', 'guild:rogue']),
    ])
    expect(teams.stdout.trim().split('\n')).toEqual(['guild:developers', 'guild:docs'])
    expect(members.stdout.trim()).toBe('bob')
    expect(JSON.parse(org.stdout)).toEqual({ alice: 'owner', bob: 'developer', dave: 'developer' })
    expect([...registry.state.orgs.get('guild')!.teams.get('developers')!.members]).toEqual(['alice', 'dave', 'bob'])
    expect(notAdmin.stderr).toContain('E403')
    // an admin manages teams but not members: npm org set as one is refused (npmjs's rule)
    registry.state.orgs.get('guild')!.members.set('dave', 'admin')
    const byAdmin = await npm(loggedIn(registry, 'dave'), ['org', 'set', 'guild', 'erin', 'developer'])
    expect(byAdmin.code).not.toBe(0)
    expect(byAdmin.stderr).toContain('E403')
    expect(registry.state.orgs.get('guild')!.members.has('erin')).toBe(false)
    registry.state.orgs.get('guild')!.members.set('dave', 'developer')

    const [destroy, rm, developers] = await Promise.all([
      npm(alice, ['team', 'destroy', 'guild:docs']),
      npm(alice, ['org', 'rm', 'guild', 'bob']),
      npm(alice, ['team', 'destroy', 'guild:developers']),
    ])
    expect(destroy.code, destroy.stderr).toBe(0)
    // npmjs keeps every org's developers team: a 403 with its reason
    expect(developers.code).not.toBe(0)
    expect(developers.stderr).toContain('E403')
    expect(developers.stderr).toContain('The developers team cannot be removed')
    expect(registry.state.orgs.get('guild')?.teams.has('developers')).toBe(true)
    expect(rm.stdout).toContain('Successfully removed bob from guild. You now have 2 members in this org.')
    expect(registry.state.orgs.get('guild')?.teams.has('docs')).toBe(false)
    expect(registry.state.orgs.get('guild')?.teams.get('developers')?.members.has('bob')).toBe(false)
  })

  it('moves dist-tags and deprecates as npm dist-tag and npm deprecate do', async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    await seed('alice', '@alice/tagged')
    await seed('alice', '@alice/tagged', '2.0.0-rc.1', { tag: 'next' })
    const [add, deprecate] = await Promise.all([
      npm(alice, ['dist-tag', 'add', '@alice/tagged@1.0.0', 'stable']),
      npm(alice, ['deprecate', '@alice/tagged@1.0.0', 'use 2.x']),
    ])
    expect(add.code, add.stderr).toBe(0)
    expect(deprecate.code, deprecate.stderr).toBe(0)
    const [ls, doc] = await Promise.all([npm(alice, ['dist-tag', 'ls', '@alice/tagged']), get('@alice%2ftagged', 'alice')])
    expect(ls.stdout.split('\n')).toEqual(expect.arrayContaining(['latest: 1.0.0', 'next: 2.0.0-rc.1', 'stable: 1.0.0']))
    expect(((await doc.json()) as { versions: Record<string, { deprecated?: string }> }).versions['1.0.0'].deprecated).toBe('use 2.x')
  })

  it("keeps what an org's access is made of as npmjs does: leaving the org leaves its teams, collaborators follow grants and owners", async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    await seed('alice', '@ops/api')
    const collaborators = async () => JSON.parse((await npm(alice, ['access', 'list', 'collaborators', '@ops/api', '--json'])).stdout)
    // the developers team (alice alone here) has every new package; bob and dave nothing yet
    expect(await collaborators()).toEqual({ alice: 'read-write' })
    expect((await npm(alice, ['access', 'grant', 'read-only', 'ops:devs', '@ops/api'])).code).toBe(0)
    expect((await npm(alice, ['owner', 'add', 'carol', '@ops/api'])).code).toBe(0)
    expect(await collaborators()).toEqual({ alice: 'read-write', bob: 'read-only', carol: 'read-write', dave: 'read-only' })

    const rm = await npm(alice, ['org', 'rm', 'ops', 'dave'])
    expect(rm.code, rm.stderr).toBe(0)
    const [devs, docs, after] = await Promise.all([
      npm(alice, ['team', 'ls', 'ops:devs', '--parseable']),
      npm(alice, ['team', 'ls', 'ops:docs', '--parseable']),
      collaborators(),
    ])
    expect(devs.stdout.trim().split('\n')).toEqual(['bob'])
    expect(docs.stdout.trim()).toBe('')
    expect(after).toEqual({ alice: 'read-write', bob: 'read-only', carol: 'read-write' })
    expect((await get('@ops%2fapi', 'dave')).status).toBe(404)

    expect((await npm(alice, ['access', 'revoke', 'ops:devs', '@ops/api'])).code).toBe(0)
    expect((await npm(alice, ['owner', 'rm', 'carol', '@ops/api'])).code).toBe(0)
    expect(await collaborators()).toEqual({ alice: 'read-write' })
  })

  it("stores a package's 2FA policy without showing it, and refuses trust for a package that does not exist", async ({ expect }) => {
    const alice = loggedIn(registry, 'alice')
    await seed('alice', '@alice/quiet')
    const set = await npm(alice, ['access', 'set', 'mfa=automation', '@alice/quiet'])
    expect(set.code, set.stderr).toBe(0)
    expect(registry.state.packages.get('@alice/quiet')?.mfa).toEqual({ publish_requires_tfa: true, automation_token_overrides_tfa: true })
    // npm reads no policy back (npm access get mfa is no command): neither the package nor its access documents carry it
    const [get2fa, doc, visibility] = await Promise.all([
      npm(alice, ['access', 'get', 'mfa', '@alice/quiet']),
      get('@alice%2fquiet', 'alice').then((r) => r.text()),
      get('-/package/@alice%2fquiet/visibility', 'alice').then((r) => r.json()),
    ])
    expect(get2fa.code).not.toBe(0)
    expect(doc).not.toMatch(/tfa|mfa/)
    expect(visibility).toEqual({ public: false })

    const trust = await npm(alice, ['trust', 'github', '@alice/never-published', '--repo', 'acme/x', '--file', 'release.yml', '--allow-publish', '--yes'])
    expect(trust.code).not.toBe(0)
    expect(trust.stderr).toContain('404')
    expect(registry.state.packages.has('@alice/never-published')).toBe(false)
  })

  it('logs in with a password (and OTP) through npm and npm-profile', async ({ expect }) => {
    const opts = { registry: registry.url }
    const [alice, carolWithout, carol, olgaWithout] = await Promise.allSettled([
      profile.loginCouch('alice', 'pw-alice', opts),
      profile.loginCouch('carol', 'pw-carol', opts),
      profile.loginCouch('carol', 'pw-carol', { ...opts, otp: '123456' }),
      profile.loginCouch('olga', 'pw-olga', opts),
    ])
    expect(alice.status === 'fulfilled' && registry.state.tokens.get(alice.value.token)).toBe('alice')
    expect(carolWithout).toMatchObject({ status: 'rejected', reason: { code: 'EOTP' } })
    expect(carol.status === 'fulfilled' && registry.state.tokens.get(carol.value.token)).toBe('carol')
    expect(olgaWithout).toMatchObject({ status: 'rejected', reason: { code: 'EOTP' } })

    const sandbox = loggedOut()
    const wrongPassword = loggedOut()
    const [login, wrong, olga] = await Promise.all([
      npmAnswering(
        sandbox,
        ['login', '--auth-type=legacy'],
        [
          [/Username: $/, 'alice'],
          [/Password: $/, 'pw-alice'],
        ],
      ),
      npmAnswering(
        wrongPassword,
        ['login', '--auth-type=legacy'],
        [
          [/Username: $/, 'alice'],
          [/Password: $/, 'nope'],
        ],
      ),
      // auth-only 2FA: the login needs the code, a publish does not
      npmAnswering(
        loggedOut(),
        ['login', '--auth-type=legacy', '--otp', '123456'],
        [
          [/Username: $/, 'olga'],
          [/Password: $/, 'pw-olga'],
        ],
      ),
    ])
    expect(login.code, login.stderr).toBe(0)
    expect(wrong.stderr).toContain('E401')
    expect(olga.code, olga.stderr).toBe(0)
    const olgaPublish = await npm(loggedIn(registry, 'olga'), ['publish', '--access', 'public'], packageIn(loggedIn(registry, 'olga'), 'olga-thing'))
    expect(olgaPublish.code, olgaPublish.stderr).toBe(0)
    const token = /:_authToken=(\S+)/.exec(sandbox.readNpmrc())?.[1] ?? ''
    expect(registry.state.tokens.get(token)).toBe('alice')
  })

  it('logs in on the web through npm and npm-profile, and npm logout revokes the token', async ({ expect }) => {
    const sandbox = loggedOut()
    const login = npm(sandbox, ['login'])
    await until(() => registry.pendingWebLogins() > 0)
    registry.completeWebLogin('bob')
    const res = await login
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain('Login at:')
    const token = /:_authToken=(\S+)/.exec(sandbox.readNpmrc())?.[1] ?? ''
    expect(registry.state.tokens.get(token)).toBe('bob')

    const web = profile.loginWeb(async (loginUrl) => void (await fetch(`${loginUrl}?user=erin`)), { registry: registry.url })
    expect(registry.state.tokens.get((await web).token)).toBe('erin')

    const before = await fetch(`${registry.url}-/whoami`, { headers: { authorization: `Bearer ${token}` } })
    expect(await before.json()).toEqual({ username: 'bob' })
    const logout = await npm(sandbox, ['logout'])
    expect(logout.code, logout.stderr).toBe(0)
    expect(registry.state.tokens.has(token)).toBe(false)
    expect(registry.requests.some((r) => r.method === 'DELETE' && r.path === `/-/user/token/${token}`)).toBe(true)
    const after = await fetch(`${registry.url}-/whoami`, { headers: { authorization: `Bearer ${token}` } })
    expect(after.status).toBe(401)
  })
})

describe('the registry as a test fixture', () => {
  it('delays answers and answers an injected failure once', async ({ expect }) => {
    const slow = await startNpmjsRegistry({ users: [{ name: 'u', password: 'p', token: 'npm_fixed' }], latencyMs: 150 })
    try {
      slow.failNext('/-/whoami', 503, { error: 'down for a moment' })
      const started = Date.now()
      const first = await fetch(`${slow.url}-/whoami`, { headers: { authorization: 'Bearer npm_fixed' } })
      expect(Date.now() - started).toBeGreaterThanOrEqual(140) // timers and Date.now() round by a millisecond or so
      expect([first.status, await first.json()]).toEqual([503, { error: 'down for a moment' }])
      const second = await fetch(`${slow.url}-/whoami`, { headers: { authorization: 'Bearer npm_fixed' } })
      expect(await second.json()).toEqual({ username: 'u' })
      expect(slow.requests.map((r) => [r.path, r.status, r.headers.authorization])).toEqual([
        ['/-/whoami', 503, 'Bearer npm_fixed'],
        ['/-/whoami', 200, 'Bearer npm_fixed'],
      ])
      slow.clearRequests()
      expect(slow.requests).toEqual([])
    } finally {
      await slow.close()
    }
  })
})
