// An organisation's access read whole: its members and their roles, its teams with their members
// and grants, and each of its packages' visibility, owners and trusted publishers. Every read is a
// request npm makes too (npm org ls, npm team ls, npm access list packages, npm owner ls, npm
// access get status, npm trust list), sent concurrently and paced; policy, report and offboard
// share it.
import { PkgsError } from './errors.js'
import { getMembers, getTeamMembers, getTeams, type OrgPlan, type OrgRole } from './orgs.js'
import { getOwners, type OwnersDocument } from './owners.js'
import { getPackagesOf, type Permission } from './permissions.js'
import { readEach, type Pacers, type Run } from './plan.js'
import { isStatus } from './registry.js'
import { getTrust, type TrustConfiguration } from './trust.js'
import { getVisibility } from './visibility.js'
import { parseTeam } from '../package/names.js'

export interface TeamAccess {
  /** without the org: `devs` */
  name: string
  members: string[]
  /** package -> read-only | read-write */
  packages: Record<string, Permission>
}

export interface PackageAccess {
  name: string
  access?: 'public' | 'restricted'
  owners?: OwnersDocument
  /** undefined: not read, or the registry would not show it to you */
  trust?: TrustConfiguration[]
}

export interface OrgAccess {
  /** without @ */
  org: string
  /** false for a user's scope: no members, no teams */
  isOrg: boolean
  members: Record<string, OrgRole>
  teams: TeamAccess[]
  packages: PackageAccess[]
}

export interface ReadOrgOptions {
  /** what to read of each package */
  read: { access?: boolean; owners?: boolean; trust?: boolean; teams?: boolean }
  pacers: Pacers
  width: number
}

/** The first failure of a concurrent read is the read's failure. */
function values<T>(run: Run<T>): T[] {
  if (run.stoppedBy) throw run.stoppedBy
  const failed = run.outcomes.find((o) => o.error)
  if (failed?.error) throw failed.error
  return run.outcomes.map((o) => o.value as T)
}

/** A trust list the registry will not show (npmjs shows it to those who may publish): unknown, not empty. */
async function trustOrUnknown(plan: OrgPlan, name: string): Promise<TrustConfiguration[] | undefined> {
  try {
    return await getTrust(plan.client, name)
  } catch (err) {
    if (isStatus(err, 403) || (err instanceof PkgsError && err.code === 'EUNSUPPORTED')) return undefined
    throw err
  }
}

/** The names of the scope's packages that you can see (an org's list, else the user's). */
async function packagesOf(plan: OrgPlan): Promise<{ isOrg: boolean; names: string[] }> {
  const { kind, packages } = await getPackagesOf(plan.client, { kind: 'org-or-user', name: plan.org })
  const names = Object.keys(packages)
    .filter((n) => n.startsWith(`@${plan.org}/`))
    .sort()
  return { isOrg: kind === 'org', names }
}

/** Everything about an org's access that `opts.read` asks for, read concurrently. */
export async function readOrg(plan: OrgPlan, opts: ReadOrgOptions): Promise<OrgAccess> {
  const each = <I, T>(items: I[], read: (item: I) => Promise<T>) =>
    readEach(items, read, { width: opts.width, pacers: opts.pacers, registryOf: () => plan.client.target.registry.url }).then(values)
  const { isOrg, names } = await packagesOf(plan)
  const readTeams = async (): Promise<TeamAccess[]> => {
    if (!isOrg || !opts.read.teams) return []
    const teams = (await getTeams(plan)).map(parseTeam)
    return each(teams, async (team) => {
      const [members, held] = await Promise.all([
        getTeamMembers(plan, team),
        getPackagesOf(plan.client, { kind: 'team', team }).then((h) => h.packages as Record<string, Permission>),
      ])
      return { name: team.team, members, packages: held }
    })
  }
  const readPackage = async (name: string): Promise<PackageAccess> => {
    const [access, owners, trust] = await Promise.all([
      opts.read.access ? getVisibility(plan.client, name).then((v): PackageAccess['access'] => (v === 'public' ? 'public' : 'restricted')) : undefined,
      opts.read.owners ? getOwners(plan.client, name) : undefined,
      opts.read.trust ? trustOrUnknown(plan, name) : undefined,
    ])
    return { name, access, owners, trust }
  }
  const [members, teams, packages] = await Promise.all([
    isOrg ? (getMembers(plan) as Promise<Record<string, OrgRole>>) : Promise.resolve({}),
    readTeams(),
    each(names, readPackage),
  ])
  return { org: plan.org, isOrg, members, teams, packages }
}
