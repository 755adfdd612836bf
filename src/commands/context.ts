// What every command gets: the terminal, the global options, npm's configuration loaded once,
// the steps every command shares before its first request (the target of a package or scope,
// logged in there), one two-factor session for the whole run, and confirmations.
import { loadConfig, resolveRegistry, type Config, type RegistryQuery } from '../core/config.js'
import { notConfirmedError, usageError } from '../core/errors.js'
import type { OrgPlan } from '../core/orgs.js'
import { OtpSession } from '../core/otp.js'
import { checkNpm, findNpm, requireCredentials, type NpmInfo } from '../core/preflight.js'
import { requireWorkflow, targetFor, type Target, type Workflow } from '../core/registry.js'
import type { IO } from '../io/io.js'
import { packageNameOrLocal } from '../package/manifest.js'
import { normalizeScope, scopeOf, validatePackageName } from '../package/names.js'

export interface GlobalOptions {
  registry?: string
  json: boolean
  yes: boolean
  otp?: string
  verbose: boolean
  color: boolean
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

export class Context {
  #npm?: NpmInfo
  #config?: Promise<Config>
  #npmWarned = false
  #otp?: OtpSession

  constructor(
    readonly io: IO,
    readonly options: GlobalOptions,
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** npm on the PATH (found without spawning it). */
  npm(): NpmInfo {
    return (this.#npm ??= findNpm(this.env))
  }

  config(): Promise<Config> {
    return (this.#config ??= loadConfig({ cwd: this.cwd, env: this.env, npmPath: this.npm().root }))
  }

  /** The registry, credentials and scope for a package or scope; --registry wins. */
  async target(q: TargetQuery = {}): Promise<Target> {
    const config = await this.config()
    const registry = resolveRegistry(config, { ...q, override: this.options.registry })
    return targetFor(config, registry, q.scope, q.packageName)
  }

  /**
   * The target for a package or scope, before talking to it: the registry's kind has the workflow
   * (exit 4 otherwise), npm is checked, and there are credentials for it (exit 3 otherwise).
   */
  async loggedIn(q: TargetQuery = {}, requires?: { workflow: Workflow; what: string }): Promise<{ config: Config; target: Target }> {
    const config = await this.config()
    const target = await this.target(q)
    if (requires) requireWorkflow(target, requires.workflow, requires.what)
    this.warnAboutNpm()
    requireCredentials(target.registry, target.credentials, target.scope)
    return { config, target }
  }

  /** An org's registry (its scope's), logged in there. */
  async org(orgArg: string, workflow: 'orgs' | 'teams'): Promise<OrgPlan> {
    const scope = normalizeScope(orgArg)
    const { config, target } = await this.loggedIn({ scope }, { workflow, what: workflow === 'orgs' ? 'organisations' : 'teams' })
    return { config, target, org: scope.slice(1) }
  }

  /** The package named, else ./package.json's, validated; with its registry. */
  async packageTarget(packageArg: string | undefined, example: string): Promise<{ config: Config; target: Target; name: string }> {
    const given = await packageNameOrLocal(this.cwd, packageArg)
    if (!given) throw usageError('Name the package: there is no package.json here or above.', `e.g. ${example}`)
    const name = validatePackageName(given)
    const config = await this.config()
    const target = await this.target({ scope: scopeOf(name), packageName: name })
    this.warnAboutNpm()
    return { config, target, name }
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
