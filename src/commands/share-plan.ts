// What share and unshare have in common: the packages (one, several or a scope's), what the
// grantee has on each (read concurrently), the plan of what differs, and its application under one
// two-factor approval. One package named (or ./package.json's) keeps the one-package document;
// several or --scope give one result per package.
import { tally } from '../core/bulk.js'
import type { Config } from '../core/config.js'
import { explainError } from '../core/explain.js'
import type { Permission } from '../core/permissions.js'
import { itemError, type Change } from '../core/plan.js'
import {
  checkShareTarget,
  checkTeamScope,
  granteeName,
  parseGrantee,
  planShare,
  planUnshare,
  sharingReader,
  teamAccessOf,
  type PlannedShare,
  type ShareResult,
} from '../core/sharing.js'
import { isTeam, scopeOf } from '../package/names.js'
import type { IO } from '../io/io.js'
import { applyChanges, dryRunOption, planDocument } from './changes.js'
import type { Context } from './context.js'
import { workspaceAtRoot } from '../package/workspace.js'
import { bulkOptions, concurrencyOf, planPackages, readConcurrency, readPackages, reportFailure, stoppedBy, summary, type Planned } from './packages.js'

export const shareArguments = (what: string) =>
  [
    { name: 'grantee', description: what, required: true },
    { name: 'packages', description: "packages (default: at a workspace's root, its packages; else the name in the nearest package.json)", variadic: true },
  ] as const

export const shareOptions = { ...bulkOptions('packages to work on at once'), ...dryRunOption }

export interface ShareFlags {
  grantee: string
  packages: string[]
  scope?: string
  concurrency: string
  dryRun?: boolean
}

export interface SeveralShared {
  grantee: string
  results: (ShareResult & { error?: ReturnType<typeof itemError> })[]
  changed: number
  unchanged: number
  failed: number
  skipped: number
  [stoppedBy]?: ReturnType<typeof explainError>
}

async function packagesOf(ctx: Context, mode: 'share' | 'unshare', flags: ShareFlags): Promise<{ config: Config; planned: Planned[]; several: boolean }> {
  // at a workspace's root with no package named: the workspace's packages
  const several = Boolean(flags.scope) || flags.packages.length > 1 || (!flags.packages.length && Boolean(await workspaceAtRoot(ctx.cwd)))
  if (several)
    return { ...(await planPackages(ctx, flags.packages, flags.scope, { scopedOnly: false, loggedIn: true, command: `${mode} ${flags.grantee}` })), several }
  const { config, target, client, name } = await ctx.packageTarget(flags.packages[0], `pkgs ${mode} ${flags.grantee} @acme/widgets`)
  return { config, planned: [{ name, target, client }], several }
}

/** Removing yourself from one package's owners: asked on a terminal, --yes without one. */
async function confirmLeaving(ctx: Context, user: string, name: string): Promise<void> {
  await ctx.confirm({
    what: `Removing yourself (${user}) from the owners of ${name} needs a confirmation`,
    yesHint: 'Pass --yes to remove yourself without being asked.',
    question: `Remove yourself (${user}) from the owners of ${name}? You lose write access to it.`,
    refused: `${user} is still an owner of ${name}.`,
  })
}

