// Share packages with a user (an owner, as `npm owner add`) or a team (`npm access grant`), and
// take it back, as plans: what the grantee has on each package is read first (a user's owners
// documents, a team's list of packages once per registry), and only what differs becomes a change.
import type { RegistryClient } from './client.js'
import { PkgsError, usageError } from './errors.js'
import { getOwners, getUser, ownersWhat, setOwners, type Owner, type OwnersDocument } from './owners.js'
import { getCollaborators, getPackagesOf, grantTeam, revokeTeam, teamsWhat, type Permission } from './permissions.js'
import type { Change } from './plan.js'
import { requireCredentials } from './preflight.js'
import { abbreviatedPackument, requireWorkflow, type Target } from './registry.js'
import { escapedName, isTeam, parseTeam, scopeOf, validateUserName, type TeamName } from '../package/names.js'

export type Grantee = { kind: 'user'; user: string } | { kind: 'team'; team: TeamName }

export interface ShareResult {
  package: string
  registry: string
  grantee: string
  /** what the grantee has now through this grant: null once unshared */
  permissions: Permission | null
  changed: boolean
  /** a team's permission before the change, when it had one */
  previous?: string
  /** a user who is not an owner: what they still have through a team, when the registry tells (its collaborators) */
  teamAccess?: string
}

export function parseGrantee(value: string): Grantee {
  return isTeam(value) ? { kind: 'team', team: parseTeam(value) } : { kind: 'user', user: validateUserName(value) }
}

export function granteeName(grantee: Grantee): string {
  return grantee.kind === 'team' ? grantee.team.id : grantee.user
}

/** Before any request: the registry has the workflow (owners or teams) and we are logged in there. */
export function checkShareTarget(target: Target, grantee: Grantee): void {
  if (grantee.kind === 'user') requireWorkflow(target, 'share', ownersWhat)
  else requireWorkflow(target, 'teams', teamsWhat)
  requireCredentials(target.registry, target.credentials, target.scope)
}

/** A scoped package belongs to its scope's user or org: npmjs grants it to no team of another org (exit 2, before any request). */
export function checkTeamScope(grantee: Grantee, name: string): void {
  const scope = scopeOf(name)
  if (grantee.kind !== 'team' || !scope || scope === `@${grantee.team.org}`) return
  throw usageError(
    `${grantee.team.id} is a team of @${grantee.team.org}, and ${name} is not an @${grantee.team.org} package: a team can be given only its org's packages.`,
    `Share it with a user (pkgs share <user> ${name}), or with a team of ${scope} if ${scope} is an organisation.`,
  )
}

/** What the grantee has on one package: an owner's read-write, a team's grant, or nothing. */
export interface Sharing {
  name: string
  client: RegistryClient
  /** 'read-write' for an owner, a team's permission; undefined: none */
  current?: string
  owners?: OwnersDocument
  person?: Owner
}

/**
 * The reader of what a grantee has on a package: for a user, the user (once per registry, as npm
 * owner add looks them up) and each package's owners; for a team, its list of packages (once per
 * registry). A team's list shows only what the caller may see: a package not in it is read, so that
 * one the caller cannot read (misspelt, or private to others) is not found rather than "not shared".
 */
export function sharingReader(grantee: Grantee, { confirmAbsent }: { confirmAbsent: boolean }) {
  const once = new Map<string, Promise<unknown>>()
  const perRegistry = <T>(client: RegistryClient, read: () => Promise<T>): Promise<T> => {
    const key = client.target.registry.url
    if (!once.has(key)) once.set(key, read())
    return once.get(key) as Promise<T>
  }
  return async (name: string, client: RegistryClient): Promise<Sharing> => {
    if (grantee.kind === 'user') {
      const [person, owners] = await Promise.all([perRegistry(client, () => getUser(client, grantee.user)), getOwners(client, name)])
      const present = owners.owners.some((o) => o.name === person.name)
      return { name, client, current: present ? 'read-write' : undefined, owners, person }
    }
    const { packages } = await perRegistry(client, () => getPackagesOf(client, { kind: 'team', team: grantee.team }, { what: teamsWhat }))
    const current = packages[name]
    if (!current && confirmAbsent) {
      await client.json(`/${escapedName(name)}`, { preferOnline: true, headers: { accept: abbreviatedPackument } }, { packageName: name })
    }
    return { name, client, current }
  }
}

