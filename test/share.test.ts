// pkgs share / unshare / owners / collaborators / ls: owners on Verdaccio's next line (which has
// `npm owner` and, with publish.check_owners, lets only owners publish), exit 4 on Verdaccio 6,
// teams on the npmjs-like registry; the real npm as the second client and as the reference for
// every request that changes something.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startNpmjsRegistry, usualUsers, type NpmjsRegistry, type Permission, type RecordedRequest } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, makeSandbox, runNpm, runPkgs, tokenOf, type LoginRegistry, type Sandbox } from './support/sandbox.js'
import { seedPublish } from './support/seed.js'

const next = inject('verdaccioNext')
const stable = inject('verdaccio')
const run = Math.random().toString(36).slice(2, 8)

function json(res: { stdout: string }) {
  return JSON.parse(res.stdout)
}

async function npmPublish(sandbox: Sandbox, name: string, version: string) {
  sandbox.writePackageJson({ name, version })
  // Verdaccio refuses a publish by someone not an owner with a 500, which npm would retry for a minute
  return runNpm(['publish', '--access', 'restricted', '--fetch-retries=0'], sandbox)
}

/** `name` published (restricted) by alice, with its package.json in her working folder. */
async function publishedByAlice(registry: LoginRegistry, alice: Sandbox, name: string) {
  alice.writePackageJson({ name, version: '1.0.0' })
  await seedPublish(registry.url, tokenOf(registry, 'alice'), name, '1.0.0', { access: 'restricted' })
}

describe.concurrent("owners on Verdaccio's next line", () => {
  it('in a subfolder of a package: owners is of the package above, as npm owner ls', async () => {
    const name = `@acme/nested-${run}`
    const alice = loggedIn(next, 'alice')
    await publishedByAlice(next, alice, name)
    const sub = join(alice.cwd, 'src', 'deep')
    mkdirSync(sub, { recursive: true })
    const [owners, npmOwners] = await Promise.all([runPkgs(['owners'], alice, { cwd: sub }), runNpm(['owner', 'ls'], alice, { cwd: sub })])
    expect(npmOwners.code, npmOwners.stderr).toBe(0)
    expect(owners.code, owners.stderr).toBe(0)
    expect(owners.stdout).toBe(npmOwners.stdout)
    expect(owners.stdout).toBe('alice <>\n')
  })

  it('share makes bob an owner who can publish, as npm owner ls shows; unshare takes it back; the last owner stays', async () => {
    const name = `@acme/shared-${run}`
    const alice = loggedIn(next, 'alice')
    const bob = loggedIn(next, 'bob')
    await publishedByAlice(next, alice, name)
    // only owners may publish here: bob cannot yet
    expect((await npmPublish(bob, name, '1.0.1')).code).not.toBe(0)

    const shared = await runPkgs(['share', 'bob', name, '--json'], alice)
    expect(shared.code, shared.stderr).toBe(0)
    expect(json(shared)).toEqual({ package: name, registry: next.url, grantee: 'bob', permissions: 'read-write', changed: true })
    const npmOwners = await runNpm(['owner', 'ls', name], alice)
    expect(npmOwners.stdout).toBe('alice <>\nbob <>\n')
    const owners = await runPkgs(['owners', name], alice)
    expect(owners.code, owners.stderr).toBe(0)
    expect(owners.stdout).toBe(npmOwners.stdout)
    const publishedByBob = await npmPublish(bob, name, '1.0.1')
    expect(publishedByBob.code, publishedByBob.stderr).toBe(0)

    const again = await runPkgs(['share', 'bob', name], alice)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('already an owner')

    const removed = await runPkgs(['unshare', 'bob'], alice, { cwd: alice.cwd })
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toBe(`${name}: bob is no longer an owner.\n`)
    expect((await runNpm(['owner', 'ls', name], alice)).stdout).toBe('alice <>\n')
    expect((await npmPublish(bob, name, '1.0.2')).code).not.toBe(0)

    const notOwner = await runPkgs(['unshare', 'bob', name, '--json'], alice)
    expect(notOwner.code).toBe(0)
    expect(json(notOwner)).toMatchObject({ grantee: 'bob', permissions: null, changed: false })

    const last = await runPkgs(['unshare', 'alice', name, '--json'], alice)
    expect(last.code).toBe(1)
    expect(json(last).error).toMatchObject({ code: 'EOWNERRM' })
    expect(json(last).error.message).toContain('only owner')
    expect(json(last).error.hint).toContain(`pkgs share <user> ${name}`)
    expect((await runNpm(['owner', 'ls', name], alice)).stdout).toBe('alice <>\n')
  })

  it('a package that does not exist: exit 1 saying so (not "unsupported"), as npm owner ls says E404', async () => {
    const name = `@acme/never-published-${run}`
    const alice = loggedIn(next, 'alice')
    const results = await Promise.all([
      runPkgs(['owners', name, '--json'], alice),
      runPkgs(['share', 'bob', name, '--json'], alice),
      runPkgs(['unshare', 'bob', name, '--json'], alice),
    ])
    for (const res of results) {
      expect(res.code, res.stdout).toBe(1)
      expect(json(res).error).toMatchObject({ code: 'E404', message: expect.stringContaining(`${name} was not found on ${next.url}`) })
    }
    expect((await runNpm(['owner', 'ls', name], alice)).stderr).toContain('E404')
  })

  it('teams, collaborators and package lists: exit 4 naming Verdaccio and its config.yaml', async () => {
    const name = `@acme/teams-${run}`
    const alice = loggedIn(next, 'alice')
    await publishedByAlice(next, alice, name)
    for (const args of [['share', '@acme:devs', name], ['unshare', '@acme:devs', name], ['collaborators', name], ['ls'], ['ls', '@acme:devs']]) {
      const res = await runPkgs([...args, '--json'], alice)
      expect(res.code, args.join(' ')).toBe(4)
      expect(json(res).error).toMatchObject({ code: 'EUNSUPPORTED' })
      expect(json(res).error.message).toContain('Verdaccio')
      expect(json(res).error.hint).toContain('config.yaml')
    }
  })
})

