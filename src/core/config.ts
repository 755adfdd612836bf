// npm's configuration, loaded by npm's own loader (@npmcli/config and its definitions), so that
// pkgs and npm always agree on the registry and the credentials for a package.
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { usageError, type PkgsError } from './errors.js'
import { normalizeScope } from '../package/names.js'
import { findWorkspace } from '../package/workspace.js'
import { nerfDart } from './npmrc.js'

const require = createRequire(import.meta.url)

/** The parts of @npmcli/config we use (it ships no types). */
export interface NpmcliConfig {
  get(key: string, where?: string): unknown
  find(key: string): string | null
  flat: Record<string, unknown>
  data: Map<string, { source: string | null; raw: Record<string, unknown>; data: Record<string, unknown> }>
  localPrefix: string
  /** the folder npm was started in */
  cwd: string
  home: string
  /** the environment with npm's exports for scripts (npm_config_*, npm_execpath, …) */
  env: NodeJS.ProcessEnv
}

export interface Config {
  npm: NpmcliConfig
  /** the options npm passes to its libraries (npm-registry-fetch, libnpmpublish, …) */
  flat: Record<string, unknown>
  home: string
  /** the environment variable each env-layer key comes from, as the user wrote it (NPM_CONFIG_REGISTRY) */
  envNames?: Record<string, string>
}

export interface LoadOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** npm's install folder: its builtin npmrc is read as npm reads it */
  npmPath?: string
}

export async function loadConfig(opts: LoadOptions): Promise<Config> {
  // require, not import(): importing CommonJS from ESM runs Node's export scanner over it first
  const NpmConfig = require('@npmcli/config') as new (opts: Record<string, unknown>) => unknown
  const { definitions, shorthands, flatten } = require('@npmcli/config/lib/definitions')
  const npm = new NpmConfig({
    definitions,
    shorthands,
    flatten,
    npmPath: opts.npmPath ?? opts.cwd,
    // our own flags are not npm's: commander parses them
    argv: [process.execPath, 'pkgs'],
    // setEnvs() writes npm_config_* into this object; keep process.env as it is
    env: { ...opts.env },
    cwd: opts.cwd,
    warn: false,
  }) as unknown as NpmcliConfig & { load(): Promise<void> }
  await npm.load().catch(async (err: unknown) => {
    // a package.json of the workspace that is not JSON: @npmcli/config does not say which one
    if ((err as NodeJS.ErrnoException).code === 'EJSONPARSE') await findWorkspace(opts.cwd)
    throw err
  })
  return { npm, flat: npm.flat, home: npm.home || homedir(), envNames: envNamesOf(opts.env) }
}

/**
 * npm reads `npm_config_*` variables in any case (NPM_CONFIG_REGISTRY too), the last one of a key
 * winning: @npmcli/config's loadEnv, whose key is the rest of the name, lower case, `_` as `-`.
 */
function envNamesOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const names: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (!/^npm_config_/i.test(name) || value === '' || value === undefined) continue
    const rest = name.slice('npm_config_'.length)
    names[rest.startsWith('//') ? rest : rest.replace(/(?!^)_/g, '-').toLowerCase()] = name
  }
  return names
}

/** The variable a key of the env layer comes from, as written (npm_config_<key> if unknown). */
export function envVariableOf(config: Config, key: string): string {
  return config.envNames?.[key] ?? `npm_config_${key}`
}

/** Where a configuration key's value comes from, in words a person can act on. */
export interface Source {
  /** npm's layer: cli, env, project, user, global, builtin, default */
  layer: string
  /** the file, when it comes from one */
  file?: string
  /** `${VAR}` named in the file, when the value is a variable reference */
  variable?: string
  /** e.g. "~/.npmrc", "environment variable npm_config_registry", "npm's default" */
  label: string
}

/**
 * A file as every message shows it: `./.npmrc` under the folder pkgs runs in, `~/.npmrc` under
 * the home folder, else its absolute path.
 */
export function shownPath(config: Config, file: string): string {
  const cwd = config.npm.cwd?.replace(/(?<=.)\/+$/, '')
  const home = config.home.replace(/(?<=.)\/+$/, '')
  if (cwd && cwd !== '/' && cwd !== home && file.startsWith(cwd + '/')) return '.' + file.slice(cwd.length)
  return tildify(file, config.home)
}

