// Users, logins and tokens: whoami, couch login, the profile, and tokens (listed page by page,
// granular ones created, revoked).
import { createHash } from 'node:crypto'
import type { GrantPermission, TokenGrant } from './types.js'
import { type Registry, type Call, type Answer, HttpError, fail, ok, noContent, messages, newToken, cidrPattern, day } from './common.js'
import { signedIn, demandOtp, writer } from './auth.js'

export function whoami(r: Registry, call: Call): Answer {
  return ok({ username: signedIn(r, call) })
}

/** PUT /-/user/org.couchdb.user:<name>, npm-profile's loginCouch (and adduserCouch for a known user). */
export function couchLogin(r: Registry, call: Call): Answer {
  const [name] = call.params
  const user = r.state.users.get(name)
  if (!user) throw fail(400, `There is no user with the username "${name}".`)
  if (call.body.password !== user.password) {
    throw new HttpError(401, { ok: false, error: 'Incorrect username or password.' }, { 'www-authenticate': 'Basic realm="npm"' })
  }
  demandOtp(r, call, name, { login: true })
  const token = newToken()
  r.state.tokens.set(token, name)
  // npm/registry's documented login response; id and rev are vestigial
  return ok({ ok: true, id: 'org.couchdb.user:undefined', rev: '_we_dont_use_revs_any_more', token }, 201)
}

export function userDocument(r: Registry, call: Call): Answer {
  const user = r.state.users.get(call.params[0])
  if (!user) throw fail(404, messages.notFound)
  return ok({ _id: `org.couchdb.user:${user.name}`, name: user.name, email: user.email })
}

/** DELETE /-/user/token/<token>, as npm logout revokes the token it was using. */
export function revokeToken(r: Registry, call: Call): Answer {
  const user = signedIn(r, call)
  const [token] = call.params
  if (r.state.tokens.get(token) !== user) throw fail(404, messages.notFound)
  r.state.tokens.delete(token)
  r.state.grants.delete(token)
  return ok({ ok: true })
}

function tokenKey(token: string): string {
  return createHash('sha512').update(token).digest('hex')
}

/** A token as npmjs lists it: the first characters only (npm prints them with its own ellipsis), the key to revoke it by. */
function tokenEntry(r: Registry, token: string): Record<string, unknown> {
  const key = tokenKey(token)
  const grant = r.state.grants.get(token)
  if (!grant) return { token: token.slice(0, 8), key, cidr_whitelist: null, readonly: false, created: r.startedAt, updated: r.startedAt }
  const readonly = grant.packages_and_scopes_permission !== 'read-write' && grant.orgs_permission !== 'read-write'
  return { token: token.slice(0, 8), key, ...grant, readonly, updated: grant.created }
}

/** GET /-/npm/v1/tokens?page=&perPage=: npm follows urls.next until there is none. */
export function listTokens(r: Registry, call: Call): Answer {
  const user = signedIn(r, call)
  const all = [...r.state.tokens].filter(([, owner]) => owner === user).map(([token]) => tokenEntry(r, token))
  const perPage = Number(call.query.get('perPage')) || r.pageSize
  const page = Number(call.query.get('page')) || 0
  const objects = all.slice(page * perPage, (page + 1) * perPage)
  const next = (page + 1) * perPage < all.length ? `${r.url}-/npm/v1/tokens?page=${page + 1}&perPage=${perPage}` : undefined
  return ok({ objects, total: all.length, urls: next ? { next } : {} })
}

/** DELETE /-/npm/v1/tokens/token/<key or the token itself>: npm token revoke sends either. */
export function deleteTokenByKey(r: Registry, call: Call): Answer {
  const user = writer(r, call)
  const [id] = call.params
  const found = [...r.state.tokens].find(([token, owner]) => owner === user && (tokenKey(token) === id || token === id))
  if (!found) throw fail(404, messages.notFound)
  r.state.tokens.delete(found[0])
  r.state.grants.delete(found[0])
  return noContent()
}

function grantPermission(value: unknown, field: string): GrantPermission | undefined {
  if (value === undefined || value === null) return undefined
  if (value !== 'read-only' && value !== 'read-write' && value !== 'no-access') throw fail(400, `${field} must be read-only, read-write or no-access`)
  return value
}

function names(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v)) throw fail(400, `${field} must be a list of names`)
  return value
}

/**
 * POST /-/npm/v1/tokens with npm token create's body: a granular access token. The password is
 * checked, then 2FA as for any write. Without `expires` (days) npmjs picks the expiry; tokens
 * that can write last at most 90 days.
 */
export function createToken(r: Registry, call: Call): Answer {
  const user = signedIn(r, call)
  const body = call.body
  if (body.password !== r.state.users.get(user)?.password) throw fail(401, 'Incorrect password.')
  demandOtp(r, call, user)
  if (typeof body.name !== 'string' || !body.name.trim()) throw fail(400, 'A token needs a name.')
  const packages = names(body.packages, 'packages')
  const scopes = names(body.scopes, 'scopes').map((scope) => (scope.startsWith('@') ? scope : `@${scope}`))
  const orgs = names(body.orgs, 'orgs')
  const packagesAll = body.packages_all === true
  const covers = packagesAll || packages.length > 0 || scopes.length > 0
  const packagesPerm = grantPermission(body.packages_and_scopes_permission, 'packages_and_scopes_permission') ?? (covers ? 'read-only' : 'no-access')
  const orgsPerm = grantPermission(body.orgs_permission, 'orgs_permission') ?? (orgs.length ? 'read-only' : 'no-access')
  const writes = packagesPerm === 'read-write' || orgsPerm === 'read-write'
  const days = body.expires ?? 30
  if (!Number.isInteger(days) || days < 1 || days > 365) throw fail(400, 'expires must be a whole number of days from 1 to 365.')
  if (writes && days > 90) throw fail(400, 'Tokens with write access can expire in at most 90 days.')
  const cidrs = names(body.cidr_whitelist, 'cidr_whitelist')
  const badCidr = cidrs.find((c) => !cidrPattern.test(c) || c.split(/[./]/).some((n, i) => Number(n) > (i === 4 ? 32 : 255)))
  if (badCidr) throw fail(400, `Invalid CIDR: ${badCidr}`)
  const created = new Date().toISOString()
  const grant: TokenGrant = {
    name: body.name,
    ...(typeof body.description === 'string' && { description: body.description }),
    created,
    expires: new Date(Date.now() + days * day).toISOString(),
    cidr_whitelist: cidrs.length ? cidrs : null,
    bypass_2fa: body.bypass_2fa === true,
    packages,
    scopes,
    packages_all: packagesAll,
    packages_and_scopes_permission: packagesPerm,
    orgs,
    orgs_permission: orgsPerm,
  }
  const token = newToken()
  r.state.tokens.set(token, user)
  r.state.grants.set(token, grant)
  return ok({ ...tokenEntry(r, token), token }, 201)
}

export function profile(r: Registry, call: Call): Answer {
  const user = r.state.users.get(signedIn(r, call))!
  const tfa = user.tfa ? { mode: user.tfa === 'auth-only' ? 'auth-only' : 'auth-and-writes', pending: false } : false
  return ok({ name: user.name, email: user.email, email_verified: true, tfa, cidr_whitelist: null, created: r.startedAt, updated: r.startedAt })
}