describe.concurrent('owners on Verdaccio 6', () => {
  it('share, unshare and owners: exit 4 naming Verdaccio, not a raw 422', async () => {
    const name = `@acme/stable-${run}`
    const alice = loggedIn(stable, 'alice')
    await publishedByAlice(stable, alice, name)
    // npm itself fails here with a raw 422
    expect((await runNpm(['owner', 'add', 'bob', name], alice)).stderr).toContain('422')
    for (const args of [
      ['share', 'bob', name],
      ['unshare', 'bob', name],
      ['owners', name],
    ]) {
      const res = await runPkgs(args, alice)
      expect(res.code, args.join(' ')).toBe(4)
      expect(res.stderr).toContain(`Verdaccio at ${stable.url} does not support package owners`)
      expect(res.stderr).toContain('config.yaml')
      expect(res.stderr).not.toMatch(/\b422\b/) // the status, not a port that happens to hold 422
    }
  })
})

describe.concurrent('registries that manage access in their own settings', () => {
  it('GitHub Packages: exit 4 before any request, naming where access is managed', async () => {
    // npm.pkg.github.com is never reached: its host alone says it has none of these
    const sandbox = makeSandbox('//npm.pkg.github.com/:_authToken=ghp_not_used\n')
    const github = ['--registry', 'https://npm.pkg.github.com/']
    const runs = [
      ['share', 'bob', '@acme/x'],
      ['share', '@acme:devs', '@acme/x'],
      ['unshare', 'bob', '@acme/x'],
      ['owners', '@acme/x'],
      ['collaborators', '@acme/x'],
      ['ls', '@acme'],
      ['team', 'ls', '@acme'],
      ['make-private', '@acme/x'],
    ]
    const results = await Promise.all(runs.map((args) => runPkgs([...args, ...github], sandbox)))
    results.forEach((res, i) => {
      expect(res.code, runs[i].join(' ')).toBe(4)
      expect(res.stderr).toContain('GitHub Packages at https://npm.pkg.github.com/ does not support')
      expect(res.stderr).toContain('Manage access')
      // one error, not one per package and another for the run
      expect(res.stderr.match(/^error /gm)).toHaveLength(1)
    })
  })
})

