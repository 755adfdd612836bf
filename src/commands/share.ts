// pkgs share: make a user an owner of a package (`npm owner add`, read-write), or grant a team
// read-only or read-write (`npm access grant`).
import { usageError } from '../core/errors.js'
import type { Permission } from '../core/permissions.js'
import { parseGrantee, planShare, share } from '../core/sharing.js'
import { isTeam } from '../package/names.js'
import { defineCommand } from './command.js'

/** The permission asked for; undefined for a team without a flag (a new grant is read-only, an existing one stays). */
function permissionsOf(grantee: string, opts: { readOnly?: boolean; readWrite?: boolean }): Permission | undefined {
  if (opts.readOnly && opts.readWrite) throw usageError('Choose --read-only or --read-write, not both.')
  if (!isTeam(grantee)) {
    if (opts.readOnly) {
      throw usageError(
        `A single user cannot get read-only access: sharing with ${grantee} makes them an owner, who can publish.`,
        `Give read-only access through a team: pkgs team add @org:team ${grantee}, then pkgs share @org:team <package> --read-only`,
      )
    }
    return 'read-write'
  }
  return opts.readWrite ? 'read-write' : opts.readOnly ? 'read-only' : undefined
}

export default defineCommand({
  name: 'share',
  description: 'give a user (as an owner) or a team access to a package',
  arguments: [
    { name: 'grantee', description: 'a user (becomes an owner) or a team as @org:team', required: true },
    { name: 'package', description: 'the package (default: the name in the nearest package.json, here or above)' },
  ],
  options: {
    readOnly: { flags: '--read-only', description: 'a team may install it (the default for a new grant)' },
    readWrite: { flags: '--read-write', description: 'a team may install and publish it' },
  },
  examples: [
    ['pkgs share bob', 'bob becomes an owner of the package in ./package.json (npm owner add)'],
    ['pkgs share bob @acme/widgets', 'the same for @acme/widgets'],
    ['pkgs share @acme:devs @acme/widgets', 'the team devs of @acme may install it (read-only)'],
    ['pkgs share @acme:devs @acme/widgets --read-write', 'and publish it'],
  ],
  json: ['pkgs share bob --json', '{"package", "registry", "grantee", "permissions", "changed"}'],
  notes:
    'A single user is always read-write (an owner): for read-only, add them to a team\n(pkgs team add @org:team <user>) and share with the team. Without a flag, a team that already\nhas the package keeps its permission; --read-only or --read-write changes it. A team is given\nonly packages of its org (one of another scope: exit 2).\nAlready shared: exit 0, "changed": false.',
  async run(ctx, opts) {
    const permissions = permissionsOf(opts.grantee, opts)
    const grantee = parseGrantee(opts.grantee)
    const { config, target, name } = await ctx.packageTarget(opts.package, `pkgs share ${opts.grantee} @acme/widgets`)
    return share(planShare(config, target, name, grantee), permissions, ctx.otp())
  },
  render(r, io) {
    const team = isTeam(r.grantee)
    if (!r.changed)
      io.print(
        team
          ? `${r.package}: ${r.grantee} already has ${r.permissions}; nothing changed.`
          : `${r.package}: ${r.grantee} is already an owner (read-write); nothing changed.`,
      )
    else if (!team) io.print(`${r.package}: ${r.grantee} is now an owner (read-write).`)
    else io.print(`${r.package}: ${r.grantee} now has ${r.permissions}${r.previous ? ` (was ${r.previous})` : ''}.`)
  },
})
