// pkgs token: granular access tokens (`npm token`): create one limited to packages, scopes or
// orgs, read-only or read-write, with an expiry; list them; revoke them by id or prefix. A new
// token is printed exactly once, on stdout.
import { authorizationFor, defaultScope } from '../core/config.js'
import { installNpmrcLines } from '../core/consumer.js'
import { usageError } from '../core/errors.js'
import { nerfDart } from '../core/npmrc.js'
import { loginCommand } from '../core/preflight.js'
import {
  createToken,
  isTokenValue,
  listTokens,
  revokeToken,
  tokenKey,
  tokensToRevoke,
  validateCidr,
  validateExpiry,
  type GrantPermission,
  type TokenEntry,
  type TokenRequest,
} from '../core/tokens.js'
import type { IO } from '../io/io.js'
import { table } from '../io/table.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { runChanges } from './changes.js'
import { defineCommand, defineGroup } from './command.js'
import type { Context } from './context.js'

async function readPassword(ctx: Context, fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) {
    // a password may hold spaces: only the newline that ends it is not part of it
    const password = await ctx.io.secretFromStdin((text) => text.replace(/\r?\n$/, ''))
    if (!password) throw usageError('No password on stdin (--password-stdin).', 'Pipe it in: printf %s "$NPM_PASSWORD" | pkgs token create --password-stdin …')
    return password
  }
  ctx.io.requirePrompt('Pipe it in: printf %s "$NPM_PASSWORD" | pkgs token create --password-stdin …', 'Making a token needs your password')
  return ctx.io.password('Password:')
}

/** The registry of the tokens: the scope's, else the default scope's. */
async function tokenTarget(ctx: Context, scope?: string) {
  return ctx.loggedIn({ scope: scope ?? defaultScope(await ctx.config()) })
}

function expiresIn(entry: { expires?: string | null }): string {
  if (!entry.expires) return 'never'
  const days = Math.round((Date.parse(entry.expires) - Date.now()) / 86_400_000)
  return days < 0 ? `expired ${entry.expires.slice(0, 10)}` : `${entry.expires.slice(0, 10)} (in ${days} day${days === 1 ? '' : 's'})`
}

function permissionsOf(t: TokenEntry): string {
  const what = [t.packages_all ? 'all packages' : undefined, ...(t.scopes ?? []), ...(t.packages ?? [])].filter(Boolean)
  const packages = what.length
    ? `${t.packages_and_scopes_permission ?? (t.readonly ? 'read-only' : 'read-write')} ${what.join(', ')}`
    : t.readonly
      ? 'read-only'
      : 'read-write'
  const orgs = t.orgs?.length ? `; orgs ${t.orgs.join(', ')} ${t.orgs_permission ?? ''}`.trimEnd() : ''
  return packages + orgs
}

