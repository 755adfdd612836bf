// Granular access tokens (`npm token`): the requests npm 11 sends (lib/commands/token.js):
// POST /-/npm/v1/tokens with its body, GET /-/npm/v1/tokens following urls.next, and
// DELETE /-/npm/v1/tokens/token/<key>; ids as npm shows them (the shortest unique key prefix).
import { createHash } from 'node:crypto'
import type { RegistryClient } from './client.js'
import { PkgsError, usageError } from './errors.js'
import { registryMessage } from './explain.js'
import { isStatus, redactInLog, unsupportedBy, type Target } from './registry.js'

export type GrantPermission = 'read-only' | 'read-write' | 'no-access'

export interface TokenRequest {
  name: string
  password: string
  description?: string
  packages?: string[]
  packages_all?: true
  scopes?: string[]
  orgs?: string[]
  packages_and_scopes_permission?: GrantPermission
  orgs_permission?: GrantPermission
  expires?: number
  cidr_whitelist?: string[]
  bypass_2fa?: true
}

/** A token as the registry lists it: never the token itself, only its first characters. */
export interface TokenEntry {
  key: string
  /** the first characters of the token */
  token: string
  /** npm's id: the shortest prefix of the key, at least 6 long, that no other token shares */
  id: string
  name?: string
  created?: string
  expires?: string | null
  readonly?: boolean
  cidr_whitelist?: string[] | null
  packages_and_scopes_permission?: string
  orgs_permission?: string
  packages?: string[]
  scopes?: string[]
  orgs?: string[]
  packages_all?: boolean
  bypass_2fa?: boolean
  [key: string]: unknown
}

export const tokensWhat = 'granular access tokens (npm token)'

const ipv4Cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

/** IPv4 ranges only, as npm checks them (is-cidr): an IPv6 range or anything else is a usage error. */
export function validateCidr(value: string): string {
  const m = ipv4Cidr.exec(value)
  if (m && m.slice(1, 5).every((n) => Number(n) <= 255) && Number(m[5]) <= 32) return value
  if (value.includes(':')) throw usageError(`--cidr ${value}: only IPv4 ranges can limit a token, and this is IPv6.`, 'e.g. --cidr 192.0.2.0/24')
  throw usageError(`--cidr ${value} is not an IPv4 range.`, 'Give an address and a prefix length, e.g. --cidr 192.0.2.0/24 (one address: 192.0.2.10/32).')
}

/** Days until expiry: a whole number from 1 to 365. */
export function validateExpiry(value: string): number {
  const days = Number(value)
  if (!/^\d+$/.test(value) || days < 1 || days > 365)
    throw usageError(`--expires ${value}: give the number of days the token lasts, from 1 to 365.`, 'e.g. --expires 30')
  return days
}

function unsupported(err: unknown, target: Target): unknown {
  if (isStatus(err, 404, 405, 501)) {
    return new PkgsError('EUNSUPPORTED', `${target.registry.url} does not make granular access tokens through npm's API.`, {
      hint: "Make a token in the registry's own web interface (on npmjs.com: Access Tokens in your account), then: pkgs login --token-stdin",
      exitCode: 4,
      cause: err,
    })
  }
  return unsupportedBy(err, target, 'login', tokensWhat) ?? err
}

/** POST /-/npm/v1/tokens: the new token (printed once, never logged). A wrong password is said as such. */
export async function createToken(client: RegistryClient, body: TokenRequest): Promise<TokenEntry & { token: string }> {
  const { target } = client
  const { default: fetch } = await import('npm-registry-fetch')
  redactInLog(body.password)
  try {
    const created = (await client.write((opts) => fetch.json(client.url('/-/npm/v1/tokens'), { ...opts, method: 'POST', body }))) as TokenEntry & {
      token: string
    }
    if (typeof created?.token !== 'string')
      throw new PkgsError('EBADRESPONSE', `${target.registry.url} made no token.`, {
        hint: "Try again; if it persists, make the token in the registry's web interface.",
      })
    redactInLog(created.token)
    return created
  } catch (err) {
    if (isStatus(err, 401) && !err.wantsOtp && /password/i.test(JSON.stringify(err.body ?? ''))) {
      throw new PkgsError('E401', `${target.registry.url} did not accept the password: no token was made.`, {
        hint: 'Type your account password again (the one you log in to the website with).',
        exitCode: 3,
        cause: err,
      })
    }
    // npmjs: "Tokens with write access can expire in at most 90 days."
    if (isStatus(err, 400)) {
      const longest = /at most (\d+) days/i.exec(JSON.stringify(err.body ?? ''))?.[1]
      const said = (registryMessage(err.body) ?? `a token lasts at most ${longest} days`).replace(/\.?$/, '.')
      if (longest)
        throw new PkgsError('E400', `${target.registry.url} refused a token that lasts ${body.expires} days (400): ${said}`, {
          hint: `Ask for ${longest} days or fewer: --expires ${longest}`,
          cause: err,
        })
    }
    throw unsupported(err, target)
  }
}

