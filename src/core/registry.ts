// Registry access through npm-registry-fetch: options pinned to the package's registry, errors
// explained, --verbose request log, and what kind of registry it is.
import { createRequire } from 'node:module'
import { authorizationFor, credentialsFor, type Config, type Credentials, type ResolvedRegistry } from './config.js'
import { PkgsError, RegistryError, unsupportedError, type ErrorContext, type ProxySettings } from './errors.js'
import { isHtml, networkCodes, notRegistryError } from './explain.js'
import { canGetLightly, lightGet, npmHeaders } from './light-get.js'
import { credentialsError, loginCommand } from './preflight.js'

const require = createRequire(import.meta.url)

/** Everything a request needs to know about where it goes. */
export interface Target {
  registry: ResolvedRegistry
  credentials: Credentials
  /** npm's proxy settings, as npm-registry-fetch passes them on: named when the registry cannot be reached */
  proxy: ProxySettings
  /** the scope whose registry this is, with its @ */
  scope?: string
  packageName?: string
}

export function targetFor(config: Config, registry: ResolvedRegistry, scope?: string, packageName?: string): Target {
  const proxy = { proxy: (config.flat.httpsProxy || config.flat.proxy || undefined) as string | undefined, noProxy: config.flat.noProxy as string | undefined }
  return { registry, credentials: credentialsFor(config, registry.url), proxy, scope, packageName }
}

export function errorContext(target: Target, extra: Partial<ErrorContext> = {}): ErrorContext {
  return {
    registry: target.registry.url,
    registrySource: target.registry.source,
    packageName: target.packageName,
    loginCommand: loginCommand(target.registry, target.scope),
    proxy: target.proxy,
    sentCredentials: target.credentials.type !== 'none',
    ...(target.credentials.problem ? { credentialsError: credentialsError(target.registry, target.credentials, target.scope) } : {}),
    ...(target.credentials.source?.variable
      ? { credentialsFrom: { variable: target.credentials.source.variable, file: target.credentials.source.label.replace(/ \(via .*\)$/, '') } }
      : {}),
    ...extra,
  }
}

interface FetchLibraryError {
  code?: string
  errno?: string
  statusCode?: number
  body?: unknown
  headers?: Record<string, unknown>
  method?: string
  uri?: string
  type?: string
  message?: string
}

/**
 * What npm-registry-fetch (or light-get, or a library built on them) threw, as a RegistryError
 * that knows where the request went; anything that is not a registry's or the network's failure
 * (a script, a bug) is returned as it is.
 */
export function registryError(err: unknown, target: Target, extra: Partial<ErrorContext> = {}): unknown {
  if (err instanceof RegistryError || err instanceof PkgsError) return err
  const e = (err ?? {}) as FetchLibraryError
  const code = e.code ?? e.errno
  const invalidJson = e.type === 'invalid-json' || code === 'EJSONPARSE' || code === 'FETCH_ERROR_INVALID_JSON'
  const timeout = e.type === 'request-timeout' || e.type === 'body-timeout'
  // minipass-fetch's words for a body that ended before its length (the connection closed mid-way)
  const cutOff = e.type === 'cut-off' || (e.type === 'system' && /^Invalid response body/.test(e.message ?? ''))
  const isRegistry =
    typeof e.statusCode === 'number' || code === 'EOTP' || code === 'ENEEDAUTH' || (code && networkCodes.has(code)) || invalidJson || timeout || cutOff
  if (!isRegistry) return err
  return new RegistryError(
    {
      status: e.statusCode,
      code: invalidJson ? 'EBADJSON' : (code ?? (cutOff ? 'ECONNRESET' : `E${e.statusCode}`)),
      body: e.body,
      headers: e.headers,
      method: e.method,
      url: e.uri,
      type: cutOff ? 'cut-off' : e.type,
    },
    errorContext(target, extra),
    { message: e.message, cause: err },
  )
}

/** Run a call of one of npm's libraries; its failure becomes a RegistryError for this target. */
export async function registryCall<T>(config: Config, target: Target, call: () => Promise<T>, extra: Partial<ErrorContext> = {}): Promise<T> {
  try {
    return await call()
  } catch (err) {
    const failure = registryError(err, target, extra)
    // as requestJson: a 404 that is no registry's words, and no /-/ping either, is no npm registry
    if (isStatus(failure, 404) && !registryWords(failure.body) && (await pingMissing(config, target))) {
      const path = failure.url?.startsWith(target.registry.url) ? `/${failure.url.slice(target.registry.url.length)}` : (failure.url ?? 'the request')
      throw notRegistryError(failure.context, `it answered 404 for /-/ping and for ${decodeURIComponent(path.split('?')[0])}`, failure)
    }
    throw failure
  }
}

