// pkgs share: make a user an owner of packages (`npm owner add`, read-write), or grant a team
// read-only or read-write (`npm access grant`): one package, several, or a whole scope.
import { usageError } from '../core/errors.js'
import type { Permission } from '../core/permissions.js'
import { isTeam } from '../package/names.js'
import { defineCommand } from './command.js'
import { bulkDocumentFailure } from './packages.js'
import { isSeveral, renderSharing, runSharing, shareArguments, shareOptions } from './share-plan.js'

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
  description: 'give a user (as an owner) or a team access to packages',
  arguments: shareArguments('a user (becomes an owner) or a team as @org:team'),
  options: {
    readOnly: { flags: '--read-only', description: 'a team may install them (the default for a new grant)' },
    readWrite: { flags: '--read-write', description: 'a team may install and publish them' },
    ...shareOptions,
  },
  examples: [
    ['pkgs share bob', 'bob becomes an owner of the package in ./package.json (npm owner add)'],
    ['pkgs share bob @acme/widgets', 'the same for @acme/widgets'],
    ['pkgs share @acme:devs @acme/widgets', 'the team devs of @acme may install it (read-only)'],
    ['pkgs share @acme:devs --scope @acme --read-write', 'and publish every package of @acme, one approval for all'],
    ['pkgs share bob @acme/a @acme/b --dry-run', 'what would change; nothing is sent'],
  ],
  json: [
    'pkgs share bob --json',
    '{"package", "registry", "grantee", "permissions", "changed"}; several or --scope: {"grantee", "results": [{"package", "registry", "grantee", "permissions", "changed", "error"?}], "changed", "unchanged", "failed", "skipped"}',
  ],
  notes:
    'A single user is always read-write (an owner): for read-only, add them to a team\n(pkgs team add @org:team <user>) and share with the team. Without a flag, a team that already\nhas a package keeps its permission; --read-only or --read-write changes it. A team is given\nonly packages of its org (one of another scope: exit 2).\nAlready shared: exit 0, "changed": false. Several packages or --scope: read first, then only what\ndiffers is changed, concurrently, under one two-factor approval; some failed: exit 1, run it again\nto finish. --dry-run: the plan ("+ @acme/a owner bob"), nothing sent.',
  run: (ctx, opts) => runSharing(ctx, 'share', opts, permissionsOf(opts.grantee, opts)),
  render: (r, io) => renderSharing('share', r, io),
  failure: (r) => (isSeveral(r) ? bulkDocumentFailure(r) : undefined),
})
