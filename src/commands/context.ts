// What every command gets: the terminal, the global options, npm's configuration loaded once,
// the steps every command shares before its first request (the target of a package or scope,
// logged in there), one two-factor session for the whole run, and confirmations.
import { registryClient, type RegistryClient } from '../core/client.js'
import { loadConfig, resolveRegistry, type Config, type RegistryQuery } from '../core/config.js'
import { notConfirmedError, usageError } from '../core/errors.js'
import type { OrgPlan } from '../core/orgs.js'
import { OtpSession } from '../core/otp.js'
import { Pacer } from '../core/pacing.js'
import { Pacers } from '../core/plan.js'
import { checkNpm, credentialsError, findNpm, type NpmInfo } from '../core/preflight.js'
import { notARegistry, requireWorkflow, retryPolicy, targetFor, type Target, type Workflow } from '../core/registry.js'
import type { IO, Secrets } from '../io/io.js'
import { noLocalName, packageNameOrLocal } from '../package/manifest.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'
import { publishablePackages, someNames, workspaceAtRoot } from '../package/workspace.js'

export interface GlobalOptions {
  registry?: string
  json: boolean
  yes: boolean
  otp?: string
  verbose: boolean
  color: boolean
}

export interface LoggedIn {
  config: Config
  target: Target
  client: RegistryClient
}

export type TargetQuery = Omit<RegistryQuery, 'override'> & { packageName?: string }

export interface Confirmation {
  /** the question on a terminal */
  question: string
  /** what needs it, for the refusal without a terminal: "Destroying @acme:devs needs a confirmation" */
  what: string
  /** the hint without a terminal: "Pass --yes to destroy it without being asked." */
  yesHint: string
  /** said when the answer is no */
  refused: string
  refusedHint?: string
  default?: boolean
}

/**
 * Every credential npm's configuration holds (tokens, passwords, `_auth`, the password of a
 * registry URL), as written and decoded: masked in every line of the run, whatever their shape.
 */
function maskCredentials(flat: Record<string, unknown>, secrets: Secrets): void {
  const mask = (value: string) => secrets.add(value)
  const decoded = (v: string) => Buffer.from(v, 'base64').toString('utf8')
  for (const [key, value] of Object.entries(flat)) {
    // a `${VAR}` npm could not expand is a name, said in messages about it, not a secret
    if (typeof value !== 'string' || !value || /\$\{[^}]*\}/.test(value)) continue
    if (/(^|:)_authToken$/i.test(key)) mask(value)
    else if (/(^|:)_password$/.test(key)) [value, decoded(value), Buffer.from(decoded(value)).toString('base64')].forEach(mask)
    else if (/(^|:)_auth$/.test(key)) [value, decoded(value), decoded(value).split(':').slice(1).join(':')].forEach(mask)
    else if (key === 'registry' || key.endsWith(':registry') || key === 'proxy' || key === 'httpsProxy') {
      try {
        const { username, password } = new URL(value)
        if (password)
          [password, decodeURIComponent(password), Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString('base64')].forEach(
            mask,
          )
      } catch {
        // not a URL: said where it is used
      }
    }
  }
}

