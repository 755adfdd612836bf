// Who is asking, and what may they do: credentials (tokens, granular tokens, tokens of a trusted
// publisher, Basic), two-factor authentication, and who may read and write a package or manage an
// org.
import { createHash } from 'node:crypto'
import type { Permission, StoredPackage, TrustToken, GrantPermission, TokenGrant, Packument, Team, Org } from './types.js'
import { type Registry, type Call, HttpError, fail, messages, randomId, scopeOf, inCidr } from './common.js'

/** The user the credentials name, undefined when there are none; bad credentials are a 401. */
export function caller(r: Registry, call: Call): string | undefined {
  const header = call.req.headers.authorization
  if (!header) return undefined
  const [kind, value = ''] = header.split(' ')
  if (kind === 'Bearer') {
    const trusted = r.state.trustTokens.get(value)
    if (trusted) return trustedPublisher(r, call, trusted)
    const user = r.state.tokens.get(value)
    if (!user) throw fail(401, messages.badToken)
    const grant = r.state.grants.get(value)
    return grant ? withinGrant(call, user, grant) : user
  }
  if (kind === 'Basic') {
    const [name, ...rest] = Buffer.from(value, 'base64').toString('utf8').split(':')
    if (r.state.users.get(name)?.password !== rest.join(':')) throw fail(401, 'Incorrect username or password.', { 'www-authenticate': 'Basic realm="npm"' })
    return name
  }
  throw fail(401, messages.badToken)
}

