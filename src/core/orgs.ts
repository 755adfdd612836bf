// Organisations and their teams, with npm's libnpmorg and libnpmteam for every change (the
// requests `npm org` and `npm team` send) and the same URLs for the lists.
import type { RegistryClient } from './client.js'
import { PkgsError, RegistryError, usageError } from './errors.js'
import { registryMessage } from './explain.js'
import { getUser, noSuchUser } from './owners.js'
import { isStatus, unsupportedBy, type Target, type Workflow } from './registry.js'
import type { TeamName } from '../package/names.js'

export type OrgRole = 'developer' | 'admin' | 'owner'
export const orgRoles: OrgRole[] = ['developer', 'admin', 'owner']

export interface OrgPlan {
  client: RegistryClient
  /** without @ */
  org: string
}

export function validateRole(role: string): OrgRole {
  if (!orgRoles.includes(role as OrgRole)) throw usageError(`Invalid role "${role}".`, 'A role is developer (the default), admin or owner.')
  return role as OrgRole
}

/** A team the registry does not know (npmjs also answers so to those outside the org). */
export function noSuchTeam(team: TeamName, target: Target, cause: unknown): PkgsError {
  return new PkgsError('E404', `There is no team ${team.id} on ${target.registry.url}, or you are not a member of @${team.org}.`, {
    hint: `See the teams of @${team.org} with: pkgs team ls @${team.org}`,
    cause,
  })
}

/** Which team or user a request names, for its 404. */
interface Subject {
  team?: TeamName
  user?: string
}

function explain(err: unknown, plan: OrgPlan, workflow: Workflow, what: string, { team, user }: Subject): unknown {
  const unsupported = unsupportedBy(err, plan.client.target, workflow, what)
  if (unsupported) return unsupported
  if (!(err instanceof RegistryError)) return err
  const said = (err.body as { error?: unknown } | undefined)?.error
  const cause = { cause: err }
  if (err.status === 403) {
    // npmjs: owners manage the members and their roles, owners and admins the teams
    const managed = workflow === 'orgs' ? 'its members and their roles are managed by its owners' : 'its teams are managed by its owners and admins'
    return new PkgsError('E403', `You may not do this in @${plan.org}${typeof said === 'string' ? ` (${said})` : ''}: ${managed}.`, {
      hint: `Ask an owner of @${plan.org} (pkgs org ls ${plan.org} lists the members and their roles).`,
      ...cause,
    })
  }
  // a change comes after a read that found the org and the team: its 404 is the user's
  if (err.status === 404 && user) return noSuchUser(user, plan.client.target, err)
  if (err.status === 404 && team) return noSuchTeam(team, plan.client.target, err)
  if (err.status === 404) {
    return new PkgsError('E404', `There is no organisation @${plan.org} on ${plan.client.target.registry.url}, or you are not a member of it.`, {
      hint: 'Check the spelling; on npmjs.com a user scope is not an organisation.',
      ...cause,
    })
  }
  return err
}

async function read<T>(plan: OrgPlan, path: string, workflow: Workflow, what: string, subject: Subject = {}): Promise<T> {
  try {
    return (await plan.client.json<T>(path, { preferOnline: true })).body
  } catch (err) {
    throw explain(err, plan, workflow, what, subject)
  }
}

/** A change, with the one-time password handling every change gets; `own` explains its own cases first. */
async function change(
  plan: OrgPlan,
  workflow: Workflow,
  what: string,
  op: (opts: Record<string, unknown>) => Promise<unknown>,
  subject: Subject = {},
  own?: (err: unknown) => Promise<PkgsError | undefined>,
): Promise<void> {
  try {
    await plan.client.write(op)
  } catch (err) {
    throw (own && (await own(err))) ?? explain(err, plan, workflow, what, subject)
  }
}

const eu = encodeURIComponent

/** GET /-/org/<org>/user: every member and their role (`npm org ls`). */
export function getMembers(plan: OrgPlan): Promise<Record<string, string>> {
  return read(plan, `/-/org/${eu(plan.org)}/user`, 'orgs', 'organisations')
}

/** PUT /-/org/<org>/user {user, role} (libnpmorg.set). */
export async function setMember(plan: OrgPlan, user: string, role: OrgRole): Promise<void> {
  const { set } = (await import('libnpmorg')).default
  await change(plan, 'orgs', 'organisations', (opts) => set(plan.org, user, role, opts), { user })
}

export interface MemberRemoval {
  /** the user's role, undefined when they are not a member */
  role?: string
  /** the user is the one logged in (whoami) */
  yourself: boolean
}

/** The org's last owner stops being one (removed, or given another role): never, whoever asks (EOWNERRM). */
export function keepLastOwner(plan: OrgPlan, members: Record<string, string>, user: string): void {
  if (members[user] === 'owner' && Object.values(members).filter((r) => r === 'owner').length === 1) {
    throw new PkgsError('EOWNERRM', `${user} is the only owner of ${plan.org}: an organisation cannot be left without owners.`, {
      hint: `Make someone else an owner first: pkgs org set ${plan.org} <user> owner`,
    })
  }
}

