// pkgs logout: revoke the token on the registry where it can (`DELETE /-/user/token/<token>`, as
// npm logout), then remove the credentials from the file they are in. Unlike npm, a registry that
// is down or refuses does not keep the credentials on disk, and not being logged in is no error.
import { removeCredentials, revokeToken, tokenFor, verifyToken } from '../core/auth.js'
import { defaultScope, shownPath } from '../core/config.js'
import { explainError } from '../core/explain.js'
import { requireWritable } from '../core/npmrc.js'
import { redactInLog } from '../core/registry.js'
import { normalizeScope } from '../package/names.js'
import { runChanges } from './changes.js'
import { defineCommand } from './command.js'
import type { Context } from './context.js'

interface LogoutResult {
  registry: string
  /** the registry no longer accepts the token */
  revoked: boolean
  /** the file the credentials were removed from */
  file: string | null
  changed: boolean
}

async function runLogout(ctx: Context, opts: { scope?: string }): Promise<LogoutResult> {
  const config = await ctx.config()
  const scope = opts.scope ? normalizeScope(opts.scope) : defaultScope(config)
  const target = await ctx.target({ scope })
  const client = ctx.client(config, target)
  const registry = target.registry.url
  const { credentials } = target
  if (credentials.type === 'none' || credentials.type === 'certificate') {
    if (!ctx.io.json) ctx.io.info(`Not logged in to ${registry}: nothing to change.`)
    return { registry, revoked: false, file: null, changed: false }
  }

  // the token leaves the file after it is revoked: a file that cannot change is said before anything is
  const { source } = credentials
  if (source?.file && source.layer !== 'env') await requireWritable(source.file, shownPath(config, source.file))
  let revoked = false
  const token = tokenFor(client)
  if (token) {
    redactInLog(token)
    try {
      await runChanges(ctx, [{ kind: 'token', target: registry, action: 'remove', registry, apply: () => revokeToken(client, token) }], false)
      // Verdaccio answers "Logged out" and keeps accepting the token: ask instead of trusting the answer
      revoked = !(await verifyToken(client, token).then(
        () => true,
        () => false,
      ))
      if (!revoked) ctx.io.warn(`${registry} still accepts the token after logging out: it does not revoke tokens.`)
    } catch (err) {
      const why = explainError(err)
      ctx.io.warn(`The token could not be revoked on ${registry} (${why.message.replace(/\.$/, '')}).`)
    }
  }

  const { removed, leftIn, alsoIn } = await removeCredentials(client)
  const where = (file: string) => shownPath(config, file)
  if (leftIn) {
    ctx.io.warn(`The credentials come from ${leftIn.label}, which pkgs cannot change: unset it to stop sending them.`)
  }
  if (removed?.changed.length && credentials.source?.variable && credentials.problem?.kind !== 'unset-variable') {
    ctx.io.hint(`The removed line took the token from \${${credentials.source.variable}}: that variable still holds it, unset it too.`)
  }
  for (const file of alsoIn) ctx.io.warn(`${where(file)} also holds credentials for ${registry}: run pkgs logout again to remove them.`)
  const changed = revoked || Boolean(removed?.changed.length)
  if (!ctx.io.json) {
    const parts = [revoked ? 'token revoked' : undefined, removed?.changed.length ? `removed from ${where(removed.path)}` : undefined].filter(Boolean)
    if (changed) ctx.io.success(`Logged out of ${registry} (${parts.join(', ')}).`)
    else ctx.io.info(`Nothing was changed for ${registry}.`)
  }
  return { registry, revoked, file: removed?.changed.length ? removed.path : null, changed }
}

export default defineCommand({
  name: 'logout',
  description: "revoke the token on the scope's registry and remove it from your .npmrc",
  options: {
    scope: { flags: '--scope <scope>', description: "log out of this scope's registry (the scope stays mapped to it)" },
  },
  examples: [
    ['pkgs logout', "the default scope's registry (or the default registry)"],
    ['pkgs logout --scope @acme', "@acme's registry"],
  ],
  json: ['pkgs logout --registry https://npm.acme.dev/ --json', '{"registry", "revoked", "file", "changed"}'],
  notes:
    'A registry that is unreachable or refuses to revoke the token gets a warning; the token is removed from the file all the same.' +
    '\nNot logged in: nothing to change (exit 0).',
  run: runLogout,
})