export async function runSharing(ctx: Context, mode: 'share' | 'unshare', flags: ShareFlags, permissions?: Permission) {
  const grantee = parseGrantee(flags.grantee)
  const width = concurrencyOf(flags.concurrency)
  const { config, planned, several } = await packagesOf(ctx, mode, flags)
  if (mode === 'share') for (const p of planned) checkTeamScope(grantee, p.name)
  for (const p of planned) checkShareTarget(p.target, grantee)
  const read = sharingReader(grantee, { confirmAbsent: mode === 'unshare' })
  const reads = await readPackages(ctx, planned, (p) => read(p.name, p.client), readConcurrency(config, width))
  if (!several && reads.outcomes[0].error) throw reads.outcomes[0].error
  const plans = planned.map((p, i): PlannedShare | { error: ReturnType<typeof explainError> } => {
    const o = reads.outcomes[i]
    if (o.error) return { error: o.error }
    try {
      return mode === 'share' ? planShare(o.value, grantee, permissions) : planUnshare(o.value, grantee)
    } catch (err) {
      if (!several) throw err
      return { error: explainError(err) }
    }
  })
  const changes = plans.flatMap((p) => ('change' in p && p.change ? [p.change] : []))
  const results: SeveralShared['results'] = planned.map((p, i) => {
    const plan = plans[i]
    if ('unchanged' in plan) return { ...plan.unchanged }
    const o = reads.outcomes[i]
    const error = o.error ? itemError(o) : { code: plan.error.code, message: plan.error.message, hint: plan.error.hint }
    reportFailure(ctx.io, p.name, plan.error, Boolean(o.error && o.skipped), planned.length)
    return { package: p.name, registry: p.target.registry.url, grantee: granteeName(grantee), permissions: null, changed: false, error }
  })
  let stopped = reads.stoppedBy
  if (flags.dryRun) {
    if (!several) return { ...planDocument(changes), ...results[0] }
    const doc = severalDocument(grantee, results, stopped)
    return { ...planDocument(changes), ...doc, unchanged: doc.unchanged - changes.length }
  }
  if (changes.length && !stopped) {
    if (!several && grantee.kind === 'user' && mode === 'unshare' && !ctx.options.yes) {
      const me = await planned[0].client.whoami()
      if (me === grantee.user) await confirmLeaving(ctx, me, planned[0].name)
    }
    const indexOf = new Map<Change, number>(changes.map((c) => [c, planned.findIndex((p) => p.name === c.target)]))
    const applied = await applyChanges(ctx, changes as Change<ShareResult>[], {
      width,
      confirmLoss: several,
      onApplied(c, o) {
        const i = indexOf.get(c)!
        if (o.value) results[i] = o.value
        else {
          results[i].error = itemError(o)
          reportFailure(ctx.io, c.target, o.error, o.skipped, planned.length)
        }
      },
    })
    if (!several && applied.outcomes[0].error) throw applied.outcomes[0].error
    stopped = applied.stoppedBy
  }
  if (several) return severalDocument(grantee, results, stopped)
  const only = results[0]
  // not an owner, yet perhaps not without access: a registry with teams lists every collaborator
  if (mode === 'unshare' && grantee.kind === 'user' && !only.changed) {
    const teamAccess = await teamAccessOf(planned[0].client, only.package, grantee.user)
    if (teamAccess) return { ...only, teamAccess }
  }
  return only
}

function severalDocument(
  grantee: ReturnType<typeof parseGrantee>,
  results: SeveralShared['results'],
  stopped?: SeveralShared[typeof stoppedBy],
): SeveralShared {
  const { failed, skipped } = tally(results)
  const changed = results.filter((r) => r.changed).length
  return { grantee: granteeName(grantee), results, changed, unchanged: results.length - changed - failed - skipped, failed, skipped, [stoppedBy]: stopped }
}

export function isSeveral(r: ShareResult | SeveralShared): r is SeveralShared {
  return 'results' in r
}

/** One package's line, as share and unshare say it. */
export function shareLine(mode: 'share' | 'unshare', r: ShareResult, io: IO): void {
  const team = isTeam(r.grantee)
  if (mode === 'share') {
    if (!r.changed)
      io.print(
        team
          ? `${r.package}: ${r.grantee} already has ${r.permissions}; nothing changed.`
          : `${r.package}: ${r.grantee} is already an owner (read-write); nothing changed.`,
      )
    else if (!team) io.print(`${r.package}: ${r.grantee} is now an owner (read-write).`)
    else io.print(`${r.package}: ${r.grantee} now has ${r.permissions}${r.previous ? ` (was ${r.previous})` : ''}.`)
    return
  }
  if (!r.changed && r.teamAccess) {
    io.print(`${r.package}: ${r.grantee} is not an owner; nothing changed. ${r.grantee} still has ${r.teamAccess} access through a team.`)
    const org = scopeOf(r.package) ?? '@<org>'
    io.hint(
      `pkgs collaborators ${r.package} lists who has what; pkgs team rm ${org}:<team> ${r.grantee} or pkgs unshare ${org}:<team> ${r.package} takes it away.`,
    )
  } else if (!r.changed)
    io.print(team ? `${r.package}: ${r.grantee} has no access to revoke; nothing changed.` : `${r.package}: ${r.grantee} is not an owner; nothing changed.`)
  else io.print(team ? `${r.package}: ${r.grantee} no longer has access (had ${r.previous}).` : `${r.package}: ${r.grantee} is no longer an owner.`)
}

/** The text of a run: each package's line (the failed ones were said as they failed), then for several a summary. */
export function renderSharing(mode: 'share' | 'unshare', r: ShareResult | SeveralShared, io: IO): void {
  if (!isSeveral(r)) return shareLine(mode, r, io)
  for (const one of r.results) if (!one.error) shareLine(mode, one, io)
  const did = mode === 'share' ? 'shared' : 'unshared'
  const already = mode === 'share' ? 'already shared' : 'not shared'
  summary(io, `${r.changed} ${did}, ${r.unchanged} ${already}${r.failed ? `, ${r.failed} failed` : ''}${r.skipped ? `, ${r.skipped} not attempted` : ''}.`, r)
}
