// pkgs org: the members of an organisation and their roles (`npm org`), with libnpmorg.
import { checkMemberRemoval, getMembers, keepLastOwner, removeMember, setMember, validateRole, type OrgRole } from '../core/orgs.js'
import { table } from '../io/table.js'
import { validateUserName } from '../package/names.js'
import type { Change } from '../core/plan.js'
import { dryRunOption, runChanges } from './changes.js'
import { defineCommand, defineGroup } from './command.js'

const orgArgument = { name: 'org', description: 'the organisation (acme or @acme)', required: true } as const

const ls = defineCommand({
  name: 'ls',
  description: 'list the members of an org with their roles',
  arguments: [orgArgument],
  examples: [
    ['pkgs org ls acme | cat', '"alice - owner" per line, as npm org ls'],
    ['pkgs org ls acme --json', '{"org", "members": {"alice": "owner"}}'],
  ],
  async run(ctx, opts) {
    const plan = await ctx.org(opts.org, 'orgs')
    return { org: plan.org, members: await getMembers(plan) }
  },
  render({ members }, io) {
    const users = Object.keys(members).sort(new Intl.Collator('en').compare)
    if (io.isStdoutTTY)
      io.print(
        table(
          ['USER', 'ROLE'],
          users.map((u) => [u, members[u]]),
          io.out.bold,
        ),
      )
    // npm org ls's lines
    else for (const u of users) io.print(`${u} - ${members[u]}`)
  },
})

const set = defineCommand({
  name: 'set',
  description: "add a user to an org, or change a member's role (never the last owner's)",
  arguments: [
    orgArgument,
    { name: 'user', description: 'the user to add, or whose role to change', required: true },
    { name: 'role', description: 'developer, admin or owner (default: developer for a new member; a member keeps theirs)' },
  ],
  options: dryRunOption,
  examples: [['pkgs org set acme bob admin --json', '{"org", "user", "role", "changed", "previous"?}']],
  async run(ctx, opts) {
    const user = validateUserName(opts.user)
    const asked = opts.role === undefined ? undefined : validateRole(opts.role)
    const plan = await ctx.org(opts.org, 'orgs')
    const members = await getMembers(plan)
    const previous: string | undefined = members[user]
    // without a role, a new member joins as a developer and a member keeps theirs (npm org set
    // would make an admin or owner a developer: a demotion no one asked for)
    const role = asked ?? ((previous as OrgRole | undefined) || 'developer')
    const changed = previous !== role
    if (changed && role !== 'owner') keepLastOwner(plan, members, user)
    const changes: Change[] = changed
      ? [
          {
            kind: 'org-member',
            target: plan.org,
            action: previous ? 'change' : 'add',
            ...(previous ? { from: `${user} ${previous}` } : {}),
            to: `${user} ${role}`,
            registry: plan.client.target.registry.url,
            apply: () => setMember(plan, user, role),
          },
        ]
      : []
    const dryRun = await runChanges(ctx, changes, opts.dryRun)
    return { ...dryRun, org: plan.org, user, role, changed: !dryRun && changed, ...(previous && changed ? { previous } : {}) }
  },
  render(r, io) {
    if (!r.changed) io.print(`${r.user} is already ${r.role} of ${r.org}; nothing changed.`)
    else io.print(r.previous ? `${r.user} is now ${r.role} of ${r.org} (was ${r.previous}).` : `Added ${r.user} to ${r.org} as ${r.role}.`)
  },
})

const rm = defineCommand({
  name: 'rm',
  description: 'remove a user from an org (never its last owner; asks before removing yourself)',
  arguments: [orgArgument, { name: 'user', description: 'the member to remove', required: true }],
  options: dryRunOption,
  examples: [
    ['pkgs org rm acme bob --json', '{"org", "user", "changed"}'],
    ['pkgs org rm acme alice --yes', 'leave acme yourself (asks on a terminal; needs --yes without one)'],
  ],
  notes: "The org's last owner cannot be removed: make someone else an owner first (pkgs org set <org> <user> owner).",
  async run(ctx, opts) {
    const user = validateUserName(opts.user)
    const plan = await ctx.org(opts.org, 'orgs')
    const { role, yourself } = await checkMemberRemoval(plan, user)
    const changed = role !== undefined
    if (changed && yourself && !opts.dryRun) {
      await ctx.confirm({
        what: `Removing yourself (${user}) from ${plan.org} needs a confirmation`,
        yesHint: 'Pass --yes to leave it without being asked.',
        question: `Remove yourself (${user}) from ${plan.org}? You lose what its teams and your role (${role}) give you.`,
        refused: `${user} is still a member of ${plan.org}.`,
      })
    }
    const changes: Change[] = changed
      ? [
          {
            kind: 'org-member',
            target: plan.org,
            action: 'remove',
            from: `${user} ${role}`,
            registry: plan.client.target.registry.url,
            risk: 'access-removed',
            apply: () => removeMember(plan, user),
          },
        ]
      : []
    const dryRun = await runChanges(ctx, changes, opts.dryRun)
    return { ...dryRun, org: plan.org, user, changed: !dryRun && changed }
  },
  render: (r, io) => io.print(r.changed ? `Removed ${r.user} from ${r.org}.` : `${r.user} is not a member of ${r.org}; nothing changed.`),
})

export default defineGroup({
  name: 'org',
  description: "an organisation's members and their roles (npm org)",
  examples: [
    ['pkgs org ls acme', 'members and roles'],
    ['pkgs org set acme bob', 'bob joins acme as a developer'],
    ['pkgs org set acme bob admin', 'or changes role: developer, admin or owner'],
    ['pkgs org rm acme bob', 'bob leaves acme (and all its teams)'],
  ],
  notes: 'Already as asked: exit 0, "changed": false.',
  commands: [ls, set, rm],
})
