// pkgs unshare: remove an owner (`npm owner rm`, never the last one) or revoke a team's access
// (`npm access revoke`).
import { parseGrantee, planShare, unshare } from '../core/sharing.js'
import { isTeam, scopeOf } from '../package/names.js'
import { defineCommand } from './command.js'

export default defineCommand({
  name: 'unshare',
  description: "take a user's ownership or a team's access to a package away (asks before removing yourself)",
  arguments: [
    { name: 'grantee', description: 'an owner, or a team as @org:team', required: true },
    { name: 'package', description: 'the package (default: the name in the nearest package.json, here or above)' },
  ],
  examples: [
    ['pkgs unshare bob', 'bob is no longer an owner of the package in ./package.json (npm owner rm)'],
    ['pkgs unshare @acme:devs @acme/widgets', 'the team devs of @acme loses its access'],
  ],
  json: ['pkgs unshare bob --json', '{"package", "registry", "grantee", "permissions": null, "changed", "teamAccess"?}'],
  notes:
    'The last owner cannot be removed: share the package with someone else first.\nRemoving yourself asks on a terminal and needs --yes without one: you lose write access.\nNot shared: exit 0, "changed": false; a user who is not an owner but still has access\nthrough a team (as the registry lists its collaborators) is told so ("teamAccess").',
  async run(ctx, opts) {
    const grantee = parseGrantee(opts.grantee)
    const { config, target, name } = await ctx.packageTarget(opts.package, `pkgs unshare ${opts.grantee} @acme/widgets`)
    const you = grantee.kind === 'user' ? grantee.user : opts.grantee
    return unshare(planShare(config, target, name, grantee), ctx.otp(), () =>
      ctx.confirm({
        what: `Removing yourself (${you}) from the owners of ${name} needs a confirmation`,
        yesHint: 'Pass --yes to remove yourself without being asked.',
        question: `Remove yourself (${you}) from the owners of ${name}? You lose write access to it.`,
        refused: `${you} is still an owner of ${name}.`,
      }),
    )
  },
  render(r, io) {
    const team = isTeam(r.grantee)
    if (!r.changed && r.teamAccess) {
      io.print(`${r.package}: ${r.grantee} is not an owner; nothing changed. ${r.grantee} still has ${r.teamAccess} access through a team.`)
      const org = scopeOf(r.package) ?? '@<org>'
      io.hint(
        `pkgs collaborators ${r.package} lists who has what; pkgs team rm ${org}:<team> ${r.grantee} or pkgs unshare ${org}:<team> ${r.package} takes it away.`,
      )
    } else if (!r.changed)
      io.print(team ? `${r.package}: ${r.grantee} has no access to revoke; nothing changed.` : `${r.package}: ${r.grantee} is not an owner; nothing changed.`)
    else io.print(team ? `${r.package}: ${r.grantee} no longer has access (had ${r.previous}).` : `${r.package}: ${r.grantee} is no longer an owner.`)
  },
})