/** Loopback: credentials sent over plain http:// there never leave the machine. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export class Context {
  #npm?: NpmInfo
  #config?: Promise<Config>
  #loaded?: Config
  #npmWarned = false
  #otp?: OtpSession
  #pacers?: Pacers

  constructor(
    readonly io: IO,
    readonly options: GlobalOptions,
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
    /** registries already warned about in this run (a menu's command runs in a context of its own) */
    private readonly warnedPlainHttp = new Set<string>(),
  ) {
    io.secrets.add(options.otp)
  }

  /** npm on the PATH (found without spawning it). */
  npm(): NpmInfo {
    return (this.#npm ??= findNpm(this.env))
  }

  config(): Promise<Config> {
    return (this.#config ??= loadConfig({ cwd: this.cwd, env: this.env, npmPath: this.npm().root }).then((config) => {
      maskCredentials(config.flat, this.io.secrets)
      this.#loaded = config
      return config
    }))
  }

  /** The registry, credentials and scope for a package or scope; --registry wins. */
  async target(q: TargetQuery = {}): Promise<Target> {
    const config = await this.config()
    const registry = resolveRegistry(config, { ...q, override: this.options.registry })
    const target = targetFor(config, registry, q.scope, q.packageName)
    if (target.credentials.type === 'token' || target.credentials.type === 'basic') this.warnAboutPlainHttp(target)
    return target
  }

  /**
   * Before credentials (a token, a password) go to a registry over plain http:// on another host,
   * where anyone on the way can read them: a warning, once per registry and run.
   */
  warnAboutPlainHttp(target: Target): void {
    const url = new URL(target.registry.url)
    if (url.protocol !== 'http:' || isLoopback(url.hostname) || this.warnedPlainHttp.has(target.registry.url)) return
    this.warnedPlainHttp.add(target.registry.url)
    this.io.warn(`Your credentials for ${target.registry.url} go over plain http:// to a host that is not this machine: anyone on the way can read them.`)
    this.io.hint(`Use the registry's https:// address${target.registry.source ? ` (set in ${target.registry.source})` : ''}.`)
  }

  /**
   * The target for a package or scope, before talking to it: the registry's kind has the workflow
   * (exit 4 otherwise), npm is checked, and there are credentials for it (exit 3 otherwise).
   */
  async loggedIn(q: TargetQuery = {}, requires?: { workflow: Workflow; what: string }): Promise<LoggedIn> {
    const config = await this.config()
    const target = await this.target(q)
    if (requires) requireWorkflow(target, requires.workflow, requires.what)
    this.warnAboutNpm()
    await this.requireCredentials(config, target)
    return { config, target, client: this.client(config, target) }
  }

  /** The target's client, writing under the run's two-factor session. */
  client(config: Config, target: Target): RegistryClient {
    return registryClient(config, target, this.otp())
  }

  /** Exit 3 without credentials for the target; but a URL that is no npm registry is said to be one, rather than "not logged in" to it. */
  async requireCredentials(config: Config, target: Target): Promise<void> {
    const missing = credentialsError(target.registry, target.credentials, target.scope)
    if (missing) throw (await notARegistry(config, target)) ?? missing
  }

  /** An org's registry (its scope's, or the one a file names), logged in there. */
  async org(orgArg: string, workflow: 'orgs' | 'teams', fromFile?: TargetQuery['fromFile']): Promise<OrgPlan> {
    const scope = normalizeScope(orgArg)
    const { client } = await this.loggedIn({ scope, fromFile }, { workflow, what: workflow === 'orgs' ? 'organisations' : 'teams' })
    return { client, org: scope.slice(1) }
  }

  /**
   * The package named, else ./package.json's, validated; with its registry. With `requires`, the
   * registry must offer that workflow and be logged in to, as loggedIn().
   */
  async packageTarget(packageArg: string | undefined, example: string, requires?: { workflow: Workflow; what: string }): Promise<LoggedIn & { name: string }> {
    if (!packageArg) await this.notAtWorkspaceRoot(example)
    const given = await packageNameOrLocal(this.cwd, packageArg)
    if (!given) throw usageError(`Name the package: ${await noLocalName(this.cwd)}.`, `e.g. ${example}`)
    const name = validatePackageName(given)
    const q = { scope: scopeOf(name), packageName: name }
    if (requires) return { ...(await this.loggedIn(q, requires)), name }
    const config = await this.config()
    const target = await this.target(q)
    this.warnAboutNpm()
    return { config, target, client: this.client(config, target), name }
  }

  /**
   * A command on one package, run with none named at a workspace's root: its package.json is the
   * workspace's, not a package's, so exit 2 naming the packages to choose from.
   */
  async notAtWorkspaceRoot(example: string): Promise<void> {
    const ws = await workspaceAtRoot(this.cwd)
    if (!ws) return
    const names = publishablePackages(ws).map((p) => p.name)
    throw usageError(
      `${ws.root} is the root of a workspace: name one of its packages${names.length ? ` (${someNames(names)})` : ''}.`,
      `e.g. ${names.length ? example.replace('@acme/widgets', names[0]) : example}`,
    )
  }

  /** Before talking to a registry: warn once if npm is missing or too old for private packages. */
  warnAboutNpm(): void {
    if (this.#npmWarned) return
    this.#npmWarned = true
    const check = checkNpm(this.npm())
    if (check.status === 'ok') return
    this.io.warn(check.message)
    if (check.hint) this.io.hint(check.hint)
  }

  /** The run's one two-factor session: a code given, typed or approved once serves every write. */
  otp(): OtpSession {
    return (this.#otp ??= new OtpSession(this.io, this.options.otp))
  }

  /**
   * The run's pacing, one Pacer per registry: a registry that pushes back (429, 503) is waited out
   * with npm's fetch-retry-* backoff (pkgs's quick one where those are not set).
   */
  pacers(): Pacers {
    return (this.#pacers ??= new Pacers(() => {
      const retry = this.#loaded ? retryPolicy(this.#loaded) : {}
      return new Pacer({ minTimeout: Number(retry.minTimeout ?? 500), factor: Number(retry.factor ?? 2), maxTimeout: Number(retry.maxTimeout ?? 2000) })
    }))
  }

  /** Without a terminal a confirmation needs --yes (exit 2 naming it); on one, asked. */
  requireConfirmable(c: Pick<Confirmation, 'what' | 'yesHint'>): void {
    if (!this.options.yes && !this.io.canPrompt()) throw usageError(`${c.what}: ${this.io.noPromptReason()}.`, c.yesHint)
  }

  /** Go on when --yes was given or a person agrees; ENOTCONFIRMED (exit 2) otherwise. */
  async confirm(c: Confirmation): Promise<void> {
    if (this.options.yes) return
    this.requireConfirmable(c)
    if (!(await this.io.confirm(c.question, c.default ?? false))) throw notConfirmedError(c.refused, c.refusedHint)
  }
}
