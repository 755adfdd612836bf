// Logging in and out as npm 11 does (lib/utils/auth.js, lib/commands/login.js, logout.js): web
// login where the registry offers it, else user name and password (npm-profile); the token kept
// under the registry's nerf-dart in the user .npmrc; logout revokes it, then removes it.
import type { Config, Source } from './config.js'
import { credentialsFor, shownPath } from './config.js'
import { Exit, PkgsError, RegistryError } from './errors.js'
import { explainError } from './explain.js'
import { editNpmrcFile, nerfDart, npmrcPath, type FileEditResult } from './npmrc.js'
import type { RegistryClient } from './client.js'
import { registryError, unsupportedBy } from './registry.js'
import { loginCommand } from './preflight.js'

export type AuthType = 'web' | 'legacy'

/** `--auth-type` › npm's `auth-type` config (npm 11: web). */
export function authTypeFor(config: Config, flag?: string): AuthType {
  if (flag === 'web' || flag === 'legacy') return flag
  return config.npm.get('auth-type') === 'legacy' ? 'legacy' : 'web'
}

export type Opener = (url: string) => Promise<void>

/**
 * Web login (`POST /-/v1/login`, then polling `doneUrl`). A registry without it answers with an
 * error, which npm-profile reports as WebLoginNotSupported (ENYI): undefined then, so the caller
 * falls back to a password as npm does; with `forced` (--auth-type web) that is exit 4.
 */
export async function webLogin(client: RegistryClient, opener: Opener, forced: boolean): Promise<{ token: string } | undefined> {
  const { target } = client
  const { loginWeb } = await import('npm-profile')
  try {
    const { token } = await loginWeb((url) => opener(url), client.options())
    return { token }
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENYI') throw registryError(err, target)
    if (!forced) return undefined
    // the command that works: the same login with a user name and password (or without --auth-type, which falls back to one)
    const legacy = `${loginCommand(target.registry, target.scope)} --auth-type legacy`
    const kind = unsupportedBy(registryError(err, target), target, 'web-login', 'web login')
    throw new PkgsError('EUNSUPPORTED', kind?.message ?? `${target.registry.url} does not offer web login.`, {
      hint: `${kind?.hint ? `${kind.hint} ` : ''}Log in with a user name and password: ${legacy} (or leave out --auth-type).`,
      exitCode: Exit.unsupported,
      cause: err,
    })
  }
}

/** User name and password (`PUT /-/user/org.couchdb.user:<name>`, which Verdaccio speaks too). */
export async function passwordLogin(client: RegistryClient, username: string, password: string): Promise<{ token: string }> {
  const { target } = client
  const { loginCouch } = await import('npm-profile')
  let token: unknown
  try {
    ;({ token } = await client.challenged(async (code) => {
      try {
        return await loginCouch(username, password, client.options(code ? { otp: code } : {}))
      } catch (err) {
        throw registryError(err, target)
      }
    }))
  } catch (err) {
    if (!(err instanceof RegistryError) || err.wantsOtp) throw err
    if (err.status === 401) {
      throw new PkgsError('E401', `${target.registry.url} rejected the user name or password.`, {
        hint: 'Check them and try again (a user name, not an e-mail address).',
        exitCode: Exit.auth,
        cause: err,
      })
    }
    if (err.status === 400 && err.message) {
      throw new PkgsError('E400', `${target.registry.url} refused the login: ${err.message}`, { exitCode: Exit.auth, cause: err })
    }
    throw err
  }
  if (typeof token !== 'string' || !token) {
    throw new PkgsError('EBADRESPONSE', `${target.registry.url} accepted the login but sent no token.`, {
      hint: 'This registry may not support npm logins: create a token in its web interface and run: pkgs login --token-stdin',
    })
  }
  return { token }
}

