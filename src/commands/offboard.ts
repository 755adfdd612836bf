// pkgs offboard: everything a person can do in an org, taken away in one plan under one approval:
// their ownership of its packages (a package they own alone is kept unless --to makes someone else
// an owner first), their teams, then their membership.
import { ownerAdded, ownerRemoved, orgMemberChange, teamMemberChange } from '../core/access-changes.js'
import { PkgsError, usageError } from '../core/errors.js'
import { readOrg } from '../core/org-access.js'
import { keepLastOwner } from '../core/orgs.js'
import { getUser } from '../core/owners.js'
import { changeDocument, changeLine, itemError, type Change, type ChangeDocument, type ItemError } from '../core/plan.js'
import { validateUserName } from '../package/names.js'
import { applyChanges, dryRunOption, planDocument } from './changes.js'
import { defineCommand } from './command.js'
import { readConcurrency } from './packages.js'

interface Offboarded {
  org: string
  user: string
  changes: (ChangeDocument & { error?: ItemError })[]
  /** packages the user still owns alone */
  kept: string[]
  dryRun?: true
}

export default defineCommand({
  name: 'offboard',
  description: 'take away everything a person can do in an org: package ownership, teams, membership',
  arguments: [{ name: 'user', description: 'the person leaving', required: true }],
  options: {
    org: { flags: '--org <org>', description: 'the organisation (acme or @acme)' },
    to: { flags: '--to <user>', description: 'make this user an owner of the packages the person owns alone, first' },
    ...dryRunOption,
  },
  examples: [
    ['pkgs offboard bob --org acme --dry-run', 'what would be taken away; nothing is sent'],
    ['pkgs offboard bob --org acme --to carol --yes', 'carol takes over what bob owns alone; no question asked'],
  ],
  json: [
    'pkgs offboard bob --org acme --yes --json',
    '{"org", "user", "changes": [{"kind", "target", "action", "from"?, "to"?, "error"?}], "kept": [], "dryRun"?}',
  ],
  notes:
    "One plan, one confirmation (--yes without a terminal) and one two-factor approval: ownership of each package of the org first, then team memberships, then the membership. A package the person owns alone stays theirs (exit 1, naming it) unless --to adds a new owner first. The org's last owner is never removed. Running it again has nothing to do.",
  async run(ctx, opts): Promise<Offboarded> {
    const user = validateUserName(opts.user)
    const to = opts.to === undefined ? undefined : validateUserName(opts.to)
    if (!opts.org) throw usageError('Name the organisation: --org <org>.', `e.g. pkgs offboard ${user} --org acme`)
    const plan = await ctx.org(opts.org, 'orgs')
    const [access] = await Promise.all([
      readOrg(plan, { read: { owners: true, teams: true }, pacers: ctx.pacers(), width: readConcurrency(plan.client.config, 24) }),
      getUser(plan.client, user),
      to ? getUser(plan.client, to) : undefined,
    ])
    if (user in access.members) keepLastOwner(plan, access.members, user)
    const changes: Change[] = []
    const kept: string[] = []
    for (const p of access.packages) {
      const names = p.owners?.owners.map((o) => o.name) ?? []
      if (!names.includes(user)) continue
      const others = names.filter((n) => n !== user)
      if (others.length) changes.push(ownerRemoved(plan, p.name, user))
      else if (to && to !== user) {
        const added = ownerAdded(plan, p.name, to)
        changes.push(added, ownerRemoved(plan, p.name, user, [added]))
      } else kept.push(p.name)
    }
    const owned = [...changes]
    const teams = access.teams
      .filter((t) => t.members.includes(user))
      .map((t) => teamMemberChange(plan, { org: plan.org, team: t.name, id: `@${plan.org}:${t.name}` }, user, false, owned))
    changes.push(...teams)
    if (user in access.members) changes.push(orgMemberChange(plan, user, access.members[user], undefined, [...owned, ...teams]))
    for (const name of kept) ctx.io.warn(`${user} is the only owner of ${name}: it is kept.`)
    if (kept.length) ctx.io.hint(`Pass --to <user> to make someone else its owner first: pkgs offboard ${user} --org ${plan.org} --to <user>`)
    const doc: Offboarded = { org: plan.org, user, changes: changes.map(changeDocument), kept }
    if (opts.dryRun) return { ...doc, ...planDocument(changes) }
    if (changes.length) {
      const n = changes.length
      await applyChanges(ctx, changes, {
        width: 24,
        confirmLoss: true,
        // the whole plan, what is added first (--to) as well as what is taken away
        confirmation: {
          what: 'A plan that takes access away needs a confirmation',
          yesHint: 'Pass --yes to apply it without being asked (or --dry-run to see it).',
          question: `Offboarding ${user} from ${plan.org}:\n${doc.changes.map((c) => `  ${changeLine(c)}`).join('\n')}\nApply ${n > 1 ? `these ${n} changes` : 'this change'}?`,
          refused: 'Nothing was changed: you did not confirm.',
        },
        onApplied(c, o) {
          const i = changes.indexOf(c)
          const error = o.error && itemError(o)
          if (error) doc.changes[i].error = error
          if (error) ctx.io.info(`${ctx.io.err.red('error')} ${changeLine(doc.changes[i])}: ${error.message}`)
          else ctx.io.print(changeLine(doc.changes[i]))
        },
      })
    }
    return doc
  },
  render(r, io) {
    if (r.dryRun) for (const c of r.changes) io.print(changeLine(c))
    if (!r.changes.length) io.info(`${r.user} has nothing left to take away in ${r.org}.`)
    else if (!r.dryRun && !r.changes.some((c) => c.error)) io.success(`${r.user} is offboarded from ${r.org}.`)
  },
  failure(r) {
    const failed = r.changes.filter((c) => c.error)
    if (failed.length)
      return new PkgsError('EPARTIAL', `${failed.length} of ${r.changes.length} changes failed.`, { hint: 'Run the same command again to finish the rest.' })
    if (r.kept.length && !r.dryRun)
      return new PkgsError('EOWNERRM', `${r.user} still owns ${r.kept.join(', ')} alone: ${r.kept.length > 1 ? 'they were' : 'it was'} kept.`, {
        hint: `Make someone else an owner first: pkgs offboard ${r.user} --org ${r.org} --to <user>`,
      })
    return undefined
  },
})
