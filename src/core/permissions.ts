// Who may read or write what, with libnpmaccess's requests: a package's collaborators, the
// packages of a user, org or team, and a team's grant on a package.
import type { RegistryClient } from './client.js'
import { PkgsError } from './errors.js'
import { noSuchTeam } from './orgs.js'
import { isStatus, requireWorkflow, unsupportedBy, type Target, type Workflow } from './registry.js'
import { escapedName, type TeamName } from '../package/names.js'

export type Permission = 'read-only' | 'read-write'

/** npmjs answers `read`/`write`; npm shows them as `read-only`/`read-write`, and so do we. */
export function toPermissions(body: Record<string, unknown>): Record<string, string> {
  const names: Record<string, string> = { read: 'read-only', write: 'read-write' }
  const result: Record<string, string> = {}
  // npm sorts with an English collator
  for (const key of Object.keys(body).sort(new Intl.Collator('en').compare)) result[key] = names[String(body[key])] ?? String(body[key])
  return result
}

export const teamsWhat = 'teams (npm access grant)'

/** GET /-/package/<pkg>/collaborators (`npm access list collaborators`). */
export async function getCollaborators(client: RegistryClient, name: string): Promise<Record<string, string>> {
  const what = 'lists of collaborators'
  requireWorkflow(client.target, 'teams', what)
  try {
    const res = await client.json<Record<string, unknown>>(`/-/package/${escapedName(name)}/collaborators`, { preferOnline: true }, { packageName: name })
    return toPermissions(res.body)
  } catch (err) {
    throw unsupportedBy(err, client.target, 'teams', what) ?? err
  }
}

export type Holder = { kind: 'team'; team: TeamName } | { kind: 'org-or-user'; name: string }

export interface HeldPackages {
  /** which list answered: a team's, an org's, or a user's */
  kind: 'team' | 'org' | 'user'
  packages: Record<string, string>
}

function teamPath(team: TeamName): string {
  return `/-/team/${encodeURIComponent(team.org)}/${encodeURIComponent(team.team)}/package`
}

/**
 * The packages a team, org or user may read or write (libnpmaccess.getPackages: org first, then
 * user); `workflow` and `what` name what a registry without the lists cannot do.
 */
export async function getPackagesOf(
  client: RegistryClient,
  holder: Holder,
  { workflow = 'teams', what = 'lists of packages with permissions' }: { workflow?: Workflow; what?: string } = {},
): Promise<HeldPackages> {
  const { target } = client
  requireWorkflow(target, workflow, what)
  const get = async (path: string) => toPermissions((await client.json<Record<string, unknown>>(path, { preferOnline: true })).body)
  const bare = holder.kind === 'team' ? '' : encodeURIComponent(holder.name.replace(/^@/, ''))
  try {
    if (holder.kind === 'team') return { kind: 'team', packages: await get(teamPath(holder.team)) }
    try {
      return { kind: 'org', packages: await get(`/-/org/${bare}/package`) }
    } catch (err) {
      if (!isStatus(err, 404)) throw err
      return { kind: 'user', packages: await get(`/-/user/${bare}/package`) }
    }
  } catch (err) {
    const unsupported = unsupportedBy(err, target, workflow, what)
    if (unsupported) throw unsupported
    if (!isStatus(err, 404)) throw err
    if (holder.kind === 'team') throw noSuchTeam(holder.team, target, err)
    throw new PkgsError('E404', `There is no user or organisation "${decodeURIComponent(bare)}" on ${target.registry.url}.`, {
      hint: 'Check the spelling.',
      cause: err,
    })
  }
}

function grantError(err: unknown, target: Target, team: TeamName, name: string): unknown {
  const unsupported = unsupportedBy(err, target, 'teams', 'team permissions on packages')
  if (unsupported) return unsupported
  if (isStatus(err, 403)) {
    return new PkgsError('E403', `You may not change what ${team.id} can do with ${name}: only owners and admins of @${team.org} can.`, {
      hint: `Ask an owner of @${team.org} (pkgs org ls ${team.org} lists the members and their roles).`,
      cause: err,
    })
  }
  return err
}

/** A team's grant changed through libnpmaccess, under the run's two-factor session. */
async function changeGrant(client: RegistryClient, team: TeamName, name: string, change: (opts: Record<string, unknown>) => Promise<unknown>): Promise<void> {
  try {
    await client.write(change, { packageName: name })
  } catch (err) {
    throw grantError(err, client.target, team, name)
  }
}

/** PUT /-/team/<org>/<team>/package {package, permissions} (libnpmaccess.setPermissions). */
export async function grantTeam(client: RegistryClient, team: TeamName, name: string, permissions: Permission): Promise<void> {
  const { setPermissions } = await import('libnpmaccess')
  await changeGrant(client, team, name, (opts) => setPermissions(team.id, name, permissions, opts))
}

/** DELETE /-/team/<org>/<team>/package {package} (libnpmaccess.removePermissions). */
export async function revokeTeam(client: RegistryClient, team: TeamName, name: string): Promise<void> {
  const { removePermissions } = await import('libnpmaccess')
  await changeGrant(client, team, name, (opts) => removePermissions(team.id, name, opts))
}
