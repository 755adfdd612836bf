// pkgs team: an organisation's teams and their members (`npm team`), with libnpmteam.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import type { Context } from '../core/context.js'
import { Exit, PkgsError, usageError } from '../core/errors.js'
import { createTeam, destroyTeam, getMembers, getTeamMembers, getTeams, planOrg, setTeamMember } from '../core/orgs.js'
import { isTeam, parseTeam, validateUserName } from '../package/names.js'
import { examples } from './help.js'

export async function runTeamLs(ctx: Context, entity: string): Promise<void> {
  if (isTeam(entity)) {
    const team = parseTeam(entity)
    const members = await getTeamMembers(await planOrg(ctx, team.org, 'teams'), team)
    if (ctx.io.json) ctx.io.printJson({ team: team.id, members })
    else for (const m of members) ctx.io.print(m)
    return
  }
  const plan = await planOrg(ctx, entity, 'teams')
  const teams = await getTeams(plan)
  if (ctx.io.json) ctx.io.printJson({ org: `@${plan.org}`, teams })
  else for (const t of teams) ctx.io.print(t)
}

async function teamPlan(ctx: Context, entity: string) {
  const team = parseTeam(entity)
  const plan = await planOrg(ctx, team.org, 'teams')
  const exists = (await getTeams(plan)).includes(team.id)
  return { team, plan, exists }
}

function report(ctx: Context, doc: Record<string, unknown>, line: string): void {
  if (ctx.io.json) ctx.io.printJson(doc)
  else ctx.io.print(line)
}

export async function runTeamCreate(ctx: Context, entity: string, description?: string): Promise<void> {
  const { team, plan, exists } = await teamPlan(ctx, entity)
  if (!exists) await createTeam(ctx, plan, team, description)
  report(ctx, { team: team.id, changed: !exists }, exists ? `${team.id} already exists; nothing changed.` : `Created ${team.id}.`)
}

export async function runTeamDestroy(ctx: Context, entity: string): Promise<void> {
  const team = parseTeam(entity)
  if (!ctx.options.yes && !ctx.io.canPrompt()) throw usageError(`Destroying ${team.id} needs a confirmation: ${ctx.io.noPromptReason()}.`, 'Pass --yes to destroy it without being asked.')
  const { plan, exists } = await teamPlan(ctx, entity)
  if (exists && !ctx.options.yes && !(await ctx.io.confirm(`Destroy ${team.id}? Its members lose the access it gives them.`, false))) {
    throw new PkgsError('ENOTCONFIRMED', `${team.id} was not destroyed.`, { hint: 'Run it again and answer yes, or pass --yes.', exitCode: Exit.usage })
  }
  if (exists) await destroyTeam(ctx, plan, team)
  report(ctx, { team: team.id, changed: exists }, exists ? `Destroyed ${team.id}.` : `There is no team ${team.id}; nothing changed.`)
}

export async function runTeamMember(ctx: Context, entity: string, userArg: string, member: boolean): Promise<void> {
  const team = parseTeam(entity)
  const user = validateUserName(userArg)
  const plan = await planOrg(ctx, team.org, 'teams')
  const [inTeam, inOrg] = await Promise.all([getTeamMembers(plan, team), member ? getMembers(plan) : undefined])
  if (inOrg && !(user in inOrg)) {
    throw new PkgsError('ENOTMEMBER', `${user} is not a member of @${team.org}: only its members can join its teams.`, { hint: `Add them to the org first: pkgs org set ${team.org} ${user}` })
  }
  const present = inTeam.includes(user)
  const changed = present !== member
  if (changed) await setTeamMember(ctx, plan, team, user, member)
  const line = member
    ? changed ? `Added ${user} to ${team.id}.` : `${user} is already in ${team.id}; nothing changed.`
    : changed ? `Removed ${user} from ${team.id}.` : `${user} is not in ${team.id}; nothing changed.`
  report(ctx, { team: team.id, user, changed }, line)
}

export function register(program: Command, run: Runner): void {
  const team = program
    .command('team')
    .description("an organisation's teams and their members (npm team)")
    .addHelpText(
      'after',
      examples([
        ['pkgs team ls @acme', 'the teams of @acme'],
        ['pkgs team ls @acme:devs', 'the members of a team'],
        ['pkgs team create @acme:devs --description "Developers"', 'a new team'],
        ['pkgs team add @acme:devs bob', 'bob joins it (he must be a member of @acme: pkgs org set acme bob)'],
        ['pkgs share @acme:devs @acme/widgets --read-only', 'then give the team a package'],
      ]) + '\n\nAlready as asked (a team that exists, a member already in it, …): exit 0, "changed": false.',
    )
  team
    .command('ls')
    .argument('<entity>', 'an org (@acme) for its teams, or a team (@acme:devs) for its members')
    .description('list the teams of an org, or the members of a team')
    .addHelpText('after', examples([['pkgs team ls @acme --json', '{"org", "teams": ["@acme:developers", …]}'], ['pkgs team ls @acme:devs --json', '{"team", "members": ["bob", …]}']]))
    .action(run((ctx, args) => runTeamLs(ctx, args[0])))
  team
    .command('create')
    .argument('<team>', 'the team, as @org:team')
    .option('--description <text>', "what the team is for")
    .description('create a team in an org')
    .addHelpText('after', examples([['pkgs team create @acme:devs --json', '{"team", "changed"}']]))
    .action(run((ctx, args, opts) => runTeamCreate(ctx, args[0], opts.description as string | undefined)))
  team
    .command('destroy')
    .argument('<team>', 'the team, as @org:team')
    .description('delete a team (asks first; --yes without a terminal)')
    .addHelpText('after', examples([['pkgs team destroy @acme:old --yes --json', '{"team", "changed"}']]))
    .action(run((ctx, args) => runTeamDestroy(ctx, args[0])))
  team
    .command('add')
    .argument('<team>', 'the team, as @org:team')
    .argument('<user>', 'a member of the org')
    .description('add a member of the org to a team')
    .addHelpText('after', examples([['pkgs team add @acme:devs bob --json', '{"team", "user", "changed"}']]))
    .action(run((ctx, args) => runTeamMember(ctx, args[0], args[1], true)))
  team
    .command('rm')
    .argument('<team>', 'the team, as @org:team')
    .argument('<user>', 'a member of the team')
    .description('remove a user from a team')
    .addHelpText('after', examples([['pkgs team rm @acme:devs bob --json', '{"team", "user", "changed"}']]))
    .action(run((ctx, args) => runTeamMember(ctx, args[0], args[1], false)))
}
