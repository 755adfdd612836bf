// One error type for everything a user can see, and the translation of npm's registry and
// network errors into a sentence and a fix.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const Exit = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  unsupported: 4,
  cancelled: 130,
} as const

export type ExitCode = (typeof Exit)[keyof typeof Exit]

export class PkgsError extends Error {
  readonly code: string
  readonly hint?: string
  readonly exitCode: ExitCode
  /** extra fields for --json error documents */
  readonly details?: Record<string, unknown>

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; exitCode?: ExitCode; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: opts.cause })
    this.name = 'PkgsError'
    this.code = code
    this.hint = opts.hint
    this.exitCode = opts.exitCode ?? Exit.failure
    this.details = opts.details
  }
}

/** A file pkgs could not read or write, with a hint when it is a matter of permissions. */
export function fileError(what: 'read' | 'write', path: string, err: unknown): PkgsError {
  const code = (err as NodeJS.ErrnoException).code
  const denied = code === 'EACCES' || code === 'EPERM'
  return new PkgsError(denied ? 'EACCES' : 'EFILE', `Cannot ${what} ${path}: ${(err as Error).message}.`, {
    hint: denied ? `Check the permissions of ${path} and its folder.` : undefined,
    cause: err,
  })
}

/** What the registry or npm's libraries threw, under a PkgsError that explains it (or as it came). */
export interface RawError {
  code?: string
  statusCode?: number
  body?: unknown
  headers?: Record<string, unknown>
}

export function rawError(err: unknown): RawError {
  return ((err instanceof PkgsError ? err.cause : err) ?? {}) as RawError
}

export function usageError(message: string, hint?: string): PkgsError {
  return new PkgsError('EUSAGE', message, { hint, exitCode: Exit.usage })
}

export function unsupportedError(message: string, hint?: string): PkgsError {
  return new PkgsError('EUNSUPPORTED', message, { hint, exitCode: Exit.unsupported })
}

export function cancelledError(): PkgsError {
  return new PkgsError('ECANCELLED', 'Cancelled.', { exitCode: Exit.cancelled })
}

/** What we know about the request that failed, so the message can name it. */
export interface ErrorContext {
  registry?: string
  /** where the registry was configured, e.g. "~/.npmrc (@acme:registry)" */
  registrySource?: string
  packageName?: string
  /** the version being published: a conflict then means it is already published */
  version?: string
  /** the user we are logged in as, when known */
  username?: string
  /** the `pkgs login …` command that fixes an authentication problem */
  loginCommand?: string
  /** false when the request went without credentials (none are configured for the registry) */
  sentCredentials?: boolean
  /** why the credentials configured cannot work (an unset variable, keys npm refuses): said instead of a 401 */
  credentialsError?: PkgsError
  proxy?: ProxySettings
}

export interface ProxySettings {
  proxy?: string
  noProxy?: string
}

/** The proxy npm's agent goes through for this URL (the settings, else the *_proxy variables), if any. */
function proxyFor(url: string | undefined, settings: ProxySettings | undefined): string | undefined {
  if (!url) return undefined
  const { getProxy } = require('@npmcli/agent/lib/proxy.js') as { getProxy(url: string, o: ProxySettings): URL | null }
  return getProxy(url, settings ?? {})?.href
}

interface NpmLikeError {
  code?: string
  statusCode?: number
  message?: string
  body?: unknown
  type?: string
  errno?: string
  headers?: Record<string, unknown>
  /** set by @npmcli/run-script when a lifecycle script fails */
  event?: string
  script?: string
  pkgid?: string
  signal?: string | null
  stderr?: unknown
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_TIMEOUT',
  'EPROTO',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
])

/** The registry's own words, without a final full stop: they are quoted inside our sentences. */
function registryMessage(body: unknown): string | undefined {
  let text: unknown
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>
    text = b.error ?? b.message ?? b.reason
  } else if (typeof body === 'string' && body.length < 300 && !body.trimStart().startsWith('<')) {
    text = body
  }
  return typeof text === 'string' && text.trim() ? text.trim().replace(/\.+$/, '') : undefined
}

function where(ctx: ErrorContext): string {
  return ctx.registry ? ` ${ctx.registry}` : ' the registry'
}

function loginHint(ctx: ErrorContext): string {
  return `Log in with: ${ctx.loginCommand ?? (ctx.registry ? `pkgs login --registry ${ctx.registry}` : 'pkgs login')}`
}

// npmjs: "You cannot publish over the previously published versions"; Verdaccio: 409 "this
// package is already present"; others say "already exists".
const republishMessage = /previously published|cannot publish over|already present|already exists|version.*exists/i

function lastLines(text: unknown, n: number): string | undefined {
  if (typeof text !== 'string' || !text.trim()) return undefined
  return text.trimEnd().split('\n').slice(-n).join('\n')
}