const create = defineCommand({
  name: 'create',
  description: 'make a granular access token (printed once, on stdout)',
  options: {
    name: { flags: '--name <name>', description: 'what the token is for (default: pkgs and the date)' },
    description: { flags: '--description <text>', description: 'a longer description' },
    readOnly: { flags: '--read-only', description: 'it may install the packages, not publish (the default)' },
    readWrite: { flags: '--read-write', description: 'it may also publish them' },
    scope: { flags: '--scope <scope...>', description: 'the packages of these scopes' },
    package: { flags: '--package <package...>', description: 'these packages' },
    allPackages: { flags: '--all-packages', description: 'every package you can read or write' },
    org: { flags: '--org <org...>', description: 'these organisations (members, teams)' },
    orgPermission: { flags: '--org-permission <permission>', description: 'what it may do in the orgs', choices: ['read-only', 'read-write', 'no-access'] },
    expires: { flags: '--expires <days>', description: 'days until it stops working, 1 to 365 (default: the registry decides)' },
    cidr: { flags: '--cidr <range...>', description: 'only from these IPv4 ranges, e.g. 192.0.2.0/24' },
    bypass2fa: { flags: '--bypass-2fa', description: 'it may publish without two-factor authentication' },
    passwordStdin: { flags: '--password-stdin', description: 'read your password from stdin (without a terminal)' },
  },
  examples: [
    ['pkgs token create --read-only --scope @acme --expires 30', 'for CI and Docker builds: install @acme packages, nothing else'],
    ['printf %s "$PW" | pkgs token create --read-write --package @acme/widgets --password-stdin', 'a token that can publish one package'],
    ['pkgs token create --read-only --all-packages --cidr 192.0.2.0/24', 'only from one network'],
  ],
  json: ['pkgs token create --read-only --scope @acme --json', '{"token", "key", "name", "expires", "readonly", "cidr_whitelist", "npmrc", …}'],
  notes:
    'The token is printed once, on stdout (with --json, as "token"); it is never logged. Keep it in a secret,\nand use it through an environment variable: the .npmrc lines to do so (the registry of each scope and the token) are printed after it.\n' +
    'The registry is that of the first --scope, --package or --org. A token that can write lasts at most\nwhat the registry allows (npmjs.com: 90 days). A registry that makes a read-write token when a\nread-only one is asked for (Verdaccio) is warned about.',
  showsSecret: true,
  async run(ctx, opts) {
    if (opts.readOnly && opts.readWrite) throw usageError('Choose --read-only or --read-write, not both.')
    const scopes = (opts.scope ?? []).map((s) => normalizeScope(s))
    const packages = (opts.package ?? []).map((p) => validatePackageName(p))
    const orgs = (opts.org ?? []).map((o) => normalizeScope(o).slice(1))
    const cidrs = (opts.cidr ?? []).flatMap((c) => c.split(/,\s*/)).map(validateCidr)
    const expires = opts.expires !== undefined ? validateExpiry(opts.expires) : undefined
    const permission: GrantPermission = opts.readWrite ? 'read-write' : 'read-only'
    // the registry of the first scope, package or org the token is for
    const scope = scopes[0] ?? packages.map(scopeOf).find(Boolean) ?? (orgs.length ? `@${orgs[0]}` : undefined)
    const { target, client } = await tokenTarget(ctx, scope)
    const password = await readPassword(ctx, opts.passwordStdin)
    const body: TokenRequest = {
      name: opts.name ?? `pkgs ${new Date().toISOString().slice(0, 10)}`,
      password,
      ...(opts.description ? { description: opts.description } : {}),
      ...(packages.length ? { packages } : {}),
      ...(opts.allPackages ? { packages_all: true as const } : {}),
      ...(scopes.length ? { scopes } : {}),
      ...(orgs.length ? { orgs } : {}),
      packages_and_scopes_permission: permission,
      ...(opts.orgPermission ? { orgs_permission: opts.orgPermission } : {}),
      ...(expires ? { expires } : {}),
      ...(cidrs.length ? { cidr_whitelist: cidrs } : {}),
      ...(opts.bypass2fa ? { bypass_2fa: true as const } : {}),
    }
    const created = await createToken(client, body)
    // a registry that knows only npm's classic token fields (Verdaccio) reads no permission in the
    // body and makes the token read-write: say so while it can still be revoked
    if (permission === 'read-only' && opts.orgPermission !== 'read-write' && created.readonly === false) {
      ctx.io.warn(`${target.registry.url} made a read-write token: it ignored the request for a read-only one, so this token can publish.`)
      ctx.io.hint(`If it must not publish, revoke it: pkgs token revoke ${created.key}`)
    }
    // npm makes such a token too: it reads only what anyone may (public packages), which is never why one is made
    const covers = packages.length || scopes.length || orgs.length || opts.allPackages
    if (!covers && created.readonly !== false) {
      ctx.io.warn('This token covers no package, scope or organisation: it can read only public packages, which need no token.')
      ctx.io.hint(`Make one with --scope, --package or --all-packages, and revoke this one: pkgs token revoke ${created.key}`)
    }
    const { updated: _updated, ...shown } = created
    // without its scope's registry line, a CI job asks the default registry for @s/… (and may install someone else's package)
    const tokenScopes = [...new Set([...scopes, ...packages.map(scopeOf), ...orgs.map((o) => `@${o}`)].filter((s): s is string => Boolean(s)))]
    const url = target.registry.url
    const npmrc = [...tokenScopes.map((s) => `${s}:registry=${url}`), ...installNpmrcLines(undefined, url, nerfDart(url))].join('\n')
    return { ...shown, registry: url, npmrc }
  },
  render(r, io) {
    io.printSecret(r.token)
    io.success(
      `Token made: ${r.readonly === false ? 'read-write' : 'read-only'}, expires ${expiresIn(r)}${r.cidr_whitelist?.length ? `, only from ${r.cidr_whitelist.join(', ')}` : ''}. It is shown this once.`,
    )
    io.hint(`To install with it in CI or Docker, keep it in NPM_TOKEN and add to the project's .npmrc:\n  ${r.npmrc.split('\n').join('\n  ')}`)
  },
})

