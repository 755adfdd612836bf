// The npmjs-like registry is only worth its tests if npm itself agrees with it: each behaviour is
// checked by driving the real npm CLI against it.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runNpm, type Sandbox } from './support/sandbox.js'

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
    ],
    paidScopes: ['@alice', '@acme', '@carol'],
    orgs: { acme: { members: { alice: 'owner', dave: 'developer' }, teams: { devs: ['dave'] } } },
  })
})
afterAll(() => registry.close())

function as(user?: string): Sandbox {
  const auth = user ? `${nerfDart(registry.url)}:_authToken=${registry.tokens[user]}\n` : ''
  return makeSandbox(`registry=${registry.url}\n${auth}`)
}

function npm(sandbox: Sandbox, args: string[], cwd?: string) {
  return runNpm([...args, '--registry', registry.url, '--loglevel=warn'], sandbox, { cwd })
}

function packageIn(sandbox: Sandbox, name: string, version = '1.0.0'): string {
  const dir = join(sandbox.cwd, name.replace('/', '__'))
  sandbox.writePackageJson({ name, version, main: 'index.js' }, dir)
  return dir
}

describe('the npmjs-like registry, as npm sees it', () => {
  it('answers npm whoami for a token, and E401 for a bad one', async () => {
    const bad = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=npm_nope\n`)
    const [alice, nope] = await Promise.all([npm(as('alice'), ['whoami']), npm(bad, ['whoami'])])
    expect(alice.stdout.trim()).toBe('alice')
    expect(nope.code).not.toBe(0)
    expect(nope.stderr).toContain('E401')
  })

  it('keeps a scoped package private by default: owners read it, anyone else gets E404', async () => {
    const alice = as('alice')
    const published = await npm(alice, ['publish'], packageIn(alice, '@alice/secret'))
    expect(published.code, published.stderr).toBe(0)
    expect(registry.state.packages.get('@alice/secret')?.access).toBe('restricted')
    const [owner, other, anonymous] = await Promise.all([
      npm(alice, ['view', '@alice/secret', 'version']),
      npm(as('bob'), ['view', '@alice/secret', 'version']),
      npm(as(), ['view', '@alice/secret', 'version']),
    ])
    expect(owner.stdout.trim()).toBe('1.0.0')
    expect(other.stderr).toContain('E404')
    expect(anonymous.stderr).toContain('E404')
  })

  it('answers 402 for a private package in an unpaid scope, and takes it as public', async () => {
    const bob = as('bob')
    const dir = packageIn(bob, '@bob/thing')
    const restricted = await npm(bob, ['publish'], dir)
    expect(restricted.code).not.toBe(0)
    expect(restricted.stderr).toContain('E402')
    expect(restricted.stderr).toContain('You must sign up for private packages')
    const open = await npm(bob, ['publish', '--access', 'public'], dir)
    expect(open.code, open.stderr).toBe(0)
    expect((await npm(as(), ['view', '@bob/thing', 'version'])).stdout.trim()).toBe('1.0.0')
  })

  it('refuses to publish over an existing version', async () => {
    const alice = as('alice')
    const dir = packageIn(alice, '@alice/once')
    expect((await npm(alice, ['publish'], dir)).code).toBe(0)
    const again = await npm(alice, ['publish'], dir)
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('You cannot publish over the previously published versions: 1.0.0')
  })

  it('demands a one-time password from a user with 2FA, and takes it in the npm-otp header', async () => {
    const carol = as('carol')
    const dir = packageIn(carol, '@carol/guarded')
    const without = await npm(carol, ['publish'], dir)
    expect(without.code).not.toBe(0)
    expect(without.stderr).toContain('EOTP')
    registry.clearRequests()
    const withOtp = await npm(carol, ['publish', '--otp', '123456'], dir)
    expect(withOtp.code, withOtp.stderr).toBe(0)
    const put = registry.mutations().find((r) => r.method === 'PUT')
    expect(put?.headers['npm-otp']).toBe('123456')
  })

  it('adds and removes owners as npm owner does', async () => {
    const alice = as('alice')
    expect((await npm(alice, ['publish'], packageIn(alice, '@alice/shared'))).code).toBe(0)
    const add = await npm(alice, ['owner', 'add', 'bob', '@alice/shared'])
    expect(add.code, add.stderr).toBe(0)
    const ls = await npm(alice, ['owner', 'ls', '@alice/shared'])
    expect(ls.stdout).toContain('alice <alice@example.com>')
    expect(ls.stdout).toContain('bob <bob@example.com>')
    // bob can now read the private package and publish to it
    const bob = as('bob')
    expect((await npm(bob, ['view', '@alice/shared', 'version'])).stdout.trim()).toBe('1.0.0')
    expect((await npm(bob, ['publish'], packageIn(bob, '@alice/shared', '1.0.1'))).code).toBe(0)
    expect((await npm(alice, ['owner', 'rm', 'bob', '@alice/shared'])).code).toBe(0)
    expect((await npm(bob, ['view', '@alice/shared', 'version'])).stderr).toContain('E404')
    const unknown = await npm(alice, ['owner', 'add', 'nobody-here', '@alice/shared'])
    expect(unknown.code).not.toBe(0)
  })

  it('switches visibility as npm access set status does, and reports it to npm access get status', async () => {
    const alice = as('alice')
    expect((await npm(alice, ['publish'], packageIn(alice, '@alice/flip'))).code).toBe(0)
    expect((await npm(as(), ['view', '@alice/flip', 'version'])).stderr).toContain('E404')
    const pub = await npm(alice, ['access', 'set', 'status=public', '@alice/flip'])
    expect(pub.code, pub.stderr).toBe(0)
    expect((await npm(as(), ['view', '@alice/flip', 'version'])).stdout.trim()).toBe('1.0.0')
    expect((await npm(alice, ['access', 'get', 'status', '@alice/flip'])).stdout).toContain('public')
    expect((await npm(alice, ['access', 'set', 'status=private', '@alice/flip'])).code).toBe(0)
    expect((await npm(as(), ['view', '@alice/flip', 'version'])).stderr).toContain('E404')
    expect((await npm(alice, ['access', 'get', 'status', '@alice/flip'])).stdout).toContain('private')
  })

  it('grants teams real access, listed by npm access list', async () => {
    const alice = as('alice')
    const dave = as('dave')
    expect((await npm(alice, ['publish'], packageIn(alice, '@acme/lib'))).code).toBe(0)
    expect((await npm(dave, ['view', '@acme/lib', 'version'])).stderr).toContain('E404')
    const grant = await npm(alice, ['access', 'grant', 'read-only', 'acme:devs', '@acme/lib'])
    expect(grant.code, grant.stderr).toBe(0)
    expect((await npm(dave, ['view', '@acme/lib', 'version'])).stdout.trim()).toBe('1.0.0')
    // read-only: dave cannot publish
    expect((await npm(dave, ['publish'], packageIn(dave, '@acme/lib', '1.0.1'))).stderr).toContain('E403')
    const collaborators = await npm(alice, ['access', 'list', 'collaborators', '@acme/lib', '--json'])
    expect(JSON.parse(collaborators.stdout)).toEqual({ alice: 'read-write', dave: 'read-only' })
    const packages = await npm(alice, ['access', 'list', 'packages', 'acme:devs', '--json'])
    expect(JSON.parse(packages.stdout)).toEqual({ '@acme/lib': 'read-only' })
    expect((await npm(alice, ['access', 'revoke', 'acme:devs', '@acme/lib'])).code).toBe(0)
    expect((await npm(dave, ['view', '@acme/lib', 'version'])).stderr).toContain('E404')
  })

  it('manages teams and org members as npm team and npm org do', async () => {
    const alice = as('alice')
    expect((await npm(alice, ['team', 'create', 'acme:docs'])).code).toBe(0)
    expect((await npm(alice, ['org', 'set', 'acme', 'bob', 'developer'])).code).toBe(0)
    expect((await npm(alice, ['team', 'add', 'acme:docs', 'bob'])).code).toBe(0)
    const [teams, members, org] = await Promise.all([
      npm(alice, ['team', 'ls', 'acme', '--parseable']),
      npm(alice, ['team', 'ls', 'acme:docs', '--parseable']),
      npm(alice, ['org', 'ls', 'acme', '--json']),
    ])
    expect(teams.stdout.split('\n')).toContain('acme:docs')
    expect(members.stdout.trim()).toBe('bob')
    expect(JSON.parse(org.stdout)).toMatchObject({ alice: 'owner', bob: 'developer', dave: 'developer' })
    const notAdmin = await npm(as('dave'), ['team', 'create', 'acme:rogue'])
    expect(notAdmin.stderr).toContain('E403')
  })

  it('logs in with user name and password (and OTP), on the web, and revokes tokens on npm logout', async () => {
    const opts = { registry: registry.url }
    const alice = await profile.loginCouch('alice', 'pw-alice', opts)
    expect(alice.token).toMatch(/^npm_/)
    await expect(profile.loginCouch('carol', 'pw-carol', opts)).rejects.toMatchObject({ code: 'EOTP' })
    const carol = await profile.loginCouch('carol', 'pw-carol', { ...opts, otp: '123456' })
    expect(registry.state.tokens.get(carol.token)).toBe('carol')

    const web = profile.loginWeb(async () => {}, opts)
    await expect.poll(() => registry.pendingWebLogins()).toBe(1)
    registry.completeWebLogin('bob')
    const { token } = await web
    expect(registry.state.tokens.get(token)).toBe('bob')

    const sandbox = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${alice.token}\n`)
    expect((await npm(sandbox, ['whoami'])).stdout.trim()).toBe('alice')
    const logout = await npm(sandbox, ['logout'])
    expect(logout.code, logout.stderr).toBe(0)
    expect(registry.state.tokens.has(alice.token)).toBe(false)
    expect(registry.requests.some((r) => r.method === 'DELETE' && r.path === `/-/user/token/${alice.token}`)).toBe(true)
  })
})
