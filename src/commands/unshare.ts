// pkgs unshare: remove an owner (`npm owner rm`, never the last one) or revoke a team's access
// (`npm access revoke`): one package, several, or a whole scope.
import { defineCommand } from './command.js'
import { bulkDocumentFailure } from './packages.js'
import { isSeveral, renderSharing, runSharing, shareArguments, shareOptions } from './share-plan.js'

export default defineCommand({
  name: 'unshare',
  description: "take a user's ownership or a team's access to packages away (asks before removing yourself)",
  arguments: shareArguments('an owner, or a team as @org:team'),
  options: shareOptions,
  examples: [
    ['pkgs unshare bob', 'bob is no longer an owner of the package in ./package.json (npm owner rm)'],
    ['pkgs unshare @acme:devs @acme/widgets', 'the team devs of @acme loses its access'],
    ['pkgs unshare bob --scope @acme --yes', 'bob owns no package of @acme any more (asks first on a terminal)'],
  ],
  json: [
    'pkgs unshare bob --json',
    '{"package", "registry", "grantee", "permissions": null, "changed", "teamAccess"?}; several or --scope: {"grantee", "results": [...], "changed", "unchanged", "failed", "skipped"}',
  ],
  notes:
    'The last owner cannot be removed: share the package with someone else first.\nRemoving yourself asks on a terminal and needs --yes without one: you lose write access.\nNot shared: exit 0, "changed": false; a user who is not an owner but still has access\nthrough a team (as the registry lists its collaborators) is told so ("teamAccess").\nSeveral packages or --scope: the changes are listed and confirmed on a terminal (--yes without\none), then made under one two-factor approval. --dry-run: the plan, nothing sent.',
  run: (ctx, opts) => runSharing(ctx, 'unshare', opts),
  render: (r, io) => renderSharing('unshare', r, io),
  failure: (r) => (isSeveral(r) ? bulkDocumentFailure(r) : undefined),
})