// A publish refused with 403, or 404 (npmjs's answer for a scope that is neither the user's nor
// an organisation they belong to): name the scope, the user and the way to get access.
function publishRefused(e: NpmLikeError, ctx: ErrorContext, pkg: string, said: string | undefined, cause: { cause: unknown }): PkgsError {
  const user = ctx.username
  const who = user ?? 'You'
  const why = said ? ` (${e.statusCode}: ${said})` : ` (${e.statusCode})`
  if (said && /two-factor|2fa/i.test(said)) {
    return new PkgsError(`E${e.statusCode}`, `${ctx.registry ?? 'The registry'} requires two-factor authentication to publish ${pkg}${why}.`, {
      hint: 'Publish on a terminal or with --otp <code>; for CI use a granular access token allowed to bypass two-factor authentication.',
      ...cause,
    })
  }
  const slash = pkg.indexOf('/')
  if (pkg.startsWith('@') && slash > 0) {
    const scope = pkg.slice(0, slash)
    return new PkgsError(`E${e.statusCode}`, `${who} may not publish ${pkg} to the scope ${scope} on${where(ctx)}${why}.`, {
      hint:
        `${scope} must be ${user ? `${user}'s own scope` : 'your own user scope'} or an organisation ${user ?? 'you'} may publish to: ` +
        `ask an owner of ${scope} for publish rights (on npmjs.com: \`npm org set ${scope.slice(1)} ${user ?? '<user>'} developer\`, ` +
        `and for an existing package \`pkgs share ${user ?? '<user>'} ${pkg}\`)${user ? `, or publish under your own scope: @${user}${pkg.slice(slash)}` : ''}.`,
      ...cause,
    })
  }
  return new PkgsError(`E${e.statusCode}`, `${who} may not publish ${pkg} on${where(ctx)}: the name belongs to someone else or is too close to an existing one${why}.`, {
    hint: `Choose another name, or publish it under your scope${user ? ` (@${user}/${pkg})` : ''}: pkgs init --scope @${user ?? 'your-scope'}.`,
    ...cause,
  })
}