// --- the npmjs-like registry: teams, collaborators, lists, parity with npm, errors ------------

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: usualUsers,
    paidScopes: ['@acme', '@otto'],
    // carol is in @acme, but only in the team devs: she gets nothing until devs is granted
    orgs: { acme: { members: { alice: 'owner', carol: 'developer' }, teams: { developers: ['alice'], devs: ['carol'] } } },
  })
})
afterAll(() => registry?.close())

// a test's starting state, put straight into the registry (as pkgs share or npm would leave it)
function addOwner(name: string, user: string) {
  registry.state.packages.get(name)!.doc.maintainers.push({ name: user, email: registry.state.users.get(user)!.email })
}
function grantDevs(name: string, permission: Permission) {
  registry.state.orgs.get('acme')!.teams.get('devs')!.packages.set(name, permission)
}

type Sent = Pick<RecordedRequest, 'method' | 'path' | 'body'>

/** The changing requests since `from`, for one package, with the document revision made neutral. */
function changes(from: number, name: string): Sent[] {
  const escaped = name.replace('/', '%2f')
  return registry.requests
    .slice(from)
    .filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && (r.path.startsWith(`/${escaped}/`) || JSON.stringify(r.body).includes(name)))
    .map(({ method, path, body }) => {
      const rev = /\/-rev\/([^/?]+)/.exec(path)?.[1]
      const neutral = (text: string) => (rev ? text.split(decodeURIComponent(rev)).join('<rev>').split(rev).join('<rev>') : text)
      return { method, path: neutral(path), body: JSON.parse(neutral(JSON.stringify(body ?? null))) }
    })
}

