// One registry as the core talks to it: where requests go, with which credentials, and the run's
// two-factor session for writes. The functions of the core take a client, one small function per
// endpoint as libnpmaccess has them; a test can hand them a stub that answers without a server.
import type { Config } from './config.js'
import type { ErrorContext } from './errors.js'
import { nerfDart } from './npmrc.js'
import type { OtpSession } from './otp.js'
import { registryCall, registryOptions, registryUrl, requestJson, whoami, type RegistryResponse, type Target } from './registry.js'

/** Options for one of npm's libraries (npm-registry-fetch's), pinned to the client's registry. */
export type LibraryOptions = Record<string, unknown>

export interface RegistryClient {
  readonly config: Config
  /** the registry, its credentials and the scope or package it was chosen for */
  readonly target: Target
  /** the absolute URL of a path under the registry */
  url(path: string): string
  /** a JSON document (GET unless opts.method says otherwise); a failure is a RegistryError */
  json<T>(path: string, opts?: Record<string, unknown>, errorExtra?: Partial<ErrorContext>): Promise<RegistryResponse<T>>
  /** a read through one of npm's libraries; a failure is a RegistryError */
  call<T>(call: (opts: LibraryOptions) => Promise<T>, errorExtra?: Partial<ErrorContext>): Promise<T>
  /** a write through one of npm's libraries (or npm-registry-fetch), under the run's two-factor session */
  write<T>(call: (opts: LibraryOptions) => Promise<T>, errorExtra?: Partial<ErrorContext>): Promise<T>
  /** a read the registry may challenge (npmjs's trust list): `attempt` sends the code it is given */
  challenged<T>(attempt: (otp: string | undefined) => Promise<T>): Promise<T>
  /** options for one of npm's libraries, for what goes through neither call() nor write() (a login) */
  options(extra?: Record<string, unknown>): LibraryOptions
  /** the user name these credentials belong to (`/-/whoami`) */
  whoami(): Promise<string>
  /** the same registry and session sending this token and no other credentials; undefined: none at all (a read as anyone would make it) */
  sending(token: string | undefined): RegistryClient
  /** the same registry and session, for another package of it (error messages name it) */
  forPackage(packageName: string): RegistryClient
}

/** The client of a target, writing under `otp` (the run's session; a client without one cannot answer a challenge). */
export function registryClient(config: Config, target: Target, otp?: OtpSession): RegistryClient {
  const challenged = <T>(attempt: (code: string | undefined) => Promise<T>): Promise<T> => (otp ? otp.run(config, target, attempt) : attempt(undefined))
  return {
    config,
    target,
    url: (path) => registryUrl(target, path),
    json: (path, opts, errorExtra) => requestJson(config, target, path, opts, errorExtra),
    call: (call, errorExtra) => registryCall(config, target, () => call(registryOptions(config, target)), errorExtra),
    write: (call, errorExtra) =>
      challenged((code) => registryCall(config, target, () => call(registryOptions(config, target, code ? { otp: code } : {})), errorExtra)),
    challenged,
    options: (extra) => registryOptions(config, target, extra),
    whoami: () => whoami(config, target),
    sending: (token) => {
      const { config: withThat, target: sendingThat } = token === undefined ? withoutCredentials(config, target) : withToken(config, target, token)
      return registryClient(withThat, sendingThat, otp)
    },
    forPackage: (packageName) => registryClient(config, { ...target, packageName }, otp),
  }
}

function withToken(config: Config, target: Target, token: string): { config: Config; target: Target } {
  const key = `${nerfDart(target.registry.url)}:_authToken`
  const flat = { ...config.flat, [key]: token }
  return { config: { ...config, flat }, target: { ...target, credentials: { type: 'token', key } } }
}

function withoutCredentials(config: Config, target: Target): { config: Config; target: Target } {
  const flat = Object.fromEntries(Object.entries(config.flat).filter(([key]) => !/:(_authToken|_auth|_password|username|certfile|keyfile)$/.test(key)))
  return { config: { ...config, flat }, target: { ...target, credentials: { type: 'none' } } }
}
