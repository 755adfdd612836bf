// Share a package with a user (an owner, as `npm owner add`) or a team (`npm access grant`), and
// take it back; what pkgs share and pkgs unshare do once their arguments are checked.
import type { Config } from './config.js'
import { usageError } from './errors.js'
import type { OtpSession } from './otp.js'
import { changeOwner, ownersWhat, setOwners, type Owner, type OwnersDocument } from './owners.js'
import { getCollaborators, grantTeam, revokeTeam, teamPermission, teamsWhat, type Permission } from './permissions.js'
import { requireCredentials } from './preflight.js'
import { abbreviatedPackument, requestJson, requireWorkflow, whoami, type Target } from './registry.js'
import { escapedName, isTeam, parseTeam, scopeOf, validateUserName, type TeamName } from '../package/names.js'

export type Grantee = { kind: 'user'; user: string } | { kind: 'team'; team: TeamName }

export interface SharePlan {
  config: Config
  target: Target
  name: string
  grantee: Grantee
}

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

function granteeName(grantee: Grantee): string {
  return grantee.kind === 'team' ? grantee.team.id : grantee.user
}

/** Before any request: the registry has the workflow (owners or teams) and we are logged in there. */
export function planShare(config: Config, target: Target, name: string, grantee: Grantee): SharePlan {
  if (grantee.kind === 'user') requireWorkflow(target, 'share', ownersWhat)
  else requireWorkflow(target, 'teams', teamsWhat)
  requireCredentials(target.registry, target.credentials, target.scope)
  return { config, target, name, grantee }
}

function result(plan: SharePlan, permissions: Permission | null, changed: boolean, previous?: string): ShareResult {
  return { package: plan.name, registry: plan.target.registry.url, grantee: granteeName(plan.grantee), permissions, changed, ...(previous ? { previous } : {}) }
}

function ownersWriter({ config, target, name }: SharePlan, otp: OtpSession) {
  return (doc: OwnersDocument, maintainers: Owner[]) => setOwners(config, target, name, doc, maintainers, otp)
}

/**
 * Make a user an owner, or grant a team; nothing is sent when the access is already so. A team's
 * `permissions` left undefined keeps an existing grant as it is and makes a new one read-only.
 */
export async function share(plan: SharePlan, permissions: Permission | undefined, otp: OtpSession): Promise<ShareResult> {
  const { config, target, name, grantee } = plan
  if (grantee.kind === 'user') {
    const { changed } = await changeOwner(config, target, name, grantee.user, 'add', ownersWriter(plan, otp))
    return result(plan, 'read-write', changed)
  }
  // a scoped package belongs to its scope's user or org: npmjs grants it to no team of another org
  const scope = scopeOf(name)
  if (scope && scope !== `@${grantee.team.org}`) {
    throw usageError(
      `${grantee.team.id} is a team of @${grantee.team.org}, and ${name} is not an @${grantee.team.org} package: a team can be given only its org's packages.`,
      `Share it with a user (pkgs share <user> ${name}), or with a team of ${scope} if ${scope} is an organisation.`,
    )
  }
  const current = await teamPermission(config, target, grantee.team, name)
  if (current && (permissions === undefined || current === permissions)) return result(plan, current as Permission, false)
  const wanted = permissions ?? 'read-only'
  await grantTeam(config, target, grantee.team, name, wanted, otp)
  return result(plan, wanted, true, current)
}

/**
 * Remove an owner (never the last one), or revoke a team's grant. Removing yourself (whoami, read
 * with the owners) calls `removingYourself` first, which throws to stop it.
 */
export async function unshare(plan: SharePlan, otp: OtpSession, removingYourself?: () => Promise<void>): Promise<ShareResult> {
  const { config, target, name, grantee } = plan
  if (grantee.kind === 'user') {
    const me = removingYourself ? whoami(config, target) : undefined
    // awaited only before a removal: a user who is not an owner needs no answer
    me?.catch(() => {})
    const write = ownersWriter(plan, otp)
    const { changed } = await changeOwner(config, target, name, grantee.user, 'rm', async (doc, maintainers) => {
      if (me && (await me) === grantee.user) await removingYourself!()
      await write(doc, maintainers)
    })
    if (changed) return result(plan, null, true)
    // not an owner, yet perhaps not without access: a registry with teams lists every collaborator
    const teamAccess = await getCollaborators(config, target, name).then(
      (collaborators) => collaborators[grantee.user],
      () => undefined,
    )
    return { ...result(plan, null, false), ...(teamAccess ? { teamAccess } : {}) }
  }
  const current = await teamPermission(config, target, grantee.team, name)
  if (!current) {
    // a team's list shows only what the caller may see: a package they cannot read (misspelt, or
    // private to others) is not found, not "not shared"
    await requestJson(config, target, `/${escapedName(name)}`, { preferOnline: true, headers: { accept: abbreviatedPackument } }, { packageName: name })
    return result(plan, null, false)
  }
  await revokeTeam(config, target, grantee.team, name, otp)
  return result(plan, null, true, current)
}