const ls = defineCommand({
  name: 'ls',
  description: 'list your tokens: id, name, permissions, expiry (the soonest first)',
  options: { scope: { flags: '--scope <scope>', description: 'the scope whose registry to ask (default: the configured scope)' } },
  examples: [['pkgs token ls', 'a table on a terminal, tab-separated lines otherwise']],
  json: ['pkgs token ls --json', '{"registry", "tokens": [{"id", "key", "token", "name", "created", "expires", "readonly", "cidr_whitelist", …}]}'],
  async run(ctx, opts) {
    const { target, client } = await tokenTarget(ctx, opts.scope ? normalizeScope(opts.scope) : undefined)
    const tokens = (await listTokens(client)).sort((a, b) => (Date.parse(a.expires ?? '') || Infinity) - (Date.parse(b.expires ?? '') || Infinity))
    return { registry: target.registry.url, tokens }
  },
  render({ tokens }, io: IO) {
    if (!tokens.length) return io.info('You have no tokens there.')
    const rows = tokens.map((t) => [t.id, t.name ?? '', `${t.token}…`, permissionsOf(t), expiresIn(t), t.cidr_whitelist?.join(',') ?? ''])
    if (io.isStdoutTTY) io.print(table(['ID', 'NAME', 'TOKEN', 'MAY', 'EXPIRES', 'CIDR'], rows, io.out.bold))
    else for (const row of rows) io.print(row.join('\t'))
  },
})

const revoke = defineCommand({
  name: 'revoke',
  description: 'revoke tokens by id, by the start of one, or by the token itself',
  arguments: [{ name: 'ids', description: 'token ids (pkgs token ls), prefixes of exactly one, or tokens', variadic: true }],
  options: { scope: { flags: '--scope <scope>', description: 'the scope whose registry to ask (default: the configured scope)' } },
  examples: [['pkgs token revoke 3f9a2c', 'the token whose id starts with 3f9a2c']],
  json: ['pkgs token revoke 3f9a2c --json', '{"registry", "revoked": [{"id", "key", "name"}]}'],
  notes:
    'A prefix that more than one token starts with is exit 2, listing them. The token itself works too, as with npm token revoke; it is never shown.\nRevoking the token you are logged in with warns that you must log in again.',
  async run(ctx, opts) {
    if (!opts.ids.length) throw usageError('Name the tokens to revoke.', 'See their ids with: pkgs token ls')
    // a token given by its value is a secret: from here on it is *** wherever it would appear
    for (const id of opts.ids) if (isTokenValue(id)) ctx.io.secrets.add(id)
    const { config, target, client } = await tokenTarget(ctx, opts.scope ? normalizeScope(opts.scope) : undefined)
    const chosen = tokensToRevoke(await listTokens(client), opts.ids)
    const registry = target.registry.url
    await runChanges(
      ctx,
      chosen.map((t) => ({ kind: 'token', target: t.id, action: 'remove', registry, apply: () => revokeToken(client, t.key) })),
      false,
    )
    // the token this very login uses: every command for the registry now fails until a new login
    const login = authorizationFor(config, target.registry.url)
    if (login?.startsWith('Bearer ') && chosen.some((t) => t.key === tokenKey(login.slice('Bearer '.length)))) {
      ctx.io.warn(
        `That was the token you are logged in with${target.credentials.source ? ` (set in ${target.credentials.source.label})` : ''}: commands for ${target.registry.url} fail until you log in again.`,
      )
      ctx.io.hint(`Log in again: ${loginCommand(target.registry, target.scope)}`)
    }
    return { registry: target.registry.url, revoked: chosen.map((t) => ({ id: t.id, key: t.key, name: t.name ?? null })) }
  },
  render: (r, io) =>
    io.print(
      `Revoked ${r.revoked.length} token${r.revoked.length === 1 ? '' : 's'}: ${r.revoked.map((t) => `${t.id}${t.name ? ` (${t.name})` : ''}`).join(', ')}.`,
    ),
})

export default defineGroup({
  name: 'token',
  description: 'granular access tokens: make, list and revoke them (npm token)',
  examples: [
    ['pkgs token create --read-only --scope @acme', 'a token that installs @acme packages (CI, Docker)'],
    ['pkgs token ls', 'your tokens and when they expire'],
    ['pkgs token revoke <id>', 'stop one'],
  ],
  commands: [create, ls, revoke],
})
