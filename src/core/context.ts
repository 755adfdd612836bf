// What every command gets: I/O, the global options, and npm's configuration loaded once.
import { loadConfig, resolveRegistry, type Config, type RegistryQuery } from './config.js'
import type { IO } from './io.js'
import { checkNpm, findNpm, type NpmInfo } from './preflight.js'
import { targetFor, type Target } from './registry.js'

export interface GlobalOptions {
  registry?: string
  json: boolean
  yes: boolean
  otp?: string
  verbose: boolean
  color: boolean
}

export class Context {
  #npm?: NpmInfo
  #config?: Promise<Config>
  #npmWarned = false

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
  async target(q: Omit<RegistryQuery, 'override'> & { packageName?: string } = {}): Promise<Target> {
    const config = await this.config()
    const registry = resolveRegistry(config, { ...q, override: this.options.registry })
    return targetFor(config, registry, q.scope, q.packageName)
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
}
