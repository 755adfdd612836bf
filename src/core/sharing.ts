// Share a package with a user (an owner, as `npm owner add`) or a team (`npm access grant`), and
// take it back; what pkgs share and pkgs unshare do once their arguments are checked.
import type { Config } from './config.js'
import type { Context } from './context.js'
import { usageError } from './errors.js'
import { otpSession, withOtp, type OtpSession } from './otp.js'
import { changeOwner, ownersWhat, setOwners, type Owner, type OwnersDocument } from './owners.js'
import { grantTeam, revokeTeam, teamPermission, teamsWhat, type Permission } from './permissions.js'
import { requireCredentials } from './preflight.js'
import { requireWorkflow, type Target } from './registry.js'
import { packageNameOrLocal } from '../package/manifest.js'
import { isTeam, parseTeam, scopeOf, validatePackageName, validateUserName, type TeamName } from '../package/names.js'

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
}

export function parseGrantee(value: string): Grantee {
  return isTeam(value) ? { kind: 'team', team: parseTeam(value) } : { kind: 'user', user: validateUserName(value) }
}

export function granteeName(grantee: Grantee): string {
  return grantee.kind === 'team' ? grantee.team.id : grantee.user
}

/** The package named, else ./package.json's, validated; with its registry. */
export async function packageTarget(ctx: Context, packageArg: string | undefined, example: string): Promise<{ config: Config; target: Target; name: string }> {
  const given = await packageNameOrLocal(ctx.cwd, packageArg)
  if (!given) throw usageError('Name the package: there is no package.json here.', `e.g. ${example}`)
  const name = validatePackageName(given)
  const config = await ctx.config()
  const target = await ctx.target({ scope: scopeOf(name), packageName: name })
  ctx.warnAboutNpm()
  return { config, target, name }
}

/** Arguments checked, the package's registry found, logged in there: everything before a request. */
export async function planShare(ctx: Context, command: 'share' | 'unshare', granteeArg: string, packageArg: string | undefined): Promise<SharePlan> {
  const grantee = parseGrantee(granteeArg)
  const { config, target, name } = await packageTarget(ctx, packageArg, `pkgs ${command} ${granteeArg} @acme/widgets`)
  if (grantee.kind === 'user') requireWorkflow(target, 'share', ownersWhat)
  else requireWorkflow(target, 'teams', teamsWhat)
  requireCredentials(target.registry, target.credentials, target.scope)
  return { config, target, name, grantee }
}

function result(plan: SharePlan, permissions: Permission | null, changed: boolean, previous?: string): ShareResult {
  return { package: plan.name, registry: plan.target.registry.url, grantee: granteeName(plan.grantee), permissions, changed, ...(previous ? { previous } : {}) }
}

function ownersWriter(ctx: Context, { config, target, name }: SharePlan, session: OtpSession) {
  return (doc: OwnersDocument, maintainers: Owner[]) => withOtp(ctx, config, target, session, (otp) => setOwners(config, target, name, doc, maintainers, otp))
}

/** Make a user an owner, or grant a team; nothing is sent when the access is already so. */
export async function share(ctx: Context, plan: SharePlan, permissions: Permission): Promise<ShareResult> {
  const { config, target, name, grantee } = plan
  const session = otpSession(ctx)
  if (grantee.kind === 'user') {
    const { changed } = await changeOwner(config, target, name, grantee.user, 'add', ownersWriter(ctx, plan, session))
    return result(plan, 'read-write', changed)
  }
  const current = await teamPermission(config, target, grantee.team, name)
  if (current === permissions) return result(plan, permissions, false)
  await withOtp(ctx, config, target, session, (otp) => grantTeam(config, target, grantee.team, name, permissions, otp))
  return result(plan, permissions, true, current)
}

/** Remove an owner (never the last one), or revoke a team's grant. */
export async function unshare(ctx: Context, plan: SharePlan): Promise<ShareResult> {
  const { config, target, name, grantee } = plan
  const session = otpSession(ctx)
  if (grantee.kind === 'user') {
    const { changed } = await changeOwner(config, target, name, grantee.user, 'rm', ownersWriter(ctx, plan, session))
    return result(plan, null, changed)
  }
  const current = await teamPermission(config, target, grantee.team, name)
  if (!current) return result(plan, null, false)
  await withOtp(ctx, config, target, session, (otp) => revokeTeam(config, target, grantee.team, name, otp))
  return result(plan, null, true, current)
}
