// pkgs org: the members of an organisation and their roles (`npm org`), with libnpmorg.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { getMembers, planOrg, removeMember, setMember, validateRole } from '../core/orgs.js'
import { table } from '../core/table.js'
import { validateUserName } from '../package/names.js'
import { examples } from './help.js'

export async function runOrgLs(ctx: Context, orgArg: string): Promise<void> {
  const plan = await planOrg(ctx, orgArg, 'orgs')
  const members = await getMembers(plan)
  const users = Object.keys(members).sort(new Intl.Collator('en').compare)
  if (ctx.io.json) ctx.io.printJson({ org: plan.org, members })
  else if (ctx.io.isStdoutTTY) ctx.io.print(table(['USER', 'ROLE'], users.map((u) => [u, members[u]]), ctx.io.out.bold))
  // npm org ls's lines
  else for (const u of users) ctx.io.print(`${u} - ${members[u]}`)
}

export async function runOrgSet(ctx: Context, orgArg: string, userArg: string, roleArg = 'developer'): Promise<void> {
  const user = validateUserName(userArg)
  const role = validateRole(roleArg)
  const plan = await planOrg(ctx, orgArg, 'orgs')
  const previous = (await getMembers(plan))[user]
  const changed = previous !== role
  if (changed) await setMember(ctx, plan, user, role)
  const doc = { org: plan.org, user, role, changed, ...(previous && changed ? { previous } : {}) }
  if (ctx.io.json) ctx.io.printJson(doc)
  else if (!changed) ctx.io.print(`${user} is already ${role} of ${plan.org}; nothing changed.`)
  else ctx.io.print(previous ? `${user} is now ${role} of ${plan.org} (was ${previous}).` : `Added ${user} to ${plan.org} as ${role}.`)
}

export async function runOrgRm(ctx: Context, orgArg: string, userArg: string): Promise<void> {
  const user = validateUserName(userArg)
  const plan = await planOrg(ctx, orgArg, 'orgs')
  const changed = user in (await getMembers(plan))
  if (changed) await removeMember(ctx, plan, user)
  if (ctx.io.json) ctx.io.printJson({ org: plan.org, user, changed })
  else ctx.io.print(changed ? `Removed ${user} from ${plan.org}.` : `${user} is not a member of ${plan.org}; nothing changed.`)
}

export function register(program: Command, run: Runner): void {
  const org = program
    .command('org')
    .description("an organisation's members and their roles (npm org)")
    .addHelpText(
      'after',
      examples([
        ['pkgs org ls acme', 'members and roles'],
        ['pkgs org set acme bob', 'bob joins acme as a developer'],
        ['pkgs org set acme bob admin', 'or changes role: developer, admin or owner'],
        ['pkgs org rm acme bob', 'bob leaves acme (and all its teams)'],
      ]) + '\n\nAlready as asked: exit 0, "changed": false.',
    )
  org
    .command('ls')
    .argument('<org>', 'the organisation (acme or @acme)')
    .description('list the members of an org with their roles')
    .addHelpText('after', examples([['pkgs org ls acme | cat', '"alice - owner" per line, as npm org ls'], ['pkgs org ls acme --json', '{"org", "members": {"alice": "owner"}}']]))
    .action(run((ctx, args) => runOrgLs(ctx, args[0])))
  org
    .command('set')
    .argument('<org>', 'the organisation (acme or @acme)')
    .argument('<user>', 'the user to add, or whose role to change')
    .argument('[role]', 'developer (default), admin or owner')
    .description("add a user to an org, or change a member's role")
    .addHelpText('after', examples([['pkgs org set acme bob admin --json', '{"org", "user", "role", "changed", "previous"?}']]))
    .action(run((ctx, args) => runOrgSet(ctx, args[0], args[1], args[2])))
  org
    .command('rm')
    .argument('<org>', 'the organisation (acme or @acme)')
    .argument('<user>', 'the member to remove')
    .description('remove a user from an org')
    .addHelpText('after', examples([['pkgs org rm acme bob --json', '{"org", "user", "changed"}']]))
    .action(run((ctx, args) => runOrgRm(ctx, args[0], args[1])))
}