/** Turn anything thrown by npm's libraries (or by us) into a PkgsError with a fix. */
export function explainError(err: unknown, ctx: ErrorContext = {}): PkgsError {
  if (err instanceof PkgsError) return err
  const e = (err ?? {}) as NpmLikeError
  const code = e.code ?? e.errno
  const said = registryMessage(e.body)
  const pkg = ctx.packageName
  const withCause = { cause: err }

  if (ctx.credentialsError && (code === 'ENEEDAUTH' || e.statusCode === 401)) return ctx.credentialsError
  // a 401 to a request that carried no credentials: nothing was rejected, the user is not logged in
  if (code === 'ENEEDAUTH' || (e.statusCode === 401 && ctx.sentCredentials === false)) {
    return new PkgsError('ENEEDAUTH', `You are not logged in to${where(ctx)}.`, {
      hint: loginHint(ctx),
      exitCode: Exit.auth,
      ...withCause,
    })
  }
  if (e.event && typeof e.script === 'string') {
    const how = e.signal ? `was killed by ${e.signal}` : `failed (exit code ${String(e.code)})`
    const output = lastLines(e.stderr, 10)
    return new PkgsError('ELIFECYCLE', `The ${e.event} script${e.pkgid ? ` of ${e.pkgid}` : ''} ${how}: ${e.script}${output ? `\n${output}` : ''}`, {
      hint: `Fix the "${e.event}" script in package.json (or run it alone: npm run ${e.event}).`,
      ...withCause,
    })
  }
  if (code === 'EOTP') {
    return new PkgsError('EOTP', `${ctx.registry ?? 'The registry'} asks for a one-time password for this operation.`, {
      hint: 'Run it again with --otp <code> from your authenticator app (or on a terminal to be asked).',
      ...withCause,
    })
  }
  if (ctx.version && (e.statusCode === 409 || ((e.statusCode === 403 || e.statusCode === 400) && said && republishMessage.test(said)))) {
    const what = pkg ? `${pkg}@${ctx.version}` : `Version ${ctx.version}`
    return new PkgsError('EPUBLISHCONFLICT', `${what} is already published on${where(ctx)}${said ? ` (${said})` : ''}.`, {
      hint: 'A published version can never be replaced: bump the version (npm version patch) and publish again.',
      ...withCause,
    })
  }
  if (ctx.version && pkg && (e.statusCode === 403 || e.statusCode === 404)) return publishRefused(e, ctx, pkg, said, withCause)
  switch (e.statusCode) {
    case 401:
      return new PkgsError('E401', `${ctx.registry ?? 'The registry'} rejected your credentials${said ? `: ${said}` : ''}.`, {
        hint: `Your token may be expired or revoked. ${loginHint(ctx)}`,
        exitCode: Exit.auth,
        ...withCause,
      })
    case 402:
      return new PkgsError('E402', `Private packages need a paid plan on${where(ctx)}${pkg ? ` (${pkg} is private)` : ''}.`, {
        hint: 'Publish it as public with --access public, or upgrade the scope\'s account or organisation to a paid plan.',
        ...withCause,
      })
    case 403:
      return new PkgsError(
        'E403',
        `${ctx.registry ?? 'The registry'} refused this${pkg ? ` for ${pkg}` : ''}${ctx.username ? ` (logged in as ${ctx.username})` : ''}${said ? `: ${said}` : ''}.`,
        {
          hint: pkg
            ? `Check that you may write to ${pkg}: an owner can run \`pkgs share <your-user> ${pkg}\`.`
            : 'Check that your account has permission for this operation.',
          ...withCause,
        },
      )
    case 404:
      return new PkgsError(
        'E404',
        pkg
          ? `${pkg} was not found on${where(ctx)} — or it is private and ${ctx.username ? `${ctx.username} has` : 'you have'} no access to it.`
          : `Not found on${where(ctx)}${said ? `: ${said}` : ''}.`,
        {
          hint: pkg
            ? `Check the name and the registry (\`pkgs doctor ${pkg}\`), or ask an owner to run \`pkgs share <your-user> ${pkg}\`.`
            : undefined,
          ...withCause,
        },
      )
  }
  if (e.statusCode === 413) {
    return new PkgsError('E413', `${ctx.registry ?? 'The registry'} refused the upload: it is too large${said ? ` (${said})` : ''}.`, {
      hint: 'See the largest files with `pkgs publish --dry-run --verbose`, and leave out what users do not need with "files" in package.json or an .npmignore.',
      ...withCause,
    })
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 500) {
    return new PkgsError(`E${e.statusCode}`, `${ctx.registry ?? 'The registry'} is having problems: it answered ${e.statusCode}${said ? ` (${said})` : ''}.`, {
      hint: 'Try again in a few minutes, and check the registry\'s status page.',
      ...withCause,
    })
  }
  if (typeof e.statusCode === 'number') {
    return new PkgsError(`E${e.statusCode}`, `${ctx.registry ?? 'The registry'} answered ${e.statusCode}${said ? `: ${said}` : ''}.`, withCause)
  }
  if (code && networkCodes.has(code)) {
    const proxy = proxyFor(ctx.registry, ctx.proxy)
    if (proxy) {
      return new PkgsError(code, `Cannot reach the registry${where(ctx)} through the proxy ${proxy} (${code}).`, {
        hint: 'Check the proxy: npm\'s proxy and https-proxy settings (or the HTTPS_PROXY and HTTP_PROXY variables) name it, and noproxy lists the hosts reached without it.',
        ...withCause,
      })
    }
    const setIn = ctx.registrySource === '--registry' ? '; it was given with --registry' : ctx.registrySource ? `; it is set in ${ctx.registrySource}` : ''
    return new PkgsError(code, `Cannot reach the registry${where(ctx)} (${code}).`, {
      hint: `Check the URL and your network${setIn}, or choose another with --registry <url>.`,
      ...withCause,
    })
  }
  if (e.type === 'invalid-json' || code === 'EJSONPARSE' || code === 'FETCH_ERROR_INVALID_JSON') {
    return new PkgsError('EBADRESPONSE', `${ctx.registry ?? 'The registry'} answered with something that is not an npm registry's JSON.`, {
      hint: `Is this the URL of an npm registry?${ctx.registrySource ? ` It is set in ${ctx.registrySource}.` : ''}`,
      ...withCause,
    })
  }
  if (e.type === 'request-timeout' || e.type === 'body-timeout') {
    return new PkgsError('ETIMEDOUT', `The registry${where(ctx)} did not answer in time.`, {
      hint: 'Try again; check your network or the registry status. npm\'s fetch-timeout setting (milliseconds, default 300000) sets how long to wait.',
      ...withCause,
    })
  }
  if (code === 'EWORKSPACESCONFIG') {
    return new PkgsError(code, `"workspaces" in package.json is not valid: ${e.message ?? 'npm cannot read it'}.`, {
      hint: 'Make it a list of folders or globs, such as ["packages/*"], or remove it.',
      ...withCause,
    })
  }
  if (code === 'ERR_INVALID_URL') {
    const input = (e as { input?: unknown }).input
    return new PkgsError('EUSAGE', `A URL in npm's configuration is not valid${typeof input === 'string' ? `: "${input}"` : ''}.`, {
      hint: 'Check registry, proxy, https-proxy and the @scope:registry settings: npm config list shows them and where they come from.',
      exitCode: Exit.usage,
      ...withCause,
    })
  }
  const message = err instanceof Error ? err.message : String(err)
  // a TypeError or the like from deep inside a library: a fault, not something the user did
  if (!code && (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError)) {
    return new PkgsError('EUNEXPECTED', `pkgs stopped on an unexpected error: ${message}.`, {
      hint: 'Run it again with --verbose to see where it happened; check package.json and .npmrc for values of an unusual type.',
      ...withCause,
    })
  }
  return new PkgsError(code ?? 'EUNKNOWN', message, withCause)
}
