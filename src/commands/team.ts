// pkgs team: an organisation's teams and their members (`npm team`), with libnpmteam.
import { createTeam, destroyTeam, getTeamMembers, getTeams, isTeamMember, setTeamMember, type OrgPlan } from '../core/orgs.js'
import { isTeam, parseTeam, validateUserName } from '../package/names.js'
import type { Change } from '../core/plan.js'
import { dryRunOption, runChanges } from './changes.js'
import { defineCommand, defineGroup } from './command.js'
import type { Context } from './context.js'

async function teamPlan(ctx: Context, entity: string): Promise<{ team: ReturnType<typeof parseTeam>; plan: OrgPlan; exists: boolean }> {
  const team = parseTeam(entity)
  const plan = await ctx.org(team.org, 'teams')
  const exists = (await getTeams(plan)).includes(team.id)
  return { team, plan, exists }
}

const teamArgument = { name: 'team', description: 'the team, as @org:team', required: true } as const

const ls = defineCommand({
  name: 'ls',
  description: 'list the teams of an org, or the members of a team',
  arguments: [{ name: 'entity', description: 'an org (@acme) for its teams, or a team (@acme:devs) for its members', required: true }],
  examples: [
    ['pkgs team ls @acme --json', '{"org", "teams": ["@acme:developers", …]}'],
    ['pkgs team ls @acme:devs --json', '{"team", "members": ["bob", …]}'],
  ],
  async run(ctx, { entity }): Promise<{ team: string; members: string[] } | { org: string; teams: string[] }> {
    if (isTeam(entity)) {
      const team = parseTeam(entity)
      return { team: team.id, members: await getTeamMembers(await ctx.org(team.org, 'teams'), team) }
    }
    const plan = await ctx.org(entity, 'teams')
    return { org: `@${plan.org}`, teams: await getTeams(plan) }
  },
  render(result, io) {
    for (const line of 'members' in result ? result.members : result.teams) io.print(line)
  },
})

const create = defineCommand({
  name: 'create',
  description: 'create a team in an org',
  arguments: [teamArgument],
  options: { description: { flags: '--description <text>', description: 'what the team is for' }, ...dryRunOption },
  examples: [['pkgs team create @acme:devs --json', '{"team", "changed"}']],
  async run(ctx, opts) {
    const { team, plan, exists } = await teamPlan(ctx, opts.team)
    const changes: Change[] = exists
      ? []
      : [
          {
            kind: 'team',
            target: team.id,
            action: 'add',
            ...(opts.description ? { to: opts.description } : {}),
            registry: plan.client.target.registry.url,
            apply: () => createTeam(plan, team, opts.description),
          },
        ]
    const dryRun = await runChanges(ctx, changes, opts.dryRun)
    return { ...dryRun, team: team.id, changed: !dryRun && !exists }
  },
  render: (r, io) => io.print(r.changed ? `Created ${r.team}.` : `${r.team} already exists; nothing changed.`),
})

const destroy = defineCommand({
  name: 'destroy',
  description: 'delete a team (asks first; --yes without a terminal)',
  arguments: [teamArgument],
  options: dryRunOption,
  examples: [['pkgs team destroy @acme:old --yes --json', '{"team", "changed"}']],
  async run(ctx, opts) {
    const team = parseTeam(opts.team)
    const confirmation = {
      what: `Destroying ${team.id} needs a confirmation`,
      yesHint: 'Pass --yes to destroy it without being asked.',
      question: `Destroy ${team.id}? Its members lose the access it gives them.`,
      refused: `${team.id} was not destroyed.`,
    }
    if (!opts.dryRun) ctx.requireConfirmable(confirmation)
    const { plan, exists } = await teamPlan(ctx, opts.team)
    const changes: Change[] = exists
      ? [
          {
            kind: 'team',
            target: team.id,
            action: 'remove',
            registry: plan.client.target.registry.url,
            risk: 'destroy',
            apply: () => destroyTeam(plan, team),
          },
        ]
      : []
    const dryRun = await runChanges(ctx, changes, opts.dryRun, { confirmation })
    return { ...dryRun, team: team.id, changed: !dryRun && exists }
  },
  render: (r, io) => io.print(r.changed ? `Destroyed ${r.team}.` : `There is no team ${r.team}; nothing changed.`),
})

function memberCommand(member: boolean) {
  return defineCommand({
    name: member ? 'add' : 'rm',
    description: member ? 'add a member of the org to a team (the user must exist and be in the org)' : 'remove a user from a team',
    arguments: [teamArgument, { name: 'user', description: member ? 'a member of the org' : 'a member of the team', required: true }],
    options: dryRunOption,
    examples: [[`pkgs team ${member ? 'add' : 'rm'} @acme:devs bob --json`, '{"team", "user", "changed"}']],
    async run(ctx, opts) {
      const team = parseTeam(opts.team)
      const user = validateUserName(opts.user)
      const plan = await ctx.org(team.org, 'teams')
      const changes: Change[] =
        (await isTeamMember(plan, team, user, member)) === member
          ? []
          : [
              {
                kind: 'team-member',
                target: team.id,
                action: member ? 'add' : 'remove',
                [member ? 'to' : 'from']: user,
                registry: plan.client.target.registry.url,
                ...(member ? {} : { risk: 'access-removed' as const }),
                apply: () => setTeamMember(plan, team, user, member),
              },
            ]
      const dryRun = await runChanges(ctx, changes, opts.dryRun)
      return { ...dryRun, team: team.id, user, changed: !dryRun && changes.length > 0 }
    },
    render({ team, user, changed }, io) {
      if (member) io.print(changed ? `Added ${user} to ${team}.` : `${user} is already in ${team}; nothing changed.`)
      else io.print(changed ? `Removed ${user} from ${team}.` : `${user} is not in ${team}; nothing changed.`)
    },
  })
}

export default defineGroup({
  name: 'team',
  description: "an organisation's teams and their members (npm team)",
  examples: [
    ['pkgs team ls @acme', 'the teams of @acme'],
    ['pkgs team ls @acme:devs', 'the members of a team'],
    ['pkgs team create @acme:devs --description "Developers"', 'a new team'],
    ['pkgs team add @acme:devs bob', 'bob joins it (he must be a member of @acme: pkgs org set acme bob)'],
    ['pkgs share @acme:devs @acme/widgets --read-only', 'then give the team a package'],
  ],
  notes: 'Already as asked (a team that exists, a member already in it, …): exit 0, "changed": false.',
  commands: [ls, create, destroy, memberCommand(true), memberCommand(false)],
})
