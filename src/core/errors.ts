// The errors pkgs deals in, as data: PkgsError (what a user sees: a message, a hint, an exit
// code) and RegistryError (what a registry or the network answered, with where it went). Nothing
// here explains anything (core/explain.ts does) and nothing here imports the project.

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

  constructor(code: string, message: string, opts: { hint?: string; exitCode?: ExitCode; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: opts.cause })
    this.name = 'PkgsError'
    this.code = code
    this.hint = opts.hint
    this.exitCode = opts.exitCode ?? Exit.failure
    this.details = opts.details
  }
}

/** A file pkgs could not read or write, with a hint when it is a matter of permissions. */
export function fileError(what: 'read' | 'write', path: string, err: unknown, shownAs = path): PkgsError {
  const code = (err as NodeJS.ErrnoException).code
  const denied = code === 'EACCES' || code === 'EPERM'
  // Node's message names the path too ("EACCES: permission denied, open '/home/u/.npmrc'"): as shown
  const why = String((err as Error).message)
    .split(path)
    .join(shownAs)
  return new PkgsError(denied ? 'EACCES' : 'EFILE', `Cannot ${what} ${shownAs}: ${why}.`, {
    hint: denied ? `Check the permissions of ${shownAs} and its folder.` : undefined,
    cause: err,
  })
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

/** The one refusal of every confirmation: a person answered no (or typed something else). */
export function notConfirmedError(message: string, hint = 'Run it again and answer yes, or pass --yes.'): PkgsError {
  return new PkgsError('ENOTCONFIRMED', message, { hint, exitCode: Exit.usage })
}

export interface ProxySettings {
  proxy?: string
  noProxy?: string
}

/** What we know about where a request went, so that its failure can be said in words. */
export interface ErrorContext {
  registry?: string
  /** where the registry was configured, e.g. "~/.npmrc (@acme:registry)" */
  registrySource?: string
  packageName?: string
  /** the user we are logged in as, when known */
  username?: string
  /** the `pkgs login …` command that fixes an authentication problem */
  loginCommand?: string
  /** false when the request went without credentials (none are configured for the registry) */
  sentCredentials?: boolean
  /** why the credentials configured cannot work (an unset variable, keys npm refuses): said instead of a 401 */
  credentialsError?: PkgsError
  /** the credentials come from `${variable}` in this file ("./.npmrc") */
  credentialsFrom?: { variable: string; file: string }
  proxy?: ProxySettings
}

export interface RegistryFailure {
  /** the HTTP status, when the registry answered */
  status?: number
  /** npm's code: E404, EOTP, ENEEDAUTH, ECONNREFUSED, …; EBADJSON for an answer that is no registry's JSON */
  code: string
  body?: unknown
  headers?: Record<string, unknown>
  method?: string
  url?: string
  /** the fetch library's error type: request-timeout, body-timeout, invalid-json, system; cut-off for an answer that stopped part-way */
  type?: string
}

/** A request that failed at the registry or on the way there: data until a command explains it. */
export class RegistryError extends Error implements RegistryFailure {
  readonly status?: number
  readonly code: string
  readonly body?: unknown
  readonly headers: Record<string, unknown>
  readonly method: string
  readonly url?: string
  readonly type?: string
  readonly context: ErrorContext

  constructor(failure: RegistryFailure, context: ErrorContext, opts: { message?: string; cause?: unknown } = {}) {
    super(opts.message ?? `${failure.method ?? 'GET'} ${failure.url ?? ''}: ${failure.status ?? failure.code}`, { cause: opts.cause })
    this.name = 'RegistryError'
    this.status = failure.status
    this.code = failure.code
    this.body = failure.body
    this.headers = failure.headers ?? {}
    this.method = failure.method ?? 'GET'
    this.url = failure.url
    this.type = failure.type
    this.context = context
  }

  /** A response header, whether the library kept it as a string or an array. */
  header(name: string): string | null {
    const value = this.headers[name.toLowerCase()]
    return value === undefined || value === null ? null : String([value].flat()[0])
  }

  /** The registry asks for a one-time password (npm's EOTP, or a 401 that says so). */
  get wantsOtp(): boolean {
    if (this.code === 'EOTP') return true
    const text = typeof this.body === 'string' ? this.body : JSON.stringify(this.body ?? '')
    return this.status === 401 && /one-time pass/i.test(text)
  }
}
