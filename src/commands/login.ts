// pkgs login: web login where the registry offers it, else user name and password (and a
// one-time password if asked), as npm 11's `npm login`; --token-stdin for scripts and CI. The
// token goes where npm keeps it: `//host/path/:_authToken` in the user .npmrc.
import type { RegistryClient } from '../core/client.js'
import { authTypeFor, passwordLogin, saveToken, verifyToken, webLogin } from '../core/auth.js'
import { defaultScope, shownPath } from '../core/config.js'
import { usageError } from '../core/errors.js'
import { nerfDart } from '../core/npmrc.js'
import { notARegistry } from '../core/registry.js'
import type { Spinner } from '../io/io.js'
import { normalizeScope } from '../package/names.js'
import { defineCommand } from './command.js'
import type { Context } from './context.js'

async function tokenFromStdin(ctx: Context): Promise<string> {
  let token: string
  if (ctx.io.streams.stdin.isTTY) {
    ctx.io.requirePrompt('Pipe the token in: echo "$NPM_TOKEN" | pkgs login --token-stdin', 'A token is needed')
    token = (await ctx.io.password('Token:')).trim()
    ctx.io.secrets.add(token)
  } else token = await ctx.io.secretFromStdin((text) => text.trim())
  if (!token) throw usageError('No token on stdin (--token-stdin).', 'Pipe the token in: echo "$NPM_TOKEN" | pkgs login --token-stdin')
  // whitespace, control characters or anything else an Authorization header cannot carry
  if (!/^[\x21-\x7e]+$/.test(token)) throw usageError('stdin holds more than a token (--token-stdin).', 'Pass the token alone, on one line.')
  return token
}

async function browserLogin(ctx: Context, client: RegistryClient, forced: boolean): Promise<{ token: string; username: string } | undefined> {
  let spinner: Spinner | undefined
  const opener = async (url: string) => {
    await ctx.io.sendToUrl(`Log in on ${client.target.registry.url} in your browser:`, url, client.config.npm.get('browser'))
    spinner = await ctx.io.spinner('Waiting for the login in the browser…')
  }
  try {
    const web = await webLogin(client, opener, forced)
    if (!web) return undefined
    return { token: web.token, username: await verifyToken(client, web.token) }
  } finally {
    spinner?.stop()
  }
}

async function passwordPrompts(ctx: Context, client: RegistryClient): Promise<{ token: string; username: string }> {
  ctx.io.info(`Log in on ${client.target.registry.url}`)
  const username = (await ctx.io.input('Username:', { validate: (v) => (v.trim() ? true : 'Enter your user name.') })).trim()
  const password = await ctx.io.password('Password:')
  const { token } = await passwordLogin(client, username, password)
  return { token, username }
}

interface LoginOptions {
  scope?: string
  authType?: 'web' | 'legacy'
  tokenStdin?: boolean
}

/** The file the token went to, as every message shows it, for the text only (a symbol key: not in the JSON document). */
const savedIn = Symbol('savedIn')

interface LoginResult {
  [savedIn]?: string
  username: string
  registry: string
  scope?: string
}

async function runLogin(ctx: Context, opts: LoginOptions): Promise<LoginResult> {
  const explicitScope = opts.scope ? normalizeScope(opts.scope) : undefined
  // a usage error sends nothing; a piped token to a URL that is no registry is told so by its whoami
  if (!opts.tokenStdin && !ctx.io.canPrompt()) {
    throw usageError(`Logging in needs a token: ${ctx.io.noPromptReason()}.`, 'Pipe a token in: echo "$NPM_TOKEN" | pkgs login --token-stdin')
  }
  if (!opts.tokenStdin) {
    // before asking for a password: is it a registry at all?
    const config = await ctx.config()
    const notRegistry = await notARegistry(config, await ctx.target({ scope: explicitScope ?? defaultScope(config) }))
    if (notRegistry) throw notRegistry
  }
  const config = await ctx.config()
  const scope = explicitScope ?? defaultScope(config)
  const target = await ctx.target({ scope })
  const client = ctx.client(config, target)
  ctx.warnAboutNpm()
  // a login sends a token or a password, whatever is configured now
  ctx.warnAboutPlainHttp(target)

  let login: { token: string; username: string }
  if (opts.tokenStdin) {
    const token = await tokenFromStdin(ctx)
    login = { token, username: await verifyToken(client, token) }
  } else {
    const authType = authTypeFor(config, opts.authType)
    const web = authType === 'web' ? await browserLogin(ctx, client, opts.authType === 'web') : undefined
    if (authType === 'web' && !web) ctx.io.debug(`${target.registry.url} offers no web login: logging in with a user name and password.`)
    login = web ?? (await passwordPrompts(ctx, client))
  }

  const saved = await saveToken(client, login.token, explicitScope)
  if (saved.shadowedBy) {
    ctx.io.warn(`${saved.shadowedBy.label} also sets credentials for ${target.registry.url}, and npm uses those instead of ${shownPath(config, saved.file)}.`)
  }
  const problem = target.credentials.problem
  if (problem?.kind === 'invalid-auth') {
    // `npm config fix` would move the old top-level value under the registry: over the token just saved
    const where = [...new Set(problem.keys.map((k) => k.file))].join(' and ')
    ctx.io.warn(
      `npm still refuses to run while ${where} has ${problem.keys.map((k) => `\`${k.key}\``).join(', ')} at the top level: delete ${problem.keys.length > 1 ? 'those lines' : 'that line'} (the new token is saved under ${nerfDart(target.registry.url)}).`,
    )
  }
  return {
    [savedIn]: shownPath(config, saved.file),
    username: login.username,
    registry: target.registry.url,
    ...(explicitScope ? { scope: explicitScope } : {}),
  }
}

export default defineCommand({
  name: 'login',
  description: "log in to the scope's registry and save the token where npm keeps it",
  options: {
    scope: { flags: '--scope <scope>', description: "log in to this scope's registry and map the scope to it" },
    authType: {
      flags: '--auth-type <type>',
      description: "web (browser, where the registry offers it) or legacy (user name and password); default: npm's auth-type, web",
      choices: ['web', 'legacy'],
    },
    tokenStdin: { flags: '--token-stdin', description: 'read a token from stdin, check it with whoami, then save it (scripts and CI)' },
  },
  examples: [
    ['pkgs login', 'on a terminal: web login, or user name and password where there is none'],
    ['pkgs login --scope @acme --registry https://npm.acme.dev/', 'log in there and map @acme to it'],
    ['pkgs login --auth-type legacy', 'user name, password and one-time password'],
    ['echo "$NPM_TOKEN" | pkgs login --token-stdin', 'without a terminal: check the token, then save it'],
  ],
  json: ['pkgs login --token-stdin --json < token.txt', '{"username", "registry", "scope"}'],
  notes:
    'The token is written to your user .npmrc as //host/path/:_authToken, as npm login does; nothing else in the file changes.' +
    '\nA token the registry does not accept is exit 3, and nothing is saved. See also: pkgs logout.' +
    "\nThe browser: npm's browser setting (false: only print the URL), else BROWSER (none: only print it), else the system's opener.",
  run: runLogin,
  render: (r, io) =>
    io.success(
      `Logged in as ${r.username} on ${r.registry}${r.scope ? ` (${r.scope} packages use it)` : ''}; the token is saved in ${r[savedIn] ?? 'your user .npmrc'}.`,
    ),
})