/** A file under the home folder as `~/…`, whichever way HOME is written (a trailing slash too). */
export function tildify(file: string, home: string): string {
  const root = home.replace(/(?<=.)\/+$/, '')
  if (!root || root === '/') return file
  return file === root ? '~' : file.startsWith(root + '/') ? '~' + file.slice(root.length) : file
}

export function sourceOf(config: Config, key: string): Source | undefined {
  const layer = config.npm.find(key)
  if (!layer) return undefined
  if (layer === 'default') return { layer, label: "npm's default" }
  const data = config.npm.data.get(layer)
  const raw = data?.raw?.[key]
  const variable = typeof raw === 'string' ? /\$\{([^}]+)\}/.exec(raw)?.[1] : undefined
  if (layer === 'env') {
    return { layer, variable, label: `environment variable ${envVariableOf(config, key)}` }
  }
  const file = data?.source ?? undefined
  const label = file ? shownPath(config, file) : layer
  return { layer, file, variable, label: variable ? `${label} (via \${${variable}})` : label }
}

export const defaultRegistry = 'https://registry.npmjs.org/'

/** A registry URL with exactly one trailing slash; an invalid one is a usage error. */
export function normalizeRegistryUrl(value: string, origin = '--registry'): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw usageError(`Invalid registry URL "${value}" (${origin}).`, 'Use a full URL such as https://registry.npmjs.org/')
  }
  // the URL parser would keep "http://host/ extra" as http://host/%20extra/: a paste gone wrong, not a path
  if (/\s/.test(value.trim()))
    throw usageError(
      `Invalid registry URL "${value}" (${origin}): it contains whitespace.`,
      'Use a full URL such as https://registry.npmjs.org/, quoted as one word.',
    )
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`Invalid registry URL "${value}" (${origin}): only http and https are supported.`)
  }
  if (url.search || url.hash) {
    throw usageError(
      `Invalid registry URL "${value}" (${origin}): a registry URL has no query (?…) or fragment (#…).`,
      "Use the registry's base URL, such as https://npm.acme.dev/",
    )
  }
  return url.href.replace(/\/*$/, '/')
}

/** `publishConfig.registry` as publish uses it (an empty one is ignored); anything but an http(s) URL is a usage error. */
export function publishConfigRegistryUrl(value: unknown): string | undefined {
  if (!value) return undefined
  const origin = 'publishConfig.registry in package.json'
  if (typeof value !== 'string') throw usageError(`${origin} is ${JSON.stringify(value)}, not a URL.`, 'Use a full URL such as https://registry.npmjs.org/')
  return normalizeRegistryUrl(value, origin)
}

export interface ResolvedRegistry {
  url: string
  /** the rule that chose it: flag, publishConfig, scope, registry, default */
  rule: 'flag' | 'publishConfig' | 'file' | 'scope' | 'registry' | 'default'
  /** e.g. "--registry", "~/.npmrc (@acme:registry)" */
  source: string
}

export interface RegistryQuery {
  /** --registry */
  override?: string
  /** publishConfig.registry as package.json has it, for publish only */
  publishConfigRegistry?: unknown
  /** a registry named by the file a command works from (a policy's `registry:`) and where it says so */
  fromFile?: { url: string; source: string }
  /** the package's (or the asked) scope, with its @ */
  scope?: string
}

/**
 * The registry of a package or scope: --registry › publishConfig.registry (or the registry of
 * the file a command works from) › @scope:registry › registry › npmjs.com. Unlike npm, the flag wins over the scope mapping.
 */
export function resolveRegistry(config: Config, q: RegistryQuery): ResolvedRegistry {
  if (q.override) return { url: normalizeRegistryUrl(q.override), rule: 'flag', source: '--registry' }
  const publishConfigRegistry = publishConfigRegistryUrl(q.publishConfigRegistry)
  if (publishConfigRegistry) {
    return {
      url: publishConfigRegistry,
      rule: 'publishConfig',
      source: 'package.json (publishConfig.registry)',
    }
  }
  if (q.fromFile) return { url: normalizeRegistryUrl(q.fromFile.url, q.fromFile.source), rule: 'file', source: q.fromFile.source }
  if (q.scope) {
    const key = `${q.scope}:registry`
    const mapped = config.npm.get(key)
    if (typeof mapped === 'string' && mapped) {
      const src = sourceOf(config, key)
      const source = `${src?.label ?? 'npm config'} (${key})`
      return { url: normalizeRegistryUrl(mapped, source), rule: 'scope', source }
    }
  }
  const registry = config.npm.get('registry')
  const src = sourceOf(config, 'registry')
  if (typeof registry === 'string' && registry && src && src.layer !== 'default') {
    const source = `${src.label} (registry)`
    return { url: normalizeRegistryUrl(registry, source), rule: 'registry', source }
  }
  return { url: defaultRegistry, rule: 'default', source: "npm's default" }
}

export interface Credentials {
  type: 'token' | 'basic' | 'certificate' | 'none'
  /** the config key that holds them, e.g. //registry.npmjs.org/:_authToken */
  key?: string
  source?: Source
  /** why npm cannot use what is configured (then type may still say what would be sent) */
  problem?: CredentialsProblem
}

export type CredentialsProblem =
  /** the value is `${VAR}` and VAR is not set: npm sends the text `${VAR}` itself (or, for `${VAR?}`, nothing) */
  | { kind: 'unset-variable'; variable: string; key: string; /** where the key is set, in words ("~/.npmrc") */ file: string }
  /** auth keys outside any registry's nerf-dart: npm 11 refuses to run at all (ERR_INVALID_AUTH) */
  | { kind: 'invalid-auth'; keys: InvalidAuthKey[] }

export interface InvalidAuthKey {
  key: string
  /** what `npm config fix` renames it to; none when it deletes it */
  renameTo?: string
  /** the file, in words ("~/.npmrc") */
  file: string
}

/**
 * The config key npm-registry-fetch takes credentials from for a URL: the longest
 * `//host/path/:<key>` prefix with some auth, walking up the path. A copy of its regFromURI and
 * hasAuth (lib/auth.js), which cannot be loaded without npm-package-arg and semver (~40 ms);
 * test/config.test.ts checks the two agree.
 */
export function authKeyFor(flat: Record<string, unknown>, uri: string): { regKey: string; authKey: string } | undefined {
  for (const regKey of regKeysOf(uri)) {
    const authKey = flat[`${regKey}:_authToken`]
      ? '_authToken'
      : flat[`${regKey}:_auth`]
        ? '_auth'
        : flat[`${regKey}:username`] && flat[`${regKey}:_password`]
          ? 'username'
          : flat[`${regKey}:certfile`] && flat[`${regKey}:keyfile`]
            ? 'certfile'
            : undefined
    if (authKey) return { regKey, authKey }
  }
  return undefined
}

/** `//host/a/b/`, `//host/a/`, `//host/`: the prefixes npm looks for credentials under, longest first. */
function regKeysOf(uri: string): string[] {
  const parsed = new URL(uri)
  const keys: string[] = []
  let regKey = `//${parsed.host}${parsed.pathname}`
  while (regKey.length > '//'.length) {
    keys.push(regKey)
    regKey = regKey.replace(/([^/]+|\/)$/, '')
  }
  return keys
}

// `${NAME}` and `${NAME?}` as @npmcli/config expands them (lib/env-replace.js); an odd number of
// backslashes before one escapes it
const envReference = /(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g

/** The first variable the value of `key` refers to that is not set in npm's environment. */
function unsetVariableIn(config: Config, key: string): string | undefined {
  const layer = config.npm.find(key)
  const raw = layer ? config.npm.data.get(layer)?.raw?.[key] : undefined
  if (typeof raw !== 'string') return undefined
  for (const [, escapes, name] of raw.matchAll(envReference)) {
    if (escapes.length % 2 === 0 && config.npm.env[name] === undefined) return name
  }
  return undefined
}

const authParts: Record<string, string[]> = {
  _authToken: ['_authToken'],
  _auth: ['_auth'],
  username: ['username', '_password'],
  certfile: ['certfile', 'keyfile'],
}

function unsetVariable(config: Config, keys: string[]): CredentialsProblem | undefined {
  for (const key of keys) {
    const variable = unsetVariableIn(config, key)
    if (!variable) continue
    const source = sourceOf(config, key)
    return { kind: 'unset-variable', variable, key, file: source?.file ? shownPath(config, source.file) : (source?.label ?? 'npm config') }
  }
  return undefined
}

/**
 * What npm 11 refuses before any command (@npmcli/config's validate(), ERR_INVALID_AUTH): auth
 * keys at the top level of the global, user or project .npmrc. `npm config fix` renames them
 * under the default registry's nerf-dart, or deletes them (`_authtoken`, a user name without
 * its password).
 */
function invalidAuthKeys(config: Config): InvalidAuthKey[] {
  const found: InvalidAuthKey[] = []
  const registry = config.npm.get('registry')
  const nerfed = nerfDart(typeof registry === 'string' && registry ? registry : defaultRegistry)
  for (const layer of ['global', 'user', 'project']) {
    const own = (key: string) => Boolean(config.npm.get(key, layer))
    if (!['_authtoken', '-authtoken', '_auth', '_authToken', 'username', '_password'].some(own)) continue
    const source = config.npm.data.get(layer)?.source
    const file = source ? shownPath(config, source) : `${layer} config`
    for (const key of ['_authtoken', '-authtoken']) if (own(key)) found.push({ key, file })
    for (const key of ['_auth', '_authToken', 'username', '_password']) {
      if (!own(key)) continue
      const alone = (key === 'username' && !own('_password')) || (key === '_password' && !own('username'))
      found.push(alone ? { key, file } : { key, file, renameTo: `${nerfed}:${key}` })
    }
  }
  return found
}

/** Which credentials npm would send to this registry, and where they come from; never the value. */
export function credentialsFor(config: Config, registryUrl: string): Credentials {
  const invalid = invalidAuthKeys(config)
  const invalidAuth: CredentialsProblem | undefined = invalid.length ? { kind: 'invalid-auth', keys: invalid } : undefined
  const found = authKeyFor(config.flat, registryUrl)
  if (!found) {
    // `${VAR?}` with VAR unset leaves an empty value, which npm skips
    const emptied = regKeysOf(registryUrl).flatMap((regKey) => [`${regKey}:_authToken`, `${regKey}:_auth`])
    const problem = invalidAuth ?? unsetVariable(config, emptied)
    return problem ? { type: 'none', problem } : { type: 'none' }
  }
  const key = `${found.regKey}:${found.authKey}`
  const type = found.authKey === '_authToken' ? 'token' : found.authKey === 'certfile' ? 'certificate' : 'basic'
  const problem =
    invalidAuth ??
    unsetVariable(
      config,
      authParts[found.authKey].map((part) => `${found.regKey}:${part}`),
    )
  return { type, key, source: sourceOf(config, key), ...(problem ? { problem } : {}) }
}

/** The Authorization header npm would send to this URL, if any (never printed). */
export function authorizationFor(config: Config, uri: string): string | undefined {
  const found = authKeyFor(config.flat, uri)
  if (!found) return undefined
  const value = (name: string) => config.flat[`${found.regKey}:${name}`] as string | undefined
  if (found.authKey === '_authToken') return `Bearer ${value('_authToken')}`
  if (found.authKey === '_auth') return `Basic ${value('_auth')}`
  if (found.authKey === 'username') {
    const password = Buffer.from(value('_password') ?? '', 'base64').toString('utf8')
    return `Basic ${Buffer.from(`${value('username')}:${password}`, 'utf8').toString('base64')}`
  }
  return undefined
}

/** The `scope` setting as configured, @ added (as npm adds it), valid or not. */
export function configuredScope(config: Config): string | undefined {
  const scope = config.npm.get('scope')
  if (typeof scope !== 'string' || !scope) return undefined
  return scope.startsWith('@') ? scope : `@${scope}`
}

/** The default scope to show: a valid one as npm uses it (`acme` is @acme), an invalid one as written. */
export function shownScope(config: Config): string | undefined {
  const configured = configuredScope(config)
  return configured && invalidDefaultScope(config) ? String(config.npm.get('scope')) : configured
}

/** Why the configured default scope is not one: the file (or variable) and how to fix it. */
export function invalidDefaultScope(config: Config, example = '@your-scope'): PkgsError | undefined {
  const configured = configuredScope(config)
  if (!configured) return undefined
  try {
    normalizeScope(configured)
    return undefined
  } catch {
    const source = sourceOf(config, 'scope')
    return usageError(
      `The default scope in ${source?.label ?? 'npm config'}, ${JSON.stringify(config.npm.get('scope'))}, is not a valid scope.`,
      source?.layer === 'env'
        ? `Set ${envVariableOf(config, 'scope')} to a scope such as ${example} (@ and lower-case letters, digits, "-", "." or "_"), or unset it.`
        : `A scope is @ and lower-case letters, digits, "-", "." or "_": pkgs scope set ${example}${source?.layer === 'project' ? ' --location project' : ''}`,
    )
  }
}

/** The default scope (npm's `scope` setting); an invalid one is a usage error naming where it is set. */
export function defaultScope(config: Config): string | undefined {
  const invalid = invalidDefaultScope(config)
  if (invalid) throw invalid
  return configuredScope(config)
}