/** Before removing a member: the members and who you are, read together; never the last owner. */
export async function checkMemberRemoval(plan: OrgPlan, user: string): Promise<MemberRemoval> {
  const [members, me] = await Promise.all([getMembers(plan), plan.client.whoami()])
  keepLastOwner(plan, members, user)
  // not a member: "nothing changed", unless there is no such user at all (a misspelt name)
  if (!(user in members)) await getUser(plan.client, user)
  return { role: members[user], yourself: user === me }
}

/** DELETE /-/org/<org>/user {user} (libnpmorg.rm). */
export async function removeMember(plan: OrgPlan, user: string): Promise<void> {
  const { rm } = (await import('libnpmorg')).default
  await change(plan, 'orgs', 'organisations', (opts) => rm(plan.org, user, opts), { user })
}

/** GET /-/org/<org>/team?format=cli: `org:team` names (`npm team ls <org>`), as @org:team. */
export async function getTeams(plan: OrgPlan): Promise<string[]> {
  const teams = await read<unknown[]>(plan, `/-/org/${eu(plan.org)}/team?format=cli`, 'teams', 'teams')
  return teams.map((t) => `@${String(t).replace(/^@/, '')}`).sort()
}

/** GET /-/team/<org>/<team>/user?format=cli: the members of a team (`npm team ls <org:team>`). */
export async function getTeamMembers(plan: OrgPlan, team: TeamName): Promise<string[]> {
  const users = await read<unknown[]>(plan, `/-/team/${eu(team.org)}/${eu(team.team)}/user?format=cli`, 'teams', 'teams', { team })
  return users.map(String).sort()
}

/**
 * Before adding a user to a team or removing one: whether they are in it. Adding, the user must
 * exist (`GET /-/user/org.couchdb.user:<name>`, as npm owner add looks) and be a member of the org;
 * all is read together, and a failure is said in this order: the team, the org, the user.
 */
export async function isTeamMember(plan: OrgPlan, team: TeamName, user: string, adding: boolean): Promise<boolean> {
  const [inTeam, inOrg] = (
    await Promise.allSettled([getTeamMembers(plan, team), adding ? getMembers(plan) : undefined, adding ? getUser(plan.client, user) : undefined])
  ).map((read) => {
    if (read.status === 'rejected') throw read.reason
    return read.value
  }) as [string[], Record<string, string> | undefined]
  if (inOrg && !(user in inOrg)) {
    throw new PkgsError('ENOTMEMBER', `${user} is not a member of @${team.org}: only its members can join its teams.`, {
      hint: `Add them to the org first: pkgs org set ${team.org} ${user}`,
    })
  }
  // removing someone not in the team: "nothing changed", unless there is no such user at all
  if (!adding && !inTeam.includes(user)) await getUser(plan.client, user)
  return inTeam.includes(user)
}

/** PUT /-/org/<org>/team {name, description} (libnpmteam.create). */
export async function createTeam(plan: OrgPlan, team: TeamName, description?: string): Promise<void> {
  const { create } = (await import('libnpmteam')).default
  await change(plan, 'teams', 'teams', (opts) => create(team.id, { ...opts, description }))
}

/**
 * A destroy refused (403) to an owner or admin of the org is the registry's own rule (npmjs keeps
 * every org's developers team): its reason is the reason. Who asked is read only then.
 */
async function destroyRefused(err: unknown, plan: OrgPlan, team: TeamName): Promise<PkgsError | undefined> {
  if (!isStatus(err, 403)) return undefined
  const [members, me] = await Promise.all([getMembers(plan).catch(() => undefined), plan.client.whoami().catch(() => undefined)])
  const role = me && members?.[me]
  if (role !== 'owner' && role !== 'admin') return undefined
  const said = registryMessage(err.body)
  return new PkgsError('E403', `${plan.client.target.registry.url} will not destroy ${team.id}${said ? `: ${said}` : ' (it answered 403)'}.`, {
    hint: `It stays as it is. To take away what it gives, unshare its packages (pkgs ls ${team.id}, then pkgs unshare ${team.id} <package>) or remove its members (pkgs team rm ${team.id} <user>).`,
    cause: err,
  })
}

/** DELETE /-/team/<org>/<team> (libnpmteam.destroy). */
export async function destroyTeam(plan: OrgPlan, team: TeamName): Promise<void> {
  const { destroy } = (await import('libnpmteam')).default
  await change(
    plan,
    'teams',
    'teams',
    (opts) => destroy(team.id, opts),
    { team },
    (err) => destroyRefused(err, plan, team),
  )
}

/** PUT or DELETE /-/team/<org>/<team>/user {user} (libnpmteam.add, .rm). */
export async function setTeamMember(plan: OrgPlan, team: TeamName, user: string, member: boolean): Promise<void> {
  const lib = (await import('libnpmteam')).default
  await change(plan, 'teams', 'teams', (opts) => (member ? lib.add(user, team.id, opts) : lib.rm(user, team.id, opts)), { team, user })
}
