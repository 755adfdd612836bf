// pkgs team / pkgs org on the npmjs-like registry, with the real npm as the second client and as
// the reference for every request that changes something; exit 4 on Verdaccio.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startNpmjsRegistry, usualUsers, type NpmjsRegistry } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, runNpm, runPkgs } from './support/sandbox.js'

let registry: NpmjsRegistry
const verdaccio = inject('verdaccio')

beforeAll(async () => {
  const members = { alice: 'owner', carol: 'developer' } as const
  registry = await startNpmjsRegistry({
    users: usualUsers,
    orgs: {
      guild: { members },
      ours: { members },
      theirs: { members },
      otters: { members: { otto: 'owner' } },
      quiet: { members },
      // alice is the only owner; bob is an admin
      solo: { members: { alice: 'owner', bob: 'admin' } },
      duo: { members: { alice: 'owner', carol: 'owner' } },
    },
  })
})
afterAll(() => registry?.close())

function json(res: { stdout: string }) {
  return JSON.parse(res.stdout)
}

/** A team with no members or packages, put straight into the registry: a test's starting state. */
function seedTeam(org: string, team: string) {
  registry.state.orgs.get(org)!.teams.set(team, { members: new Set(), packages: new Map() })
}

describe.concurrent('pkgs team and pkgs org on an npmjs-like registry', () => {
  it('a team from creation to destruction, its members and the org roles, as npm sees them', async () => {
    const alice = loggedIn(registry, 'alice')
    const created = await runPkgs(['team', 'create', '@guild:docs', '--json'], alice)
    expect(created.code, created.stderr).toBe(0)
    expect(json(created)).toEqual({ team: '@guild:docs', changed: true })
    expect(json(await runPkgs(['team', 'create', '@guild:docs', '--json'], alice))).toEqual({ team: '@guild:docs', changed: false })

    const joined = await runPkgs(['org', 'set', 'guild', 'bob'], alice)
    expect(joined.code, joined.stderr).toBe(0)
    expect(joined.stdout).toBe('Added bob to guild as developer.\n')
    expect(json(await runPkgs(['org', 'set', '@guild', 'bob', 'developer', '--json'], alice))).toEqual({
      org: 'guild',
      user: 'bob',
      role: 'developer',
      changed: false,
    })
    expect(json(await runPkgs(['org', 'set', 'guild', 'bob', 'admin', '--json'], alice))).toEqual({
      org: 'guild',
      user: 'bob',
      role: 'admin',
      changed: true,
      previous: 'developer',
    })
    // no role given: an admin stays one (npm org set would make him a developer)
    const kept = await runPkgs(['org', 'set', 'guild', 'bob'], alice)
    expect(kept.stdout).toBe('bob is already admin of guild; nothing changed.\n')
    expect(json(await runPkgs(['org', 'set', 'guild', 'bob', 'developer', '--json'], alice))).toMatchObject({
      role: 'developer',
      changed: true,
      previous: 'admin',
    })

    const added = await runPkgs(['team', 'add', '@guild:docs', 'bob'], alice)
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toBe('Added bob to @guild:docs.\n')
    expect(json(await runPkgs(['team', 'add', '@guild:docs', 'bob', '--json'], alice))).toEqual({ team: '@guild:docs', user: 'bob', changed: false })

    const [members, npmMembers, teams, npmTeams, roster, npmRoster, rosterPlain, npmRosterPlain] = await Promise.all([
      runPkgs(['team', 'ls', '@guild:docs', '--json'], alice),
      runNpm(['team', 'ls', 'guild:docs', '--json'], alice),
      runPkgs(['team', 'ls', '@guild'], alice),
      runNpm(['team', 'ls', 'guild', '--parseable'], alice),
      runPkgs(['org', 'ls', 'guild', '--json'], alice),
      runNpm(['org', 'ls', 'guild', '--json'], alice),
      runPkgs(['org', 'ls', 'guild'], alice),
      runNpm(['org', 'ls', 'guild'], alice),
    ])
    expect(json(members)).toEqual({ team: '@guild:docs', members: JSON.parse(npmMembers.stdout) })
    expect(json(members).members).toEqual(['bob'])
    expect(teams.stdout).toBe(
      npmTeams.stdout
        .trim()
        .split('\n')
        .map((t) => `@${t}\n`)
        .join(''),
    )
    expect(teams.stdout).toBe('@guild:developers\n@guild:docs\n')
    expect(json(roster)).toEqual({ org: 'guild', members: JSON.parse(npmRoster.stdout) })
    expect(rosterPlain.stdout).toBe(npmRosterPlain.stdout)

    const removed = await runPkgs(['team', 'rm', '@guild:docs', 'bob', '--json'], alice)
    expect(json(removed)).toEqual({ team: '@guild:docs', user: 'bob', changed: true })
    expect(json(await runNpm(['team', 'ls', 'guild:docs', '--json'], alice))).toEqual([])

    const unconfirmed = await runPkgs(['team', 'destroy', '@guild:docs'], alice)
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toContain('--yes')
    const destroyed = await runPkgs(['team', 'destroy', '@guild:docs', '--yes', '--json'], alice)
    expect(json(destroyed)).toEqual({ team: '@guild:docs', changed: true })
    expect(registry.state.orgs.get('guild')!.teams.has('docs')).toBe(false)
    expect(json(await runPkgs(['team', 'destroy', '@guild:docs', '--yes', '--json'], alice))).toEqual({ team: '@guild:docs', changed: false })

    const left = await runPkgs(['org', 'rm', 'guild', 'bob'], alice)
    expect(left.stdout).toBe('Removed bob from guild.\n')
    expect(json(await runPkgs(['org', 'rm', 'guild', 'bob', '--json'], alice))).toEqual({ org: 'guild', user: 'bob', changed: false })
    expect(registry.state.orgs.get('guild')!.members.has('bob')).toBe(false)
  })

  it('sends the requests npm team and npm org send', async () => {
    const alice = loggedIn(registry, 'alice')
    const steps: [pkgs: string[], npm: string[]][] = [
      [
        ['team', 'create', '@ours:docs', '--description', 'Docs writers'],
        ['team', 'create', 'theirs:docs'],
      ],
      [
        ['org', 'set', 'ours', 'bob'],
        ['org', 'set', 'theirs', 'bob'],
      ],
      [
        ['org', 'set', 'ours', 'bob', 'admin'],
        ['org', 'set', 'theirs', 'bob', 'admin'],
      ],
      [
        ['team', 'add', '@ours:docs', 'bob'],
        ['team', 'add', 'theirs:docs', 'bob'],
      ],
      [
        ['team', 'rm', '@ours:docs', 'bob'],
        ['team', 'rm', 'theirs:docs', 'bob'],
      ],
      [
        ['team', 'destroy', '@ours:docs', '--yes'],
        ['team', 'destroy', 'theirs:docs'],
      ],
      [
        ['org', 'rm', 'ours', 'bob'],
        ['org', 'rm', 'theirs', 'bob'],
      ],
    ]
    const sent = (org: string, from: number) =>
      registry.requests
        .slice(from)
        .filter((r) => r.method !== 'GET' && r.path.includes(`/${org}/`))
        .map((r) => ({ method: r.method, path: r.path.replace(org, '<org>'), body: r.body }))
    for (const [pkgsArgs, npmArgs] of steps) {
      let from = registry.requests.length
      expect((await runPkgs(pkgsArgs, alice)).code, pkgsArgs.join(' ')).toBe(0)
      const ours = sent('ours', from)
      from = registry.requests.length
      expect((await runNpm(npmArgs, alice)).code, npmArgs.join(' ')).toBe(0)
      const theirs = sent('theirs', from)
      // npm's team create has no --description (its "description" is a search setting)
      if (pkgsArgs.includes('--description')) {
        expect(ours[0].body).toEqual({ name: 'docs', description: 'Docs writers' })
        delete (ours[0].body as { description?: string }).description
      }
      expect(ours, pkgsArgs.join(' ')).toEqual(theirs)
      expect(ours).toHaveLength(1)
    }
  })

  it('explains: not an admin, no such org or team, invalid role, a one-time password', async () => {
    const carol = await runPkgs(['team', 'create', '@quiet:rogue'], loggedIn(registry, 'carol'))
    expect(carol.code).toBe(1)
    expect(carol.stderr).toContain('its teams are managed by its owners and admins')
    expect(carol.stderr).toContain('pkgs org ls quiet')
    // an admin manages teams, not members: only owners add them or change roles (npmjs's rule)
    const admin = await runPkgs(['org', 'set', 'solo', 'carol', 'developer', '--json'], loggedIn(registry, 'bob'))
    expect(admin.code).toBe(1)
    expect(json(admin).error.message).toBe(
      'You may not do this in @solo (You must be an owner of solo to do this.): its members and their roles are managed by its owners.',
    )
    expect(registry.state.orgs.get('solo')!.members.has('carol')).toBe(false)
    const noOrg = await runPkgs(['org', 'ls', 'nowhere', '--json'], loggedIn(registry, 'alice'))
    expect(noOrg.code).toBe(1)
    expect(json(noOrg).error.message).toContain('There is no organisation @nowhere')
    const noTeam = await runPkgs(['team', 'ls', '@quiet:nope'], loggedIn(registry, 'alice'))
    expect(noTeam.code).toBe(1)
    expect(noTeam.stderr).toContain('There is no team @quiet:nope')
    expect(noTeam.stderr).toContain('pkgs team ls @quiet')
    const [noUser, noTeamUser, outsider] = await Promise.all([
      runPkgs(['org', 'set', 'quiet', 'nobody', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['team', 'rm', '@quiet:developers', 'nobody'], loggedIn(registry, 'alice')),
      runPkgs(['team', 'add', '@quiet:developers', 'bob', '--json'], loggedIn(registry, 'alice')),
    ])
    expect(noUser.code).toBe(1)
    expect(json(noUser).error.message).toBe(`There is no user "nobody" on ${registry.url}.`)
    // not in the team and no such user: a misspelt name, said so (a real user not in it: nothing changed)
    expect(noTeamUser.code).toBe(1)
    expect(noTeamUser.stderr).toContain('There is no user "nobody"')
    const [noOrgUser, notInTeam] = await Promise.all([
      runPkgs(['org', 'rm', 'quiet', 'nobody', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['team', 'rm', '@quiet:developers', 'bob', '--json'], loggedIn(registry, 'alice')),
    ])
    expect(noOrgUser.code).toBe(1)
    expect(json(noOrgUser).error.message).toBe(`There is no user "nobody" on ${registry.url}.`)
    expect(notInTeam.code, notInTeam.stderr).toBe(0)
    expect(json(notInTeam)).toMatchObject({ changed: false })
    expect(outsider.code).toBe(1)
    expect(json(outsider).error).toMatchObject({ code: 'ENOTMEMBER', hint: 'Add them to the org first: pkgs org set quiet bob' })
    const role = await runPkgs(['org', 'set', 'quiet', 'bob', 'boss'], loggedIn(registry, 'alice'))
    expect(role.code).toBe(2)
    expect(role.stderr).toContain('developer (the default), admin or owner')

    const otto = loggedIn(registry, 'otto')
    const without = await runPkgs(['org', 'set', 'otters', 'bob', '--json'], otto, { keepStdinOpen: true })
    expect(without.code).toBe(1)
    expect(json(without).error).toMatchObject({ code: 'EOTP' })
    const withOtp = await runPkgs(['org', 'set', 'otters', 'bob', '--otp', registry.otp], otto)
    expect(withOtp.code, withOtp.stderr).toBe(0)
    expect(withOtp.stdout + withOtp.stderr).not.toContain(registry.otp)
    expect(registry.state.orgs.get('otters')!.members.get('bob')).toBe('developer')
  })

  it("org rm never removes the org's last owner, org set never demotes them, and rm asks before removing yourself", async () => {
    const from = registry.requests.length
    const [last, lastByAdmin, demoted] = await Promise.all([
      runPkgs(['org', 'rm', 'solo', 'alice', '--yes', '--json'], loggedIn(registry, 'alice')),
      runPkgs(['org', 'rm', 'solo', 'alice', '--json'], loggedIn(registry, 'bob')),
      // nor is the last owner given another role: the org would be left without owners as well
      runPkgs(['org', 'set', 'solo', 'alice', 'admin', '--json'], loggedIn(registry, 'alice')),
    ])
    for (const res of [last, lastByAdmin, demoted]) {
      expect(res.code, res.stderr).toBe(1)
      expect(json(res).error).toEqual({
        code: 'EOWNERRM',
        message: 'alice is the only owner of solo: an organisation cannot be left without owners.',
        hint: 'Make someone else an owner first: pkgs org set solo <user> owner',
      })
    }
    expect(registry.state.orgs.get('solo')!.members.get('alice')).toBe('owner')

    // yourself, without a terminal: --yes is needed, and nothing is sent
    const unasked = await runPkgs(['org', 'rm', 'duo', 'alice', '--json'], loggedIn(registry, 'alice'))
    expect(unasked.code).toBe(2)
    expect(json(unasked).error.message).toContain('Removing yourself (alice) from duo needs a confirmation')
    expect(json(unasked).error.hint).toContain('--yes')
    expect(registry.requests.slice(from).filter((r) => r.method === 'DELETE' && /\/(solo|duo)\//.test(r.path))).toEqual([])
    expect(registry.state.orgs.get('duo')!.members.has('alice')).toBe(true)

    const refused = runPkgsInPty(['org', 'rm', 'duo', 'alice'], loggedIn(registry, 'alice'))
    await refused.waitFor('Remove yourself (alice) from duo?')
    refused.write('n' + keys.enter)
    expect(await refused.exit).toBe(2)
    expect(registry.state.orgs.get('duo')!.members.has('alice')).toBe(true)

    const removed = await runPkgs(['org', 'rm', 'duo', 'alice', '--yes'], loggedIn(registry, 'alice'))
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toBe('Removed alice from duo.\n')
    expect(registry.state.orgs.get('duo')!.members.has('alice')).toBe(false)
  })

  it('a team the registry will not destroy: its reason, not a permission problem', async () => {
    const res = await runPkgs(['team', 'destroy', '@quiet:developers', '--yes', '--json'], loggedIn(registry, 'alice'))
    expect(res.code).toBe(1)
    expect(json(res).error).toMatchObject({
      code: 'E403',
      message: `${registry.url} will not destroy @quiet:developers: The developers team cannot be removed.`,
    })
    expect(json(res).error.message + json(res).error.hint).not.toContain('owners and admins')
    expect(registry.state.orgs.get('quiet')!.teams.has('developers')).toBe(true)
    // not an owner or admin: that is still said so
    seedTeam('quiet', 'kept')
    const carol = await runPkgs(['team', 'destroy', '@quiet:kept', '--yes'], loggedIn(registry, 'carol'))
    expect(carol.code).toBe(1)
    expect(carol.stderr).toContain('its teams are managed by its owners and admins')
  })

  it('team add of a user the registry does not know says so, not "add them to the org first"', async () => {
    const from = registry.requests.length
    const res = await runPkgs(['team', 'add', '@quiet:developers', 'nobody', '--json'], loggedIn(registry, 'alice'))
    expect(res.code).toBe(1)
    expect(json(res).error).toMatchObject({ code: 'E404', message: `There is no user "nobody" on ${registry.url}.` })
    expect(json(res).error.hint).not.toContain('org set')
    // looked up as npm owner add does, and nothing sent
    const sent = registry.requests.slice(from)
    expect(sent.some((r) => r.method === 'GET' && r.path === '/-/user/org.couchdb.user:nobody')).toBe(true)
    expect(sent.filter((r) => r.method !== 'GET' && r.path.startsWith('/-/team/quiet/developers/user'))).toEqual([])
  })

  it('destroy asks on a terminal', async () => {
    seedTeam('quiet', 'temp')
    const pty = runPkgsInPty(['team', 'destroy', '@quiet:temp'], loggedIn(registry, 'alice'))
    await pty.waitFor('Destroy @quiet:temp?')
    pty.write('y' + keys.enter)
    expect(await pty.exit).toBe(0)
    expect(pty.output()).toContain('Destroyed @quiet:temp.')
    expect(registry.state.orgs.get('quiet')!.teams.has('temp')).toBe(false)
  })

  it('Verdaccio: exit 4, it has no organisations or teams', async () => {
    const sandbox = loggedIn(verdaccio, 'alice')
    const [org, team] = await Promise.all([runPkgs(['org', 'ls', 'acme'], sandbox), runPkgs(['team', 'ls', '@acme', '--json'], sandbox)])
    expect(org.code).toBe(4)
    expect(org.stderr).toContain('Verdaccio has no organisations')
    expect(team.code).toBe(4)
    expect(json(team).error.hint).toContain('config.yaml')
  })
})