/**
 * Options for npm's libraries. npm lets `@scope:registry` win over `registry`; we pin both to
 * the registry we resolved, so `--registry` really wins and every library agrees.
 */
export function registryOptions(config: Config, target: Target, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const opts: Record<string, unknown> = { ...config.flat, registry: target.registry.url, retry: retryPolicy(config), ...extra }
  if (target.scope) opts[`${target.scope}:registry`] = target.registry.url
  return opts
}

/**
 * npm's default retries wait up to 70 s before reporting a registry that is down. Where the user
 * has not chosen their own, retry once, quickly, so a failure is explained in seconds.
 */
export function retryPolicy(config: Config): Record<string, unknown> {
  const retry = { ...(config.flat.retry as Record<string, unknown> | undefined) }
  const isDefault = (key: string) => config.npm.find(key) === 'default'
  if (isDefault('fetch-retries')) retry.retries = 1
  if (isDefault('fetch-retry-factor')) retry.factor = 2
  if (isDefault('fetch-retry-mintimeout')) retry.minTimeout = 500
  if (isDefault('fetch-retry-maxtimeout')) retry.maxTimeout = 2000
  return retry
}

/** An absolute URL under the registry (which may have a path, as Artifactory's do). */
export function registryUrl(target: Target, path: string): string {
  return target.registry.url + path.replace(/^\//, '')
}

/** The Accept npm sends for a package's abbreviated document (what installs read): small, and enough to know a package is there. */
export const abbreviatedPackument = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'

export interface RegistryResponse<T> {
  body: T
  status: number
  headers: { get(name: string): string | null }
}

async function send(config: Config, target: Target, url: string, opts: Record<string, unknown>) {
  if (canGetLightly(url, config.flat, config.npm.env, opts)) {
    // a caller's own timeout and retries (a quick look) win, as they do in npm-registry-fetch's options
    const retry = { ...retryPolicy(config), ...(opts.retry as Record<string, unknown> | undefined) }
    return lightGet(url, {
      headers: npmHeaders(config.flat, authorizationFor(config, url), opts.headers as Record<string, string> | undefined),
      timeout: Number(opts.timeout ?? config.flat.timeout ?? 300_000),
      strictSSL: config.flat.strictSSL !== false,
      ca: (config.flat.ca as string | string[] | null) ?? undefined,
      // make-fetch-happen's defaults where a value is missing (promise-retry's)
      retry: {
        retries: Number(retry.retries ?? 10),
        factor: Number(retry.factor ?? 2),
        minTimeout: Number(retry.minTimeout ?? 1000),
        maxTimeout: Number(retry.maxTimeout ?? Infinity),
      },
      // the same log event npm-registry-fetch emits, so --verbose shows both alike
      onResponse: (line) => (require('proc-log') as { log: { http(...a: string[]): void } }).log.http('fetch', line),
    })
  }
  const { default: fetch } = await import('npm-registry-fetch')
  return fetch(url, registryOptions(config, target, opts))
}

/** GET (or another method) a JSON document; a failure is a RegistryError. */
export async function requestJson<T>(
  config: Config,
  target: Target,
  path: string,
  opts: Record<string, unknown> = {},
  errorExtra: Partial<ErrorContext> = {},
): Promise<RegistryResponse<T>> {
  try {
    const res = await send(config, target, registryUrl(target, path), opts)
    const text = await res.text()
    let body: T
    try {
      body = (text ? JSON.parse(text) : {}) as T
    } catch (err) {
      throw Object.assign(new Error('invalid json'), { type: 'invalid-json', cause: err })
    }
    // every registry answer pkgs reads is a document or a list; null, "x" or 5 is not a registry speaking
    if (body === null || typeof body !== 'object') throw Object.assign(new Error('not a JSON document'), { type: 'invalid-json' })
    return { body, status: res.status, headers: res.headers }
  } catch (err) {
    const failure = registryError(err, target, errorExtra)
    // a 404 that is no registry's words ({"error": …}) may be a wrong host or path: if /-/ping is not there either, say so
    if (isStatus(failure, 404) && path !== '/-/ping' && !registryWords(failure.body) && (await pingMissing(config, target))) {
      throw notRegistryError(failure.context, `it answered 404 for /-/ping and for ${path}`, failure)
    }
    throw failure
  }
}

/** npm registries say why in {"error": "…"} (npmjs, Verdaccio, GitHub) or {"message": "…"} (GitLab). */
function registryWords(body: unknown): boolean {
  return Boolean(
    body &&
    typeof body === 'object' &&
    (typeof (body as { error?: unknown }).error === 'string' || typeof (body as { message?: unknown }).message === 'string'),
  )
}

async function pingMissing(config: Config, target: Target): Promise<boolean> {
  if (detectKind(target.registry.url).evidence === 'host') return false
  try {
    await requestJson(config, target, '/-/ping', { cache: 'no-store', timeout: 5000, retry: { retries: 0 } })
    return false
  } catch (err) {
    return isStatus(err, 404)
  }
}

/**
 * Before a command says "not logged in" (or asks for credentials): the error to give instead when
 * the URL answers, but not as an npm registry (a web page, or 404 for /-/ping and for the package).
 */
export async function notARegistry(config: Config, target: Target): Promise<PkgsError | undefined> {
  if (detectKind(target.registry.url).evidence === 'host') return undefined
  try {
    await requestJson(config, target, '/-/ping', { cache: 'no-store', timeout: 5000, retry: { retries: 0 } })
    return undefined
  } catch (err) {
    if (!(err instanceof RegistryError)) return err instanceof PkgsError && err.code === 'EBADRESPONSE' ? err : undefined
    if (err.code === 'EBADJSON' || (err.status && err.status < 500 && ![401, 403, 407].includes(err.status) && isHtml(err)))
      return notRegistryError(
        err.context,
        err.code === 'EBADJSON' ? "it answered with something that is not an npm registry's JSON" : `it answered ${err.status} with a web page`,
        err,
      )
    if (err.status !== 404 || !target.packageName) return undefined
    try {
      await requestJson(config, target, `/${target.packageName.replace('/', '%2f')}`, { cache: 'no-store', timeout: 5000, retry: { retries: 0 } })
      return undefined
    } catch (again) {
      return again instanceof PkgsError && again.code === 'EBADRESPONSE' ? again : undefined
    }
  }
}

/** The user name the registry knows these credentials as (`/-/whoami`, as `npm whoami`). */
export async function whoami(config: Config, target: Target): Promise<string> {
  const res = await requestJson<{ username?: unknown }>(config, target, '/-/whoami', { preferOnline: true })
  if (typeof res.body.username !== 'string' || !res.body.username) {
    // Verdaccio answers an unknown token with 200 and no user name, not with 401
    const rejected = target.credentials.type !== 'none'
    throw new RegistryError(
      { status: rejected ? 401 : undefined, code: rejected ? 'E401' : 'ENEEDAUTH', url: registryUrl(target, '/-/whoami') },
      errorContext(target),
    )
  }
  return res.body.username
}

const secrets = new Set<string>()

/** Keep a secret out of the --verbose log, where @npmcli/redact does not know its shape (a token in a URL path). */
export function redactInLog(secret: string): void {
  if (!secret) return
  secrets.add(secret)
  secrets.add(encodeURIComponent(secret))
}

/** Print each HTTP request (method, status, URL, ms) with secrets redacted, until the returned function is called. */
export function logRequests(write: (line: string) => void): () => void {
  const { redactLog } = require('@npmcli/redact') as typeof import('@npmcli/redact')
  const listener = (level: string, ...args: unknown[]) => {
    if (level !== 'http') return
    let line = redactLog(`http ${args.map(String).join(' ')}`) as string
    for (const secret of secrets) line = line.split(secret).join('[REDACTED]')
    write(line)
  }
  process.on('log', listener)
  return () => void process.off('log', listener)
}

export type RegistryKind = 'npmjs' | 'verdaccio' | 'github' | 'gitlab' | 'artifactory' | 'nexus' | 'unknown'

export interface RegistryIdentity {
  kind: RegistryKind
  /** the server's version, when it says */
  version?: string
  /** how we know: "host" or the header that told us */
  evidence: string
}

/** What kind of registry answers at this URL: from its host, then from its response headers. */
/** `fromPing`: the headers are those of the answer to /-/ping. */
export function detectKind(url: string, headers?: { get(name: string): string | null }, fromPing = false): RegistryIdentity {
  const { host, pathname } = new URL(url)
  if (host === 'registry.npmjs.org' || host === 'registry.npmjs.com') return { kind: 'npmjs', evidence: 'host' }
  if (host === 'npm.pkg.github.com') return { kind: 'github', evidence: 'host' }
  if (host === 'gitlab.com' || /\/api\/v4\/(projects|groups|packages)\b/.test(pathname)) return { kind: 'gitlab', evidence: 'host' }
  const header = (name: string) => headers?.get(name) ?? undefined
  const poweredBy = header('x-powered-by')
  const verdaccio = poweredBy && /verdaccio\/?(\S*)/i.exec(poweredBy)
  if (verdaccio) return { kind: 'verdaccio', version: verdaccio[1] || undefined, evidence: 'x-powered-by' }
  // Verdaccio's default (user_agent unset) sends this literal value instead of its name. Its
  // version is hidden too; but from 7 on a rate limit covers every route (its headers come with
  // the ping), where 6 limits only the user routes: a ping without them is Verdaccio 6.
  if (poweredBy === 'hidden') {
    const six = fromPing && !header('x-ratelimit-limit')
    return { kind: 'verdaccio', ...(six ? { version: '6' } : {}), evidence: 'x-powered-by' }
  }
  if (header('x-artifactory-id') || header('x-jfrog-version')) {
    return { kind: 'artifactory', version: header('x-jfrog-version')?.replace(/^Artifactory\//i, ''), evidence: 'x-artifactory-id' }
  }
  const server = header('server')
  const nexus = server && /Nexus\/(\S+)/i.exec(server)
  if (nexus) return { kind: 'nexus', version: nexus[1], evidence: 'server' }
  if (/\/artifactory\//.test(pathname)) return { kind: 'artifactory', evidence: 'path' }
  if (/\/repository\//.test(pathname)) return { kind: 'nexus', evidence: 'path' }
  return { kind: 'unknown', evidence: 'none' }
}

export const kindNames: Record<RegistryKind, string> = {
  npmjs: 'npmjs.com',
  verdaccio: 'Verdaccio',
  github: 'GitHub Packages',
  gitlab: 'GitLab',
  artifactory: 'Artifactory',
  nexus: 'Nexus',
  unknown: 'an unrecognised registry',
}

export type Workflow = 'login' | 'web-login' | 'publish' | 'share' | 'teams' | 'visibility' | 'orgs' | 'trust' | 'stage'

export interface Support {
  supported: Workflow[]
  /** why each other workflow is unavailable, and where that is managed instead */
  unsupported: Partial<Record<Workflow, string>>
  /** workflows that some versions of this kind lack: why, should the registry refuse one */
  ifRefused: Partial<Record<Workflow, string>>
  /**
   * For a kind that does not use npm's access (restricted or public): who can install a package
   * there, and where that is set ("who can install it is set by …").
   */
  installs?: string
}

const allWorkflows: Workflow[] = ['login', 'web-login', 'publish', 'share', 'teams', 'visibility', 'orgs', 'trust', 'stage']

function support(unsupported: Partial<Record<Workflow, string>>, ifRefused: Partial<Record<Workflow, string>> = {}, installs?: string): Support {
  return { supported: allWorkflows.filter((w) => !(w in unsupported)), unsupported, ifRefused, ...(installs ? { installs } : {}) }
}

/** Which pkgs workflows a kind of registry supports. */
export function workflowsFor(identity: RegistryIdentity): Support {
  switch (identity.kind) {
    case 'npmjs':
      return support({})
    case 'verdaccio': {
      const major = Number(identity.version?.split('.')[0])
      const config = 'Verdaccio decides who can read and publish in its config.yaml `packages:` rules'
      const noOwners = { share: 'Verdaccio 6 has no `npm owner` support (Verdaccio 7 has); ' + config + '.' }
      return support(
        {
          'web-login': 'Verdaccio has no web login; pkgs logs in with user name and password.',
          ...(major < 7 ? noOwners : {}),
          teams: config + '.',
          visibility: config + ' (access: $authenticated for private, $all for public).',
          orgs: 'Verdaccio has no organisations; groups come from its auth plugin.',
          trust: 'Verdaccio has no trusted publishing: publish from CI with a token (pkgs login --token-stdin).',
          stage: 'Verdaccio has no staged publishing: a publish is installable at once.',
        },
        // a Verdaccio that hides its version may be 7+, which has `npm owner`: let the registry say
        Number.isNaN(major) ? noOwners : {},
        "who can install it is set by the `access` of its `packages:` rules in Verdaccio's config.yaml, where $all is everyone and $authenticated anyone logged in",
      )
    }
    case 'github': {
      const ui = 'GitHub Packages manages this in the package settings on github.com (Manage access).'
      return support(
        {
          'web-login': 'Log in with a personal access token (classic) with write:packages as the password.',
          share: ui,
          teams: ui,
          visibility: ui,
          orgs: 'Organisations are GitHub organisations.',
          trust: "GitHub Packages takes the workflow's GITHUB_TOKEN (permissions: packages: write) instead.",
          stage: 'GitHub Packages has no staged publishing.',
        },
        {},
        "who can install it is set by its visibility and Manage access, in the package's settings on github.com",
      )
    }
    case 'gitlab': {
      const ui = 'GitLab manages this through project and group membership and the package registry settings.'
      return support(
        {
          'web-login': 'Use a deploy, project or personal access token (pkgs login --token-stdin).',
          share: ui,
          teams: ui,
          visibility: ui,
          orgs: ui,
          trust: "GitLab CI publishes with the job's CI_JOB_TOKEN instead.",
          stage: 'GitLab has no staged publishing.',
        },
        {},
        'who can install it follows the visibility and members of its GitLab project or group, and the package registry settings',
      )
    }
    case 'artifactory':
    case 'nexus': {
      const name = kindNames[identity.kind]
      const ui = `${name} manages this with its repository permissions, in its administration UI.`
      return support(
        {
          'web-login': `${name} has no npm web login.`,
          share: ui,
          teams: ui,
          visibility: ui,
          orgs: ui,
          trust: `${name} has no trusted publishing: publish from CI with a token.`,
          stage: `${name} has no staged publishing.`,
        },
        {},
        `who can install it is set by ${name}'s repository permissions, in its administration UI`,
      )
    }
    default:
      return support({})
  }
}

/**
 * Before any request: exit 4 when the registry's host alone shows it lacks the workflow (GitHub
 * Packages, GitLab), so the user gets the explanation instead of a 404 from a look-up. Given the
 * identity its answers showed (Verdaccio's headers), before the request that needs the workflow.
 */
export function requireWorkflow(target: Target, workflow: Workflow, what: string, answered?: RegistryIdentity): void {
  // what the registry's answers showed, else its host; a guess from the path alone refuses nothing
  const identity = answered ?? detectKind(target.registry.url)
  const reason = identity.evidence !== 'path' && identity.evidence !== 'none' ? workflowsFor(identity).unsupported[workflow] : undefined
  if (reason) throw unsupportedError(`${kindNames[identity.kind]} at ${target.registry.url} does not support ${what}.`, reason)
}

/**
 * What kind of registry this is, for offering only what it supports: its host, else the headers
 * of one quick `/-/ping` (no retry, at most `timeoutMs`). A registry that does not answer in time
 * is taken for what its address shows.
 */
export async function identifyRegistry(config: Config, target: Target, timeoutMs: number): Promise<RegistryIdentity> {
  const byAddress = detectKind(target.registry.url)
  if (byAddress.evidence === 'host') return byAddress
  try {
    const res = await requestJson(config, target, '/-/ping', { cache: 'no-store', timeout: timeoutMs, retry: { retries: 0 } })
    return detectKind(target.registry.url, res.headers, true)
  } catch (err) {
    // a registry without /-/ping still says what it is in the headers of its answer
    return err instanceof RegistryError && err.status ? identityOf(target, err) : byAddress
  }
}

/** The kind of registry behind an answer, or behind the error that carried one. */
export function identityOf(target: Target, answer: RegistryResponse<unknown> | RegistryError): RegistryIdentity {
  return detectKind(target.registry.url, answer instanceof RegistryError ? { get: (name) => answer.header(name) } : answer.headers)
}

const missingEndpointStatus = new Set([400, 404, 405, 422, 501])

/**
 * A registry that lacks an operation answers 404, 405, 422 or 501 (or 400). When the registry's
 * kind says it does not offer the workflow, that becomes exit 4 naming the kind and where the
 * setting is managed instead; otherwise undefined (the caller explains the error as usual).
 */
export function unsupportedBy(err: unknown, target: Target, workflow: Workflow, what: string): PkgsError | undefined {
  if (!(err instanceof RegistryError) || !err.status || !missingEndpointStatus.has(err.status)) return undefined
  return unsupportedByKind(target, { get: (name) => err.header(name) }, workflow, what)
}

/** The registry answered this status (a RegistryError), for the workflows that read it. */
export function isStatus(err: unknown, ...statuses: number[]): err is RegistryError {
  return err instanceof RegistryError && err.status !== undefined && statuses.includes(err.status)
}

/**
 * Exit 4 for a registry whose answer (its headers) shows a kind that lacks the workflow, or may
 * lack it; `fallback` is the reason for a kind that should have it.
 */
export function unsupportedByKind(
  target: Target,
  headers: { get(name: string): string | null },
  workflow: Workflow,
  what: string,
  fallback?: string,
): PkgsError | undefined {
  const identity = detectKind(target.registry.url, headers)
  const support = workflowsFor(identity)
  const reason = support.unsupported[workflow] ?? support.ifRefused[workflow] ?? fallback
  if (!reason) return undefined
  return unsupportedError(`${kindNames[identity.kind]} at ${target.registry.url} does not support ${what}.`, reason)
}
