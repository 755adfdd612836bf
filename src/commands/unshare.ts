// pkgs unshare: remove an owner (`npm owner rm`, never the last one) or revoke a team's access
// (`npm access revoke`).
import { parseGrantee, planShare, unshare } from '../core/sharing.js'
import { isTeam } from '../package/names.js'
import { defineCommand } from './command.js'

export default defineCommand({
  name: 'unshare',
  description: "take a user's ownership or a team's access to a package away",
  arguments: [
    { name: 'grantee', description: 'an owner, or a team as @org:team', required: true },
    { name: 'package', description: 'the package (default: the name in the nearest package.json, here or above)' },
  ],
  examples: [
    ['pkgs unshare bob', 'bob is no longer an owner of the package in ./package.json (npm owner rm)'],
    ['pkgs unshare @acme:devs @acme/widgets', 'the team devs of @acme loses its access'],
  ],
  json: ['pkgs unshare bob --json', '{"package", "registry", "grantee", "permissions": null, "changed"}'],
  notes: 'The last owner cannot be removed: share the package with someone else first.\nNot shared: exit 0, "changed": false.',
  async run(ctx, opts) {
    const grantee = parseGrantee(opts.grantee)
    const { config, target, name } = await ctx.packageTarget(opts.package, `pkgs unshare ${opts.grantee} @acme/widgets`)
    return unshare(planShare(config, target, name, grantee), ctx.otp())
  },
  render(r, io) {
    const team = isTeam(r.grantee)
    if (!r.changed) io.print(team ? `${r.package}: ${r.grantee} has no access to revoke; nothing changed.` : `${r.package}: ${r.grantee} is not an owner; nothing changed.`)
    else io.print(team ? `${r.package}: ${r.grantee} no longer has access (had ${r.previous}).` : `${r.package}: ${r.grantee} is no longer an owner.`)
  },
})