/** A granular token acts as its user within its limits; a read outside them is anonymous, a write a 403. */
function withinGrant(call: Call, user: string, grant: TokenGrant): string | undefined {
  if (Date.parse(grant.expires) <= Date.now()) throw fail(401, messages.badToken)
  const ip = (call.req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
  if (grant.cidr_whitelist && !grant.cidr_whitelist.some((range) => inCidr(ip, range))) throw fail(403, messages.cidr)
  call.grant = grant
  const target = call.target
  if (!target) return user
  const write = call.req.method !== 'GET' && call.req.method !== 'HEAD'
  const perm = target.kind === 'org' ? (grant.orgs.includes(target.name) ? grant.orgs_permission : 'no-access') : grantOn(grant, target.name)
  if (write && perm !== 'read-write') throw fail(403, target.kind === 'org' ? messages.orgToken(target.name) : messages.noPermission(target.name))
  return perm === 'no-access' ? undefined : user
}

export function grantOn(grant: TokenGrant, pkg: string): GrantPermission {
  const scope = scopeOf(pkg)
  const covered = grant.packages_all || grant.packages.includes(pkg) || (scope !== undefined && grant.scopes.includes(scope))
  return covered ? grant.packages_and_scopes_permission : 'no-access'
}

/**
 * A token from the OIDC exchange: its package only, to publish or stage as the trusted
 * publisher allows, and to read what npm publish reads first (packument, visibility). Its
 * principal is `oidc:<type>:<config id>`, so revoking the trusted publisher disarms it.
 */
export function trustedPublisher(r: Registry, call: Call, token: TrustToken): string {
  if (token.expiresAt <= Date.now()) throw fail(401, messages.badToken)
  const config = r.state.packages.get(token.package)?.trust.find((t) => t.id === token.configId)
  // what the route lets such a token do (the route table's last field)
  const use = call.oidc
  const allowed = config && call.target?.name === token.package && (use === 'read' || (use !== undefined && config.permissions.includes(use)))
  if (!allowed) throw fail(403, messages.trustToken(token.package))
  return `oidc:${config.type}:${config.id}`
}

export function signedIn(r: Registry, call: Call): string {
  const user = caller(r, call)
  if (!user) throw fail(401, messages.needAuth, { 'www-authenticate': 'Basic realm="npm"' })
  return user
}

function otpAccepted(r: Registry, call: Call, user: string): boolean {
  const sent = call.req.headers['npm-otp']
  return sent === r.otp || (typeof sent === 'string' && r.webOtpCodes.get(sent) === user)
}

/**
 * A one-time password where the user's 2FA mode asks for one (`login`: every mode; a write: all
 * but auth-only), or where the package demands one (`required`). Missing or wrong: 401 with
 * `www-authenticate: OTP`, which npm reads as EOTP; web 2FA adds authUrl and doneUrl.
 */
export function demandOtp(r: Registry, call: Call, user: string, { login = false, required = false, bypassable = true } = {}): void {
  // a trusted publisher is its own proof; a granular token made with bypass_2fa skips what it may
  if (user.startsWith('oidc:') || (bypassable && call.grant?.bypass_2fa)) return
  const tfa = r.state.users.get(user)?.tfa ?? false
  const asked = required || (tfa !== false && (login || tfa !== 'auth-only'))
  if (!asked || otpAccepted(r, call, user)) return
  if (!tfa) throw fail(401, messages.packageNeedsTfa)
  if (tfa === 'web' && !call.req.headers['npm-otp']) {
    const id = randomId()
    r.webOtps.set(id, { user, approved: false })
    const body = { error: messages.otp, authUrl: `${r.url}-/v1/auth/${id}`, doneUrl: `${r.url}-/v1/auth/done/${id}` }
    throw new HttpError(401, body, { 'www-authenticate': 'OTP' })
  }
  throw fail(401, messages.otp, { 'www-authenticate': 'OTP' })
}

/** Signed in, and past two-factor authentication for a write (npmjs checks that before anything else). */
export function writer(r: Registry, call: Call): string {
  const user = signedIn(r, call)
  demandOtp(r, call, user)
  return user
}

/**
 * Proof of presence (approving or rejecting a staged version): the user has 2FA, and gives a
 * one-time password whatever their mode or token; granular tokens cannot bypass it.
 */
export function presence(r: Registry, call: Call): string {
  const user = signedIn(r, call)
  if (!r.state.users.get(user)?.tfa) throw fail(403, messages.presence)
  demandOtp(r, call, user, { required: true, bypassable: false })
  return user
}

export function orgOf(r: Registry, pkg: string): Org | undefined {
  const scope = scopeOf(pkg)
  return scope ? r.state.orgs.get(scope.slice(1)) : undefined
}

function teamPermission(r: Registry, pkg: string, user: string): Permission | undefined {
  let best: Permission | undefined
  for (const team of orgOf(r, pkg)?.teams.values() ?? []) {
    const perm = team.members.has(user) ? team.packages.get(pkg) : undefined
    if (perm === 'read-write') return perm
    best = perm ?? best
  }
  return best
}

export function permission(r: Registry, pkg: StoredPackage, user: string | undefined): Permission | undefined {
  if (!user) return undefined
  if (user.startsWith('oidc:')) return pkg.trust.some((t) => user === `oidc:${t.type}:${t.id}`) ? 'read-write' : undefined
  if (pkg.doc.maintainers.some((m) => m.name === user)) return 'read-write'
  const role = orgOf(r, pkg.doc.name)?.members.get(user)
  if (role === 'owner' || role === 'admin') return 'read-write'
  return teamPermission(r, pkg.doc.name, user)
}

export function readable(r: Registry, name: string, user: string | undefined): StoredPackage {
  const pkg = r.state.packages.get(name)
  // npmjs answers 404 for a private package the user cannot read: it does not admit it exists
  if (!pkg || (pkg.access === 'restricted' && !permission(r, pkg, user))) throw fail(404, messages.notFound)
  return pkg
}

export function writable(r: Registry, name: string, user: string): StoredPackage {
  const pkg = readable(r, name, user)
  if (permission(r, pkg, user) !== 'read-write') throw fail(403, messages.noPermission(name))
  return pkg
}

export function requireScopedPaid(r: Registry, name: string): void {
  const scope = scopeOf(name)
  if (!scope || !r.state.paidScopes.has(scope)) throw fail(402, messages.paid)
}

export function bumpRev(doc: Packument): void {
  const n = Number(doc._rev.split('-')[0]) + 1
  doc._rev = `${n}-${createHash('md5')
    .update(`${doc.name}:${n}:${JSON.stringify(doc.maintainers)}`)
    .digest('hex')}`
  doc.time.modified = new Date().toISOString()
}

export function findOrg(r: Registry, name: string): Org {
  const org = r.state.orgs.get(name)
  if (!org) throw fail(404, 'Org not found')
  return org
}

export function findTeam(r: Registry, orgName: string, teamName: string): Team {
  const team = findOrg(r, orgName).teams.get(teamName)
  if (!team) throw fail(404, 'Team not found')
  return team
}

export function requireOrgAdmin(r: Registry, orgName: string, user: string): Org {
  const org = findOrg(r, orgName)
  const role = org.members.get(user)
  if (role !== 'owner' && role !== 'admin') throw fail(403, `You must be an admin or owner of ${orgName} to do this.`)
  return org
}

/** npmjs: only owners add and remove members and change roles; admins manage teams (a member may leave). */
export function requireOrgOwner(r: Registry, orgName: string, user: string): Org {
  const org = findOrg(r, orgName)
  if (org.members.get(user) !== 'owner') throw fail(403, `You must be an owner of ${orgName} to do this.`)
  return org
}

export function requireUserExists(r: Registry, name: unknown): string {
  if (typeof name !== 'string' || !name) throw fail(400, 'user is required')
  if (!r.state.users.has(name)) throw fail(404, `User ${name} not found`)
  return name
}