/** The user name a token belongs to; a token the registry does not accept is exit 3. */
export async function verifyToken(client: RegistryClient, token: string): Promise<string> {
  const { target } = client
  try {
    return await client.sending(token).whoami()
  } catch (err) {
    const e = explainError(err)
    if (e.exitCode !== Exit.auth) throw e
    throw new PkgsError(e.code, `${target.registry.url} did not accept the token: nothing was saved.`, {
      hint: 'Check that you copied the whole token and that it is not expired or revoked.',
      exitCode: Exit.auth,
      cause: err,
    })
  }
}

const authSuffixes = ['_authToken', '_auth', '_password', 'username'] as const

export interface SavedLogin {
  file: string
  /** credentials for this registry that a higher layer sets, and that npm will use instead */
  shadowedBy?: Source
}

/**
 * Save a token as `npm login` does: `//host/path/:_authToken` in the user .npmrc, replacing the
 * user name and password kept there for the same registry; with a scope, `@scope:registry` too.
 */
export async function saveToken(client: RegistryClient, token: string, scope?: string): Promise<SavedLogin> {
  const { config, target } = client
  const nerfed = nerfDart(target.registry.url)
  const file = npmrcPath(config, 'user')
  const set: Record<string, string> = { [`${nerfed}:_authToken`]: token }
  if (scope) set[`${scope}:registry`] = target.registry.url
  await editNpmrcFile(file, { set, remove: [`${nerfed}:_auth`, `${nerfed}:_password`, `${nerfed}:username`] }, shownPath(config, file))
  const before = credentialsFor(config, target.registry.url).source
  const higher = before && ['cli', 'env', 'project'].includes(before.layer) ? before : undefined
  return { file, shadowedBy: higher }
}

export interface LoggedOut {
  /** the registry answered the revocation with success */
  revoked: boolean
  /** why the token was not revoked */
  revokeError?: PkgsError
  /** the file the credentials were removed from */
  removed?: FileEditResult
  /** where the credentials were, when they are not in a file we can edit (an environment variable) */
  leftIn?: Source
  /** other files that still hold credentials for the registry */
  alsoIn: string[]
}

/** The token npm sends to this registry (never printed). */
export function tokenFor(client: RegistryClient): string | undefined {
  const { config, target } = client
  const key = target.credentials.key
  // the text `${VAR}` of an unset variable is no token to revoke
  if (target.credentials.type !== 'token' || !key || target.credentials.problem?.kind === 'unset-variable') return undefined
  const value = config.flat[key]
  return typeof value === 'string' && value ? value : undefined
}

/** `DELETE /-/user/token/<token>`, as `npm logout` does. */
export async function revokeToken(client: RegistryClient, token: string): Promise<void> {
  await client.challenged((code) => client.json(`/-/user/token/${encodeURIComponent(token)}`, { method: 'DELETE', ...(code ? { otp: code } : {}) }))
}

/** Remove the credentials for the registry from the file they are in, as `npm logout` does. */
export async function removeCredentials(client: RegistryClient): Promise<Pick<LoggedOut, 'removed' | 'leftIn' | 'alsoIn'>> {
  const { config, target } = client
  const { key, source } = target.credentials
  if (!key) return { alsoIn: [] }
  const regKey = key.slice(0, key.lastIndexOf(':'))
  const keys = authSuffixes.map((s) => `${regKey}:${s}`)
  const fileLayers = ['project', 'user', 'global', 'builtin']
  let removed: FileEditResult | undefined
  let leftIn: Source | undefined
  if (source?.file && fileLayers.includes(source.layer)) removed = await editNpmrcFile(source.file, { remove: keys }, shownPath(config, source.file))
  else leftIn = source
  const alsoIn: string[] = []
  for (const layer of fileLayers) {
    if (layer === source?.layer) continue
    // a layer's data inherits from the layers below it: only its own keys count
    const data = config.npm.data.get(layer)
    if (data?.source && keys.some((k) => Object.hasOwn(data.raw ?? {}, k))) alsoIn.push(data.source)
  }
  return { removed, leftIn, alsoIn }
}