function result(s: Sharing, grantee: Grantee, permissions: Permission | null, changed: boolean, previous?: string): ShareResult {
  return { package: s.name, registry: s.client.target.registry.url, grantee: granteeName(grantee), permissions, changed, ...(previous ? { previous } : {}) }
}

/** The result of a change once made (or, in a dry run and for what needs none, as it stands). */
export interface PlannedShare {
  /** the result with nothing changed */
  unchanged: ShareResult
  change?: Change<ShareResult>
}

/**
 * Share: a user becomes an owner (the owners written back under the revision read), a team gets
 * `permissions` (undefined keeps an existing grant as it is and makes a new one read-only).
 */
export function planShare(s: Sharing, grantee: Grantee, permissions: Permission | undefined): PlannedShare {
  const registry = s.client.target.registry.url
  if (grantee.kind === 'user') {
    if (s.current) return { unchanged: result(s, grantee, 'read-write', false) }
    const maintainers = [...s.owners!.owners, s.person!]
    return {
      unchanged: result(s, grantee, null, false),
      change: {
        kind: 'owner',
        target: s.name,
        action: 'add',
        to: grantee.user,
        registry,
        apply: async () => (await setOwners(s.client, s.name, s.owners!, maintainers), result(s, grantee, 'read-write', true)),
      },
    }
  }
  if (s.current && (permissions === undefined || s.current === permissions)) return { unchanged: result(s, grantee, s.current as Permission, false) }
  const wanted = permissions ?? 'read-only'
  return {
    unchanged: result(s, grantee, (s.current as Permission | undefined) ?? null, false),
    change: {
      kind: 'grant',
      target: s.name,
      action: s.current ? 'change' : 'add',
      ...(s.current ? { from: `${grantee.team.id} ${s.current}` } : {}),
      to: `${grantee.team.id} ${wanted}`,
      registry,
      apply: async () => (await grantTeam(s.client, grantee.team, s.name, wanted), result(s, grantee, wanted, true, s.current)),
    },
  }
}

/** Unshare: an owner removed (never the last one: EOWNERRM), or a team's grant revoked; both take access away. */
export function planUnshare(s: Sharing, grantee: Grantee): PlannedShare {
  const registry = s.client.target.registry.url
  const unchanged = result(s, grantee, null, false)
  if (!s.current) return { unchanged }
  if (grantee.kind === 'user') {
    const maintainers = s.owners!.owners.filter((o) => o.name !== s.person!.name)
    if (!maintainers.length) {
      throw new PkgsError('EOWNERRM', `${s.person!.name} is the only owner of ${s.name}: a package cannot be left without owners.`, {
        hint: `Make someone else an owner first: pkgs share <user> ${s.name}`,
      })
    }
    return {
      unchanged,
      change: {
        kind: 'owner',
        target: s.name,
        action: 'remove',
        from: grantee.user,
        registry,
        risk: 'access-removed',
        apply: async () => (await setOwners(s.client, s.name, s.owners!, maintainers), result(s, grantee, null, true)),
      },
    }
  }
  return {
    unchanged,
    change: {
      kind: 'grant',
      target: s.name,
      action: 'remove',
      from: `${grantee.team.id} ${s.current}`,
      registry,
      risk: 'access-removed',
      apply: async () => (await revokeTeam(s.client, grantee.team, s.name), result(s, grantee, null, true, s.current)),
    },
  }
}

/** A user who is not an owner may still have access through a team: what the registry's collaborators say, if it tells. */
export function teamAccessOf(client: RegistryClient, name: string, user: string): Promise<string | undefined> {
  return getCollaborators(client, name).then(
    (collaborators) => collaborators[user],
    () => undefined,
  )
}