// one after the other: each test compares against npm on the shared state
describe('teams on an npmjs-like registry', () => {
  it('grant read-only, then read-write, then revoke: what a team member can install and publish follows', async () => {
    const name = '@acme/team-effect'
    registry.seedPackage(name, 'alice')
    const alice = loggedIn(registry, 'alice')
    const carol = loggedIn(registry, 'carol')
    const canRead = async () => (await runNpm(['view', name, 'version'], carol)).code === 0
    const carolPublishes = async (version: string) => (await npmPublish(carol, name, version)).code === 0
    expect(await canRead()).toBe(false)

    const ro = await runPkgs(['share', '@acme:devs', name, '--json'], alice)
    expect(ro.code, ro.stderr).toBe(0)
    expect(json(ro)).toEqual({ package: name, registry: registry.url, grantee: '@acme:devs', permissions: 'read-only', changed: true })
    expect(await canRead()).toBe(true)
    expect(await carolPublishes('1.0.1')).toBe(false)

    const rw = await runPkgs(['share', '@acme:devs', name, '--read-write'], alice)
    expect(rw.code, rw.stderr).toBe(0)
    expect(rw.stdout).toBe(`${name}: @acme:devs now has read-write (was read-only).\n`)
    expect(await carolPublishes('1.0.1')).toBe(true)
    const same = await runPkgs(['share', '@acme:devs', name, '--read-write', '--json'], alice)
    expect(json(same)).toMatchObject({ permissions: 'read-write', changed: false })

    const revoked = await runPkgs(['unshare', '@acme:devs', name], alice)
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(revoked.stdout).toBe(`${name}: @acme:devs no longer has access (had read-write).\n`)
    expect(await canRead()).toBe(false)
    const none = await runPkgs(['unshare', '@acme:devs', name, '--json'], alice)
    expect(json(none)).toMatchObject({ permissions: null, changed: false })
  })

  it('share with no flag leaves an existing grant as it is; only a flag changes it', async () => {
    const name = '@acme/kept-grant'
    registry.seedPackage(name, 'alice')
    const alice = loggedIn(registry, 'alice')
    grantDevs(name, 'read-write')
    const from = registry.requests.length
    const kept = await runPkgs(['share', '@acme:devs', name, '--json'], alice)
    expect(kept.code, kept.stderr).toBe(0)
    expect(json(kept)).toEqual({ package: name, registry: registry.url, grantee: '@acme:devs', permissions: 'read-write', changed: false })
    const plain = await runPkgs(['share', '@acme:devs', name], alice)
    expect(plain.stdout).toBe(`${name}: @acme:devs already has read-write; nothing changed.\n`)
    expect(
      registry.requests.slice(from).filter((r) => r.method !== 'GET' && (r.path.includes('kept-grant') || JSON.stringify(r.body ?? null).includes(name))),
    ).toEqual([])
    expect(registry.state.orgs.get('acme')!.teams.get('devs')!.packages.get(name)).toBe('read-write')

    const lowered = await runPkgs(['share', '@acme:devs', name, '--read-only', '--json'], alice)
    expect(json(lowered)).toMatchObject({ permissions: 'read-only', changed: true, previous: 'read-write' })
    expect(registry.state.orgs.get('acme')!.teams.get('devs')!.packages.get(name)).toBe('read-only')
  })

  it('unshare of a user who is not an owner says when they still have access through a team', async () => {
    const name = '@acme/via-team'
    registry.seedPackage(name, 'alice')
    const alice = loggedIn(registry, 'alice')
    grantDevs(name, 'read-only')
    const [viaTeam, viaTeamText, nobody] = await Promise.all([
      runPkgs(['unshare', 'carol', name, '--json'], alice),
      runPkgs(['unshare', 'carol', name], alice),
      runPkgs(['unshare', 'bob', name, '--json'], alice),
    ])
    expect(viaTeam.code, viaTeam.stderr).toBe(0)
    expect(json(viaTeam)).toEqual({ package: name, registry: registry.url, grantee: 'carol', permissions: null, changed: false, teamAccess: 'read-only' })
    expect(viaTeamText.stdout).toBe(`${name}: carol is not an owner; nothing changed. carol still has read-only access through a team.\n`)
    expect(viaTeamText.stderr).toContain(`pkgs collaborators ${name}`)
    expect(viaTeamText.stderr).toContain('pkgs team rm @acme:<team> carol')
    expect(json(nobody)).toEqual({ package: name, registry: registry.url, grantee: 'bob', permissions: null, changed: false })
  })

  it('collaborators and ls say what npm access list says', async () => {
    const name = '@acme/listed'
    registry.seedPackage(name, 'alice')
    const alice = loggedIn(registry, 'alice')
    addOwner(name, 'bob')
    grantDevs(name, 'read-only')

    const npmCollaborators = await runNpm(['access', 'list', 'collaborators', name, '--json'], alice)
    const collaborators = await runPkgs(['collaborators', name, '--json'], alice)
    expect(collaborators.code, collaborators.stderr).toBe(0)
    expect(json(collaborators)).toEqual({ package: name, registry: registry.url, collaborators: JSON.parse(npmCollaborators.stdout) })
    expect(json(collaborators).collaborators).toEqual({ alice: 'read-write', bob: 'read-write', carol: 'read-only' })
    const plain = await runPkgs(['collaborators', name], alice)
    expect(plain.stdout).toBe((await runNpm(['access', 'list', 'collaborators', name], alice)).stdout)

    for (const entity of [[], ['bob'], ['@acme'], ['@acme:devs']]) {
      const [ours, npms, oursPlain, npmsPlain] = await Promise.all([
        runPkgs(['ls', ...entity, '--json'], alice),
        runNpm(['access', 'list', 'packages', ...entity, '--json'], alice),
        runPkgs(['ls', ...entity], alice),
        runNpm(['access', 'list', 'packages', ...entity], alice),
      ])
      expect(ours.code, ours.stderr).toBe(0)
      expect(json(ours).packages, entity.join(' ')).toEqual(JSON.parse(npms.stdout))
      expect(oursPlain.stdout).toBe(npmsPlain.stdout)
    }
    expect(json(await runPkgs(['ls', '@acme:devs', '--json'], alice))).toMatchObject({ entity: '@acme:devs', kind: 'team', packages: { [name]: 'read-only' } })
    expect(json(await runPkgs(['ls', '--json'], loggedIn(registry, 'bob')))).toMatchObject({ entity: 'bob', kind: 'user', packages: { [name]: 'read-write' } })
  })

  it('sends the requests npm sends: owner add, owner rm, grant read-only, grant read-write, revoke', async () => {
    const alice = loggedIn(registry, 'alice')
    // each case on two packages in the same state: pkgs changes one, npm the other
    const cases: { pkgs: (name: string) => string[]; npm: (name: string) => string[]; before?: (name: string) => void }[] = [
      { pkgs: (n) => ['share', 'bob', n], npm: (n) => ['owner', 'add', 'bob', n] },
      { pkgs: (n) => ['share', '@acme:devs', n], npm: (n) => ['access', 'grant', 'read-only', '@acme:devs', n] },
      { pkgs: (n) => ['share', '@acme:devs', n, '--read-write'], npm: (n) => ['access', 'grant', 'read-write', '@acme:devs', n] },
      { pkgs: (n) => ['unshare', 'bob', n], npm: (n) => ['owner', 'rm', 'bob', n], before: (n) => addOwner(n, 'bob') },
      { pkgs: (n) => ['unshare', '@acme:devs', n], npm: (n) => ['access', 'revoke', '@acme:devs', n], before: (n) => grantDevs(n, 'read-only') },
    ]
    await Promise.all(
      cases.map(async ({ pkgs, npm, before }, i) => {
        const ours = `@acme/parity-${i}-pkgs`
        const theirs = `@acme/parity-${i}-npm`
        for (const name of [ours, theirs]) {
          registry.seedPackage(name, 'alice')
          before?.(name)
        }
        const [byPkgs, byNpm] = await Promise.all([runPkgs(pkgs(ours), alice), runNpm(npm(theirs), alice)])
        expect(byPkgs.code, byPkgs.stderr).toBe(0)
        expect(byNpm.code, byNpm.stderr).toBe(0)
        const sent = changes(0, ours)
        const asOurs = (text: string) => text.split(theirs).join(ours).split(theirs.replace('/', '%2f')).join(ours.replace('/', '%2f'))
        expect(sent, pkgs(ours).join(' ')).toEqual(JSON.parse(asOurs(JSON.stringify(changes(0, theirs)))))
        expect(sent).toHaveLength(1)
      }),
    )
  })
})

