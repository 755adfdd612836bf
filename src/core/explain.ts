// The generic sentence and fix for a failure: a registry's answer (status, npm's code, its own
// words), a network fault, or a library's. Workflows with rules of their own (publish, owners,
// teams, orgs, visibility) explain their cases first and leave the rest to this.
import { createRequire } from 'node:module'
import { Exit, PkgsError, RegistryError, type ErrorContext, type ProxySettings } from './errors.js'

const require = createRequire(import.meta.url)

/** The proxy npm's agent goes through for this URL (the settings, else the *_proxy variables), if any. */
function proxyFor(url: string | undefined, settings: ProxySettings | undefined): string | undefined {
  if (!url) return undefined
  const { getProxy } = require('@npmcli/agent/lib/proxy.js') as { getProxy(url: string, o: ProxySettings): URL | null }
  return getProxy(url, settings ?? {})?.href
}

export const networkCodes = new Set([
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
export function registryMessage(body: unknown): string | undefined {
  let text: unknown
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>
    text = b.error ?? b.message ?? b.reason
  } else if (typeof body === 'string' && body.length < 300 && !body.trimStart().startsWith('<')) {
    text = body
  }
  return typeof text === 'string' && text.trim() ? text.trim().replace(/\.+$/, '') : undefined
}

/** " https://registry/" or " the registry", after "on" or "to". */
export function where(ctx: ErrorContext): string {
  return ctx.registry ? ` ${ctx.registry}` : ' the registry'
}

function loginHint(ctx: ErrorContext): string {
  return `Log in with: ${ctx.loginCommand ?? (ctx.registry ? `pkgs login --registry ${ctx.registry}` : 'pkgs login')}`
}

/** An answer that is a web page. */
export function isHtml(e: RegistryError): boolean {
  return /text\/html/i.test(e.header('content-type') ?? '') || (typeof e.body === 'string' && /^\s*</.test(e.body))
}

/** A URL that answers, but not as an npm registry: a wrong host or repository path. */
export function notRegistryError(ctx: ErrorContext, answered: string, cause?: unknown): PkgsError {
  const setIn = ctx.registrySource === '--registry' ? 'it was given with --registry' : ctx.registrySource ? `it is set in ${ctx.registrySource}` : ''
  return new PkgsError('EBADRESPONSE', `${ctx.registry ?? 'The registry'} does not look like an npm registry (check the host and path): ${answered}.`, {
    hint: `Use the registry's npm URL (on Artifactory …/api/npm/<repository>/, on Nexus …/repository/<repository>/)${setIn ? `; ${setIn}` : ''}.`,
    cause,
  })
}

/** What a registry answered (or the network did), in words. */
export function explainRegistryError(e: RegistryError, extra: Partial<ErrorContext> = {}): PkgsError {
  const ctx = { ...e.context, ...extra }
  const { status, code } = e
  const said = registryMessage(e.body)
  const pkg = ctx.packageName
  const withCause = { cause: e }
  const registry = ctx.registry ?? 'The registry'

  if (ctx.credentialsError && (code === 'ENEEDAUTH' || status === 401)) return ctx.credentialsError
  // a 401 to a request that carried no credentials: nothing was rejected, the user is not logged in
  if (code === 'ENEEDAUTH' || (status === 401 && ctx.sentCredentials === false)) {
    return new PkgsError('ENEEDAUTH', `You are not logged in to${where(ctx)}.`, { hint: loginHint(ctx), exitCode: Exit.auth, ...withCause })
  }
  if (code === 'EOTP') {
    return new PkgsError('EOTP', `${registry} asks for a one-time password for this operation.`, {
      hint: 'Run it again with --otp <code> from your authenticator app (or on a terminal to be asked).',
      ...withCause,
    })
  }
  // a web page (a wrong host or path: a repository manager's UI, a proxy's page) is no registry answering
  if (status && status !== 401 && status !== 403 && status !== 407 && status < 500 && isHtml(e))
    return notRegistryError(ctx, `it answered ${status} with a web page`, e)
  switch (status) {
    case 401:
      return new PkgsError('E401', `${registry} rejected your credentials${said ? `: ${said}` : ''}.`, {
        hint: ctx.credentialsFrom
          ? // logging in would write ~/.npmrc, which the file that names the variable (a project's) overrides
            `The token comes from \${${ctx.credentialsFrom.variable}} in ${ctx.credentialsFrom.file}: set ${ctx.credentialsFrom.variable} to a valid token (in CI, the secret it is read from)${ctx.credentialsFrom.file === '~/.npmrc' ? '' : `; pkgs login would not help, as ${ctx.credentialsFrom.file} names \${${ctx.credentialsFrom.variable}} for this registry`}.`
          : `Your token may be expired or revoked. ${loginHint(ctx)}`,
        exitCode: Exit.auth,
        ...withCause,
      })
    case 402:
      return new PkgsError('E402', `Private packages need a paid plan on${where(ctx)}${pkg ? ` (${pkg} would be private)` : ''}.`, {
        hint: "Publish it as public with --access public, or upgrade the scope's account or organisation to a paid plan.",
        ...withCause,
      })
    case 403:
      return new PkgsError(
        'E403',
        `${registry} refused this${pkg ? ` for ${pkg}` : ''}${ctx.username ? ` (logged in as ${ctx.username})` : ''}${said ? `: ${said}` : ''}.`,
        {
          hint:
            // npmjs: "requires two-factor authentication to be enabled on your account"
            said && /two-factor|2fa/i.test(said) && /enabled?\b/i.test(said)
              ? 'Turn on two-factor authentication for your account (on npmjs.com: Account, Two-Factor Authentication), then run it again.'
              : pkg
                ? `Check that you may write to ${pkg}: an owner can run \`pkgs share <your-user> ${pkg}\`.`
                : 'Check that your account has permission for this operation.',
          ...withCause,
        },
      )
    case 404:
      // npmjs answers 404 for a private package it will not show: without credentials, logging in may show it
      if (pkg?.startsWith('@') && ctx.sentCredentials === false) {
        return new PkgsError(
          'ENEEDAUTH',
          `${pkg} was not found on${where(ctx)}: you are not logged in, and a private package is found only by those who may read it.`,
          {
            hint: loginHint(ctx),
            exitCode: Exit.auth,
            ...withCause,
          },
        )
      }
      // only a scoped package can be private: an unscoped one that is not found does not exist there
      if (pkg && !pkg.startsWith('@')) {
        return new PkgsError('E404', `${pkg} was not found on${where(ctx)}.`, {
          hint: `Check the name and the registry (\`pkgs doctor ${pkg}\`).`,
          ...withCause,
        })
      }
      return new PkgsError(
        'E404',
        pkg
          ? `${pkg} was not found on${where(ctx)} — or it is private and ${ctx.username ? `${ctx.username} has` : 'you have'} no access to it.`
          : `Not found on${where(ctx)}${said ? `: ${said}` : ''}.`,
        {
          hint: pkg ? `Check the name and the registry (\`pkgs doctor ${pkg}\`), or ask an owner to run \`pkgs share <your-user> ${pkg}\`.` : undefined,
          ...withCause,
        },
      )
    case 429: {
      const after = e.header('retry-after')
      const wait = after && /^\d+$/.test(after) ? `${after} seconds, as it asks,` : 'a minute'
      return new PkgsError('E429', `${registry} is limiting how often it is asked (429: too many requests)${said ? `: ${said}` : ''}.`, {
        hint: `Wait ${wait} and run it again. npm's fetch-retries and fetch-retry-* settings say how often and how long pkgs tries before giving up.`,
        ...withCause,
      })
    }
    case 413:
      return new PkgsError('E413', `${registry} refused the upload: it is too large${said ? ` (${said})` : ''}.`, {
        hint: 'See the largest files with `pkgs publish --dry-run --verbose`, and leave out what users do not need with "files" in package.json or an .npmignore.',
        ...withCause,
      })
  }
  if (typeof status === 'number' && status >= 500) {
    return new PkgsError(`E${status}`, `${registry} is having problems: it answered ${status}${said ? ` (${said})` : ''}.`, {
      hint: "Try again in a few minutes, and check the registry's status page.",
      ...withCause,
    })
  }
  if (typeof status === 'number') return new PkgsError(`E${status}`, `${registry} answered ${status}${said ? `: ${said}` : ''}.`, withCause)
  if (e.type === 'cut-off') {
    return new PkgsError('ECUTOFF', `The answer of the registry${where(ctx)} was cut off part-way (${code}): it began to answer, then the connection closed.`, {
      hint: "Try again; if it keeps happening, a proxy or the registry is dropping long answers. npm's fetch-retries setting says how often pkgs tries.",
      ...withCause,
    })
  }
  if (networkCodes.has(code)) {
    const proxy = proxyFor(ctx.registry, ctx.proxy)
    if (proxy) {
      return new PkgsError(code, `Cannot reach the registry${where(ctx)} through the proxy ${proxy} (${code}).`, {
        hint: "Check the proxy: npm's proxy and https-proxy settings (or the HTTPS_PROXY and HTTP_PROXY variables) name it, and noproxy lists the hosts reached without it.",
        ...withCause,
      })
    }
    const setIn = ctx.registrySource === '--registry' ? '; it was given with --registry' : ctx.registrySource ? `; it is set in ${ctx.registrySource}` : ''
    return new PkgsError(code, `Cannot reach the registry${where(ctx)} (${code}).`, {
      hint: `Check the URL and your network${setIn}, or choose another with --registry <url>.`,
      ...withCause,
    })
  }
  if (code === 'EBADJSON') return notRegistryError(ctx, "it answered with something that is not an npm registry's JSON", e)
  if (e.type === 'request-timeout' || e.type === 'body-timeout') {
    return new PkgsError('ETIMEDOUT', `The registry${where(ctx)} did not answer in time.`, {
      hint: "Try again; check your network or the registry status. npm's fetch-timeout setting (milliseconds, default 300000) sets how long to wait.",
      ...withCause,
    })
  }
  return new PkgsError(code, e.message, withCause)
}

interface LibraryError {
  code?: string
  errno?: string
  message?: string
  /** set by @npmcli/run-script when a lifecycle script fails */
  event?: string
  script?: string
  pkgid?: string
  signal?: string | null
  stderr?: unknown
  input?: unknown
}

function lastLines(text: unknown, n: number): string | undefined {
  if (typeof text !== 'string' || !text.trim()) return undefined
  return text.trimEnd().split('\n').slice(-n).join('\n')
}

/** Anything thrown, as a PkgsError: ours as they are, a registry's answer in words, a library's fault with a fix. */
export function explainError(err: unknown, extra: Partial<ErrorContext> = {}): PkgsError {
  if (err instanceof PkgsError) return err
  if (err instanceof RegistryError) return explainRegistryError(err, extra)
  const e = (err ?? {}) as LibraryError
  const code = e.code ?? e.errno
  const withCause = { cause: err }
  if (e.event && typeof e.script === 'string') {
    const how = e.signal ? `was killed by ${e.signal}` : `failed (exit code ${String(e.code)})`
    const output = lastLines(e.stderr, 10)
    return new PkgsError('ELIFECYCLE', `The ${e.event} script${e.pkgid ? ` of ${e.pkgid}` : ''} ${how}: ${e.script}${output ? `\n${output}` : ''}`, {
      hint: `Fix the "${e.event}" script in package.json (or run it alone: npm run ${e.event}).`,
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
    return new PkgsError('EUSAGE', `A URL in npm's configuration is not valid${typeof e.input === 'string' ? `: "${e.input}"` : ''}.`, {
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