/** Every token of the user, all pages, with npm's short ids. */
export async function listTokens(client: RegistryClient): Promise<TokenEntry[]> {
  const { target } = client
  const entries: TokenEntry[] = []
  try {
    let path: string | undefined = '/-/npm/v1/tokens'
    while (path) {
      const res: { body: { objects?: unknown; urls?: { next?: unknown } } } = await client.json(path, { preferOnline: true })
      if (Array.isArray(res.body.objects)) entries.push(...(res.body.objects as TokenEntry[]))
      const next = res.body.urls?.next
      // npm follows urls.next as the registry gives it: an absolute URL, or a path
      path = typeof next === 'string' && next ? (next.startsWith(target.registry.url) ? next.slice(target.registry.url.length - 1) : next) : undefined
    }
  } catch (err) {
    throw unsupported(err, target)
  }
  return withIds(entries)
}

function withIds(tokens: TokenEntry[]): TokenEntry[] {
  return tokens.map((t) => {
    let id = t.key
    for (let n = 6; n < t.key.length; n++) {
      if (!tokens.some((o) => o !== t && o.key.slice(0, n) === t.key.slice(0, n))) {
        id = t.key.slice(0, n)
        break
      }
    }
    return { ...t, id }
  })
}

/**
 * An argument that is a token's value, not an id: ids and keys are hex (a prefix of the key), and
 * a token is long (npm_ and 36 more; a classic one a UUID). Anything short is a mistyped id, safe
 * to quote back.
 */
export function isTokenValue(arg: string): boolean {
  return arg.length >= 20 && !/^[0-9a-f]+$/i.test(arg)
}

/**
 * The tokens a revocation means: each argument an id, a prefix of exactly one key, or (as npm
 * token revoke also takes) a token itself, found by its key (npmjs keys a token by its SHA-512)
 * or else by the first characters the registry lists. A token's value is never quoted back.
 */
export function tokensToRevoke(tokens: TokenEntry[], given: string[]): TokenEntry[] {
  const chosen = given.map((id) => {
    if (isTokenValue(id)) {
      const key = tokenKey(id)
      const byKey = tokens.find((t) => t.key === key)
      const byStart = tokens.filter((t) => typeof t.token === 'string' && t.token.length >= 6 && id.startsWith(t.token))
      const found = byKey ?? (byStart.length === 1 ? byStart[0] : undefined)
      if (found) return found
      throw new PkgsError('E404', 'The token given is not one of yours on this registry.', {
        hint: 'See your tokens and their ids with: pkgs token ls (and revoke one by its id)',
      })
    }
    const matches = tokens.filter((t) => t.key.startsWith(id))
    if (matches.length === 1) return matches[0]
    if (matches.length > 1) {
      throw usageError(
        `"${id}" is the start of ${matches.length} tokens: ${matches.map((t) => `${t.id} (${t.name ?? 'unnamed'})`).join(', ')}.`,
        'Give more of the id: pkgs token ls shows them.',
      )
    }
    throw new PkgsError('E404', `No token of yours has the id "${id}".`, { hint: 'See your tokens and their ids with: pkgs token ls' })
  })
  // one token named twice (its id and its value, say) is revoked once
  return [...new Map(chosen.map((t) => [t.key, t])).values()]
}

/** DELETE /-/npm/v1/tokens/token/<key>. */
export async function revokeToken(client: RegistryClient, key: string): Promise<void> {
  const { target } = client
  const { default: fetch } = await import('npm-registry-fetch')
  try {
    await client.write((opts) => fetch(client.url(`/-/npm/v1/tokens/token/${encodeURIComponent(key)}`), { ...opts, method: 'DELETE', ignoreBody: true }))
  } catch (err) {
    // the list before it found the token: a 404 now is the token gone, not a registry without tokens
    if (isStatus(err, 404)) {
      throw new PkgsError('E404', `The token ${key.slice(0, 6)}… is not on ${target.registry.url} any more: it was revoked in the meantime.`, {
        hint: 'See the tokens there are with: pkgs token ls',
        cause: err,
      })
    }
    throw unsupported(err, target)
  }
}

/** The registry's key of a token: npmjs lists tokens by the SHA-512 of their value. */
export function tokenKey(token: string): string {
  return createHash('sha512').update(token).digest('hex')
}