describe.concurrent('share errors, explained', () => {
  it('an unknown user, package or team: a clear error and nothing changed', async () => {
    registry.seedPackage('@acme/errs', 'alice')
    const alice = loggedIn(registry, 'alice')
    const from = registry.requests.length
    const user = await runPkgs(['share', 'nobody', '@acme/errs', '--json'], alice)
    expect(user.code).toBe(1)
    expect(json(user).error).toMatchObject({ code: 'E404', message: `There is no user "nobody" on ${registry.url}.` })
    const unshareUser = await runPkgs(['unshare', 'nobody', '@acme/errs'], alice)
    expect(unshareUser.code).toBe(1)
    expect(unshareUser.stderr).toContain('There is no user "nobody"')
    const pkg = await runPkgs(['share', 'bob', '@acme/missing'], alice)
    expect(pkg.code).toBe(1)
    expect(pkg.stderr).toContain('@acme/missing was not found')
    // a team's list holds only what the caller may see: a misspelt package is not found, not "not shared"
    const misspelt = await runPkgs(['unshare', '@acme:devs', '@acme/errz', '--json'], alice)
    expect(misspelt.code).toBe(1)
    expect(json(misspelt).error).toMatchObject({ code: 'E404', message: expect.stringContaining('@acme/errz was not found') })
    const team = await runPkgs(['share', '@acme:nope', '@acme/errs', '--json'], alice)
    expect(team.code).toBe(1)
    expect(json(team).error.message).toContain('There is no team @acme:nope')
    expect(json(team).error.hint).toContain('pkgs team ls @acme')
    const touched = registry.requests.slice(from).filter((r) => r.method !== 'GET' && /errs|errz|missing|nope|nobody/.test(r.path + JSON.stringify(r.body)))
    expect(touched).toEqual([])
  })

  it("a team and a package of another scope: exit 2 before any request (a team is given only its org's packages)", async () => {
    registry.seedPackage('@alice/own', 'alice')
    const from = registry.requests.length
    const res = await runPkgs(['share', '@acme:devs', '@alice/own', '--json'], loggedIn(registry, 'alice'))
    expect(res.code).toBe(2)
    expect(json(res).error).toMatchObject({
      code: 'EUSAGE',
      message: "@acme:devs is a team of @acme, and @alice/own is not an @acme package: a team can be given only its org's packages.",
      hint: 'Share it with a user (pkgs share <user> @alice/own), or with a team of @alice if @alice is an organisation.',
    })
    expect(registry.requests.slice(from).filter((r) => /alice(%2f|\/)own/.test(r.path + JSON.stringify(r.body ?? '')))).toEqual([])
  })

  it('no permission: who may change owners or teams, and whom to ask', async () => {
    registry.seedPackage('@acme/guarded', 'alice', 'public')
    const owners = await runPkgs(['share', 'carol', '@acme/guarded'], loggedIn(registry, 'bob'))
    expect(owners.code).toBe(1)
    expect(owners.stderr).toContain('You may not change the owners of @acme/guarded')
    expect(owners.stderr).toContain('pkgs owners @acme/guarded')
    const team = await runPkgs(['share', '@acme:devs', '@acme/guarded'], loggedIn(registry, 'carol'))
    expect(team.code).toBe(1)
    expect(team.stderr).toContain('only owners and admins of @acme can')
    const loggedOut = await runPkgs(['share', 'bob', '@acme/guarded'], makeSandbox(`registry=${registry.url}\n`))
    expect(loggedOut.code).toBe(3)
    expect(loggedOut.stderr).toContain('pkgs login')
  })

  it('a one-time password: asked for with --otp without a terminal, sent when given, never printed', async () => {
    registry.seedPackage('@otto/secret', 'otto')
    const otto = loggedIn(registry, 'otto')
    const without = await runPkgs(['share', 'bob', '@otto/secret', '--json'], otto, { keepStdinOpen: true })
    expect(without.code).toBe(1)
    expect(json(without).error).toMatchObject({ code: 'EOTP' })
    expect(json(without).error.hint).toContain('--otp')
    const from = registry.requests.length
    const withOtp = await runPkgs(['share', 'bob', '@otto/secret', '--otp', registry.otp, '--verbose'], otto)
    expect(withOtp.code, withOtp.stderr).toBe(0)
    expect(withOtp.stdout + withOtp.stderr).not.toContain(registry.otp)
    expect(withOtp.stdout + withOtp.stderr).not.toContain(registry.tokens.otto)
    // --verbose logs each request: the look-ups and the change
    expect(withOtp.stderr).toMatch(/GET 200 .*org\.couchdb\.user:bob/)
    expect(withOtp.stderr).toMatch(/PUT 200 .*@otto%2fsecret\/-rev\//)
    const put = registry.requests.slice(from).find((r) => r.method === 'PUT' && r.path.startsWith('/@otto%2fsecret/'))
    expect(put?.headers['npm-otp']).toBe(registry.otp)
    expect(registry.state.packages.get('@otto/secret')!.doc.maintainers.map((m) => m.name)).toEqual(['otto', 'bob'])
  })

  it('unshare yourself asks first: without a terminal it needs --yes', async () => {
    const name = '@acme/self-removal'
    registry.seedPackage(name, 'alice')
    addOwner(name, 'bob')
    const owners = () => registry.state.packages.get(name)!.doc.maintainers.map((m) => m.name)
    const bob = loggedIn(registry, 'bob')
    const from = registry.requests.length
    const unasked = await runPkgs(['unshare', 'bob', name, '--json'], bob)
    expect(unasked.code).toBe(2)
    expect(json(unasked).error.message).toContain(`Removing yourself (bob) from the owners of ${name} needs a confirmation`)
    expect(json(unasked).error.hint).toContain('--yes')
    expect(registry.requests.slice(from).filter((r) => r.method !== 'GET' && r.path.includes('self-removal'))).toEqual([])
    expect(owners()).toEqual(['alice', 'bob'])

    const refused = runPkgsInPty(['unshare', 'bob', name], bob)
    await refused.waitFor(`Remove yourself (bob) from the owners of ${name}?`)
    refused.write('n' + keys.enter)
    expect(await refused.exit).toBe(2)
    expect(owners()).toEqual(['alice', 'bob'])

    const removed = await runPkgs(['unshare', 'bob', name, '--yes'], bob)
    expect(removed.code, removed.stderr).toBe(0)
    expect(owners()).toEqual(['alice'])
  })

  it('on a terminal, asks for the one-time password and shares', async () => {
    registry.seedPackage('@otto/typed', 'otto')
    const pty = runPkgsInPty(['share', 'bob', '@otto/typed'], loggedIn(registry, 'otto'))
    await pty.waitFor('One-time password')
    pty.write(registry.otp)
    expect(await pty.exit).toBe(0)
    expect(pty.output()).toContain('@otto/typed: bob is now an owner (read-write).')
    expect(pty.output()).not.toContain(registry.otp)
    expect(registry.state.packages.get('@otto/typed')!.doc.maintainers.map((m) => m.name)).toEqual(['otto', 'bob'])
  })

  it('usage: both permissions, read-only for one user, a malformed team, no package', async () => {
    const alice = loggedIn(registry, 'alice')
    const both = await runPkgs(['share', '@acme:devs', '@acme/x', '--read-only', '--read-write'], alice)
    expect(both.code).toBe(2)
    const readOnlyUser = await runPkgs(['share', 'bob', '@acme/x', '--read-only', '--json'], alice)
    expect(readOnlyUser.code).toBe(2)
    expect(json(readOnlyUser).error.hint).toContain('pkgs team add @org:team bob')
    expect(json(readOnlyUser).error.hint).toContain('pkgs share @org:team <package> --read-only')
    const team = await runPkgs(['share', '@acme:', '@acme/x'], alice)
    expect(team.code).toBe(2)
    expect(team.stderr).toContain('Invalid team')
    const noPackage = await runPkgs(['unshare', 'bob'], alice)
    expect(noPackage.code).toBe(2)
    expect(noPackage.stderr).toContain('pkgs unshare bob @acme/widgets')
    expect(noPackage.stderr).toContain('there is no package.json here or above')
    // a package.json without a name is not "no package.json"
    alice.writePackageJson({ version: '1.0.0' })
    const unnamed = await runPkgs(['owners'], alice)
    expect(unnamed.code).toBe(2)
    expect(unnamed.stderr).toContain(`Name the package: ${alice.cwd}/package.json has no "name".`)
  })

  it('owners and collaborators as tables on a terminal', async () => {
    registry.seedPackage('@acme/tabled', 'alice')
    const pty = runPkgsInPty(['owners', '@acme/tabled'], loggedIn(registry, 'alice'))
    expect(await pty.exit).toBe(0)
    expect(pty.output()).toMatch(/OWNER\s+EMAIL\nalice\s+alice@example.com/)
    const collab = runPkgsInPty(['collaborators', '@acme/tabled'], loggedIn(registry, 'alice'))
    expect(await collab.exit).toBe(0)
    expect(collab.output()).toMatch(/USER\s+PERMISSIONS\nalice\s+read-write/)
  })
})
