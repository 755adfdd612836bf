// A stateful registry that behaves like registry.npmjs.org for what no installable registry
// offers: private (restricted) packages that only maintainers and granted teams can read, paid
// scopes (402), two-factor authentication (EOTP, web 2FA), web and couch login, token revocation,
// owners, visibility, dist-tags, teams and organisations. Request and answer shapes follow npm's
// libraries (libnpmpublish, libnpmaccess, libnpmteam, libnpmorg, npm-profile) and npm/registry's
// API documents; test/npmjs-registry.test.ts drives the real npm CLI against it. Every request is
// recorded for parity tests.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface NpmjsUser {
  name: string
  password: string
  /** default: <name>@example.com */
  email?: string
  /** default: a random npm_… token */
  token?: string
  /**
   * Two-factor authentication, as npmjs's modes: true is `auth-and-writes` (login and every write
   * need a one-time password), 'auth-only' only login, 'web' is `auth-and-writes` answered with
   * npmjs's web flow (an EOTP body with authUrl and doneUrl).
   */
  tfa?: boolean | 'web' | 'auth-only'
}

export type OrgRole = 'developer' | 'admin' | 'owner'

/** alice, bob and carol (password `<name>-pw`), and otto, who has two-factor authentication on. */
export const usualUsers: NpmjsUser[] = [
  { name: 'alice', password: 'alice-pw' },
  { name: 'bob', password: 'bob-pw' },
  { name: 'carol', password: 'carol-pw' },
  { name: 'otto', password: 'otto-pw', tfa: true },
]

export interface NpmjsRegistryOptions {
  users: NpmjsUser[]
  /** scopes (with @) allowed private packages; private packages anywhere else answer 402 */
  paidScopes?: string[]
  /**
   * Organisations. Every org has npmjs's `developers` team: all members unless `teams.developers`
   * lists who is in it; it gets read-write on every package first published in the org's scope.
   */
  orgs?: Record<string, { members: Record<string, OrgRole>; teams?: Record<string, string[]> }>
  /** the one valid one-time password (default 123456) */
  otp?: string
  /** delay every answer by this many ms, or by what the function says for each request (to make answers overtake each other) */
  latencyMs?: number | ((method: string, path: string) => number)
}

export interface RecordedRequest {
  method: string
  /** path and query, as sent */
  path: string
  /** as received, authorization and npm-otp included */
  headers: Record<string, string | string[] | undefined>
  /** parsed JSON when the body is JSON, else the raw text, or undefined */
  body: unknown
  /** the status answered (0 while the answer is pending) */
  status: number
}

export type Permission = 'read-only' | 'read-write'

export interface StoredPackage {
  doc: Packument
  access: 'public' | 'restricted'
  /** tarball file name (`name-1.0.0.tgz`) -> bytes */
  tarballs: Map<string, Buffer>
  mfa: { publish_requires_tfa: boolean; automation_token_overrides_tfa: boolean }
}

export interface Packument {
  _id: string
  _rev: string
  name: string
  'dist-tags': Record<string, string>
  versions: Record<string, Manifest>
  maintainers: Person[]
  time: Record<string, string>
  [key: string]: unknown
}

type Manifest = Record<string, unknown> & { dist?: Record<string, unknown>; deprecated?: string }
type Person = { name: string; email?: string }

export interface Team {
  description?: string
  members: Set<string>
  packages: Map<string, Permission>
}

export interface Org {
  members: Map<string, OrgRole>
  teams: Map<string, Team>
}

export interface StoredUser {
  name: string
  password: string
  email: string
  tfa: false | true | 'web' | 'auth-only'
}

export interface RegistryState {
  users: Map<string, StoredUser>
  /** token -> user name; a token absent here is rejected */
  tokens: Map<string, string>
  packages: Map<string, StoredPackage>
  orgs: Map<string, Org>
  paidScopes: Set<string>
}

/** A path (exact, query included), a pattern tested on the path, or a function of both. */
export type RequestMatcher = string | RegExp | ((method: string, path: string) => boolean)

export interface NpmjsRegistry {
  /** http://127.0.0.1:PORT/ */
  url: string
  /** user name -> the token given at start */
  tokens: Record<string, string>
  /** the valid one-time password */
  otp: string
  requests: RecordedRequest[]
  state: RegistryState
  /** recorded requests that can change something (not GET/HEAD) */
  mutations(): RecordedRequest[]
  clearRequests(): void
  /** the next request that matches gets this answer instead (once per call) */
  failNext(match: RequestMatcher, status: number, body?: unknown, headers?: Record<string, string>): void
  /** finish the oldest pending web login as this user (the person signs in in the browser) */
  completeWebLogin(user: string): void
  /** approve every web 2FA check waiting for this user (the person confirms in the browser) */
  completeWebOtp(user: string): void
  /** a package with one version, straight into the state (no publish request): for tests of many packages */
  seedPackage(name: string, owner: string, access?: StoredPackage['access']): void
  /** web logins / web 2FA checks waiting for the person, to wait for in tests */
  pendingWebLogins(): number
  pendingWebOtps(): number
  close(): Promise<void>
}

// npmjs's own wording, so that clients' explanations can be tested against it
const messages = {
  notFound: 'Not found',
  otp: 'You must provide a one-time pass. Upgrade your client to npm@latest in order to use 2FA.',
  paid: 'You must sign up for private packages',
  badToken: 'Unable to authenticate, your authentication token seems to be invalid.',
  needAuth: 'You must be logged in to do this.',
  packageNeedsTfa: 'This package requires that publishers enable TFA and provide an OTP to publish.',
  noPermission: (name: string) => `You do not have permission to publish "${name}". Are you logged in as the correct user?`,
  publishedOver: (versions: string[]) => `You cannot publish over the previously published versions: ${versions.join(', ')}.`,
}

// what npmjs keeps of a version in the abbreviated ("corgi") document npm installs from
const installFields = [
  'name', 'version', 'dependencies', 'optionalDependencies', 'devDependencies', 'bundleDependencies', 'peerDependencies',
  'peerDependenciesMeta', 'acceptDependencies', 'bin', 'directories', 'dist', 'engines', '_hasShrinkwrap', 'hasInstallScript',
  'os', 'cpu', 'libc', 'deprecated', 'funding', 'license',
]
const corgiType = 'application/vnd.npm.install-v1+json'

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status}`)
  }
}

const fail = (status: number, error: string, headers?: Record<string, string>) => new HttpError(status, { error }, headers)

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** bytes to send as they are (tarballs) */
  raw?: Buffer
}

const ok = (body: unknown, status = 200): Answer => ({ status, body })
const noContent = (): Answer => ({ status: 204 })

/** What a handler gets: the request, its parsed body and the route's decoded parameters. */
interface Call {
  req: IncomingMessage
  query: URLSearchParams
  /** the JSON body when it is an object, else {} */
  body: Body
  /** the JSON body whatever it is (a dist-tag's version is a bare string) */
  value: unknown
  params: string[]
}

// request bodies are whatever the client sent; handlers check the fields they use
type Body = Record<string, any>

function newToken(): string {
  return `npm_${randomBytes(18).toString('base64url')}`
}

function randomId(): string {
  return randomBytes(8).toString('hex')
}

function scopeOf(name: string): string | undefined {
  return name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseBody(raw: Buffer): unknown {
  if (!raw.length) return undefined
  const text = raw.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function matches(match: RequestMatcher, method: string, path: string): boolean {
  if (typeof match === 'string') return match === path
  if (match instanceof RegExp) return match.test(path)
  return match(method, path)
}

/** npmjs answers `read`/`write`, and npm's own `read-only`/`read-write` when asked `format=cli`. */
function wire(perms: Record<string, Permission>, query: URLSearchParams): Record<string, string> {
  if (query.get('format') === 'cli') return perms
  return Object.fromEntries(Object.entries(perms).map(([k, v]) => [k, v === 'read-write' ? 'write' : 'read']))
}

function abbreviated(doc: Packument) {
  const versions: Record<string, Manifest> = {}
  for (const [version, manifest] of Object.entries(doc.versions)) {
    versions[version] = Object.fromEntries(installFields.filter((f) => f in manifest).map((f) => [f, manifest[f]]))
  }
  return { name: doc.name, modified: doc.time.modified, 'dist-tags': doc['dist-tags'], versions }
}

function buildState(opts: NpmjsRegistryOptions): { state: RegistryState; tokens: Record<string, string> } {
  const state: RegistryState = { users: new Map(), tokens: new Map(), packages: new Map(), orgs: new Map(), paidScopes: new Set(opts.paidScopes ?? []) }
  const tokens: Record<string, string> = {}
  for (const u of opts.users) {
    state.users.set(u.name, { name: u.name, password: u.password, email: u.email ?? `${u.name}@example.com`, tfa: u.tfa ?? false })
    const token = u.token ?? newToken()
    state.tokens.set(token, u.name)
    tokens[u.name] = token
  }
  for (const [name, org] of Object.entries(opts.orgs ?? {})) {
    const teams = new Map<string, Team>()
    teams.set('developers', { members: new Set(org.teams?.developers ?? Object.keys(org.members)), packages: new Map() })
    for (const [team, members] of Object.entries(org.teams ?? {})) teams.set(team, { members: new Set(members), packages: new Map() })
    state.orgs.set(name, { members: new Map(Object.entries(org.members)), teams })
  }
  return { state, tokens }
}

export async function startNpmjsRegistry(opts: NpmjsRegistryOptions): Promise<NpmjsRegistry> {
  const otp = opts.otp ?? '123456'
  const { state, tokens } = buildState(opts)
  const startedAt = new Date().toISOString()
  const requests: RecordedRequest[] = []
  const injected: { match: RequestMatcher; answer: Answer }[] = []
  /** web login id -> the user who signed in, once they have */
  const webLogins = new Map<string, { user?: string }>()
  /** web 2FA id -> whose check it is, and whether they approved it */
  const webOtps = new Map<string, { user: string; approved: boolean }>()
  /** one-time passwords handed out by the web 2FA flow -> their user */
  const webOtpCodes = new Map<string, string>()
  let url = ''

  // --- who is asking, and what may they do -------------------------------------------------

  /** The user the credentials name, undefined when there are none; bad credentials are a 401. */
  function caller(call: Call): string | undefined {
    const header = call.req.headers.authorization
    if (!header) return undefined
    const [kind, value = ''] = header.split(' ')
    if (kind === 'Bearer') {
      const user = state.tokens.get(value)
      if (!user) throw fail(401, messages.badToken)
      return user
    }
    if (kind === 'Basic') {
      const [name, ...rest] = Buffer.from(value, 'base64').toString('utf8').split(':')
      if (state.users.get(name)?.password !== rest.join(':')) throw fail(401, 'Incorrect username or password.', { 'www-authenticate': 'Basic realm="npm"' })
      return name
    }
    throw fail(401, messages.badToken)
  }

  function signedIn(call: Call): string {
    const user = caller(call)
    if (!user) throw fail(401, messages.needAuth, { 'www-authenticate': 'Basic realm="npm"' })
    return user
  }

  function otpAccepted(call: Call, user: string): boolean {
    const sent = call.req.headers['npm-otp']
    return sent === otp || (typeof sent === 'string' && webOtpCodes.get(sent) === user)
  }

  /**
   * A one-time password where the user's 2FA mode asks for one (`login`: every mode; a write: all
   * but auth-only), or where the package demands one (`required`). Missing or wrong: 401 with
   * `www-authenticate: OTP`, which npm reads as EOTP; web 2FA adds authUrl and doneUrl.
   */
  function demandOtp(call: Call, user: string, { login = false, required = false } = {}): void {
    const tfa = state.users.get(user)?.tfa ?? false
    const asked = required || (tfa !== false && (login || tfa !== 'auth-only'))
    if (!asked || otpAccepted(call, user)) return
    if (!tfa) throw fail(401, messages.packageNeedsTfa)
    if (tfa === 'web' && !call.req.headers['npm-otp']) {
      const id = randomId()
      webOtps.set(id, { user, approved: false })
      const body = { error: messages.otp, authUrl: `${url}-/v1/auth/${id}`, doneUrl: `${url}-/v1/auth/done/${id}` }
      throw new HttpError(401, body, { 'www-authenticate': 'OTP' })
    }
    throw fail(401, messages.otp, { 'www-authenticate': 'OTP' })
  }

  /** Signed in, and past two-factor authentication for a write (npmjs checks that before anything else). */
  function writer(call: Call): string {
    const user = signedIn(call)
    demandOtp(call, user)
    return user
  }

  function orgOf(pkg: string): Org | undefined {
    const scope = scopeOf(pkg)
    return scope ? state.orgs.get(scope.slice(1)) : undefined
  }

  function teamPermission(pkg: string, user: string): Permission | undefined {
    let best: Permission | undefined
    for (const team of orgOf(pkg)?.teams.values() ?? []) {
      const perm = team.members.has(user) ? team.packages.get(pkg) : undefined
      if (perm === 'read-write') return perm
      best = perm ?? best
    }
    return best
  }

  function permission(pkg: StoredPackage, user: string | undefined): Permission | undefined {
    if (!user) return undefined
    if (pkg.doc.maintainers.some((m) => m.name === user)) return 'read-write'
    const role = orgOf(pkg.doc.name)?.members.get(user)
    if (role === 'owner' || role === 'admin') return 'read-write'
    return teamPermission(pkg.doc.name, user)
  }

  function readable(name: string, user: string | undefined): StoredPackage {
    const pkg = state.packages.get(name)
    // npmjs answers 404 for a private package the user cannot read: it does not admit it exists
    if (!pkg || (pkg.access === 'restricted' && !permission(pkg, user))) throw fail(404, messages.notFound)
    return pkg
  }

  function writable(name: string, user: string): StoredPackage {
    const pkg = readable(name, user)
    if (permission(pkg, user) !== 'read-write') throw fail(403, messages.noPermission(name))
    return pkg
  }

  function requireScopedPaid(name: string): void {
    const scope = scopeOf(name)
    if (!scope || !state.paidScopes.has(scope)) throw fail(402, messages.paid)
  }

  function bumpRev(doc: Packument): void {
    const n = Number(doc._rev.split('-')[0]) + 1
    doc._rev = `${n}-${createHash('md5').update(`${doc.name}:${n}:${JSON.stringify(doc.maintainers)}`).digest('hex')}`
    doc.time.modified = new Date().toISOString()
  }

  function findOrg(name: string): Org {
    const org = state.orgs.get(name)
    if (!org) throw fail(404, 'Org not found')
    return org
  }

  function findTeam(orgName: string, teamName: string): Team {
    const team = findOrg(orgName).teams.get(teamName)
    if (!team) throw fail(404, 'Team not found')
    return team
  }

  function requireOrgAdmin(orgName: string, user: string): Org {
    const org = findOrg(orgName)
    const role = org.members.get(user)
    if (role !== 'owner' && role !== 'admin') throw fail(403, `You must be an admin or owner of ${orgName} to do this.`)
    return org
  }

  function requireUserExists(name: unknown): string {
    if (typeof name !== 'string' || !name) throw fail(400, 'user is required')
    if (!state.users.has(name)) throw fail(404, `User ${name} not found`)
    return name
  }

  // --- users, logins and tokens --------------------------------------------------------------

  function whoami(call: Call): Answer {
    return ok({ username: signedIn(call) })
  }

  /** PUT /-/user/org.couchdb.user:<name>, npm-profile's loginCouch (and adduserCouch for a known user). */
  function couchLogin(call: Call): Answer {
    const [name] = call.params
    const user = state.users.get(name)
    if (!user) throw fail(400, `There is no user with the username "${name}".`)
    if (call.body.password !== user.password) {
      throw new HttpError(401, { ok: false, error: 'Incorrect username or password.' }, { 'www-authenticate': 'Basic realm="npm"' })
    }
    demandOtp(call, name, { login: true })
    const token = newToken()
    state.tokens.set(token, name)
    // npm/registry's documented login response; id and rev are vestigial
    return ok({ ok: true, id: 'org.couchdb.user:undefined', rev: '_we_dont_use_revs_any_more', token }, 201)
  }

  function userDocument(call: Call): Answer {
    const user = state.users.get(call.params[0])
    if (!user) throw fail(404, messages.notFound)
    return ok({ _id: `org.couchdb.user:${user.name}`, name: user.name, email: user.email })
  }

  /** POST /-/v1/login, npm-profile's loginWeb: the person opens loginUrl, npm polls doneUrl. */
  function startWebLogin(): Answer {
    const id = randomId()
    webLogins.set(id, {})
    return ok({ loginUrl: `${url}-/v1/login/cli/${id}`, doneUrl: `${url}-/v1/done?authId=${id}` })
  }

  /** The browser page; `?user=<name>` signs that person in, as completeWebLogin does. */
  function webLoginPage(call: Call): Answer {
    const pending = webLogins.get(call.params[0])
    if (!pending) throw fail(404, messages.notFound)
    const user = call.query.get('user')
    if (user) pending.user = requireUserExists(user)
    return ok({ ok: true })
  }

  function webLoginDone(call: Call): Answer {
    const id = call.query.get('authId') ?? ''
    const pending = webLogins.get(id)
    if (!pending) throw fail(404, messages.notFound)
    // npm-profile waits retry-after seconds (fractions too) between polls
    if (!pending.user) return { status: 202, body: {}, headers: { 'retry-after': '0.1' } }
    webLogins.delete(id)
    const token = newToken()
    state.tokens.set(token, pending.user)
    return ok({ token })
  }

  /** The browser page of a web 2FA check; `?approve=1` approves it, as completeWebOtp does. */
  function webOtpPage(call: Call): Answer {
    const check = webOtps.get(call.params[0])
    if (!check) throw fail(404, messages.notFound)
    if (call.query.get('approve')) check.approved = true
    return ok({ ok: true })
  }

  function webOtpDone(call: Call): Answer {
    const [id] = call.params
    const check = webOtps.get(id)
    if (!check) throw fail(404, messages.notFound)
    if (!check.approved) return { status: 202, body: {}, headers: { 'retry-after': '0.1' } }
    webOtps.delete(id)
    const code = `web-otp-${randomId()}`
    webOtpCodes.set(code, check.user)
    return ok({ token: code })
  }

  /** DELETE /-/user/token/<token>, as npm logout revokes the token it was using. */
  function revokeToken(call: Call): Answer {
    const user = signedIn(call)
    const [token] = call.params
    if (state.tokens.get(token) !== user) throw fail(404, messages.notFound)
    state.tokens.delete(token)
    return ok({ ok: true })
  }

  function tokenKey(token: string): string {
    return createHash('sha512').update(token).digest('hex')
  }

  function listTokens(call: Call): Answer {
    const user = signedIn(call)
    const objects = [...state.tokens].filter(([, owner]) => owner === user).map(([token]) => ({
      token: `${token.slice(0, 8)}…`,
      key: tokenKey(token),
      cidr_whitelist: null,
      readonly: false,
      created: startedAt,
      updated: startedAt,
    }))
    return ok({ objects, total: objects.length, urls: {} })
  }

  function deleteTokenByKey(call: Call): Answer {
    const user = writer(call)
    const found = [...state.tokens].find(([token, owner]) => owner === user && tokenKey(token) === call.params[0])
    if (!found) throw fail(404, messages.notFound)
    state.tokens.delete(found[0])
    return noContent()
  }

  function profile(call: Call): Answer {
    const user = state.users.get(signedIn(call))!
    const tfa = user.tfa ? { mode: user.tfa === 'auth-only' ? 'auth-only' : 'auth-and-writes', pending: false } : false
    return ok({ name: user.name, email: user.email, email_verified: true, tfa, cidr_whitelist: null, created: startedAt, updated: startedAt })
  }

  // --- packages ------------------------------------------------------------------------------

  function packument(call: Call): Answer {
    const pkg = readable(call.params[0], caller(call))
    const accept = String(call.req.headers.accept ?? '')
    if (accept.includes(corgiType)) return { status: 200, body: abbreviated(pkg.doc), headers: { 'content-type': corgiType } }
    return ok(pkg.doc)
  }

  function tarball(call: Call): Answer {
    const [name, file] = call.params
    const data = readable(name, caller(call)).tarballs.get(file)
    if (!data) throw fail(404, messages.notFound)
    return { status: 200, raw: data, headers: { 'content-type': 'application/octet-stream' } }
  }

  /** Who may create a package in this scope: its user, or a member of its org. */
  function checkScopeForNewPackage(name: string, user: string): void {
    const scope = scopeOf(name)?.slice(1)
    if (!scope || scope === user) return
    const org = state.orgs.get(scope)
    if (org?.members.has(user)) return
    if (org || state.users.has(scope)) throw fail(403, messages.noPermission(name))
    throw fail(404, 'Scope not found')
  }

  function createPackage(name: string, user: string, access: StoredPackage['access']): StoredPackage {
    const doc: Packument = {
      _id: name,
      _rev: '0-new',
      name,
      'dist-tags': {},
      versions: {},
      maintainers: [{ name: user, email: state.users.get(user)!.email }],
      time: { created: new Date().toISOString() },
    }
    const pkg: StoredPackage = { doc, access, tarballs: new Map(), mfa: { publish_requires_tfa: false, automation_token_overrides_tfa: false } }
    // npmjs: the developers team gets read-write on every new package of the org
    orgOf(name)?.teams.get('developers')?.packages.set(name, 'read-write')
    state.packages.set(name, pkg)
    return pkg
  }

  function addVersions(pkg: StoredPackage, body: Body, user: string): void {
    const base = pkg.doc.name.split('/').pop()
    const npmUser = { name: user, email: state.users.get(user)!.email }
    for (const [version, manifest] of Object.entries((body.versions ?? {}) as Record<string, Manifest>)) {
      const dist = { ...manifest.dist, tarball: `${url}${pkg.doc.name}/-/${base}-${version}.tgz` }
      pkg.doc.versions[version] = { ...manifest, dist, _npmUser: npmUser, maintainers: pkg.doc.maintainers }
      pkg.doc.time[version] = new Date().toISOString()
    }
    Object.assign(pkg.doc['dist-tags'], body['dist-tags'] ?? {})
    for (const [file, attachment] of Object.entries((body._attachments ?? {}) as Record<string, { data: string }>)) {
      pkg.tarballs.set(file.split('/').pop()!, Buffer.from(attachment.data, 'base64'))
    }
    const latest = pkg.doc.versions[pkg.doc['dist-tags'].latest]
    if (latest) for (const field of ['description', 'license', 'repository', 'homepage', 'keywords', 'author']) if (field in latest) pkg.doc[field] = latest[field]
    bumpRev(pkg.doc)
  }

  /**
   * PUT /<name> with libnpmpublish's body. A new scoped package is restricted unless `access` is
   * 'public'; on an existing package an explicit `access` changes it, as `npm access set status`
   * would (npm's documented behaviour). A body with no new version is a metadata update, as
   * `npm deprecate` sends it.
   */
  function publish(call: Call): Answer {
    const [name] = call.params
    const user = writer(call)
    const body = call.body
    const access = body.access === 'public' || body.access === 'restricted' ? (body.access as StoredPackage['access']) : undefined
    const existing = state.packages.get(name)
    const sent = Object.keys(body.versions ?? {})
    const attached = Object.keys(body._attachments ?? {}).length > 0
    if (existing && !attached && sent.every((v) => existing.doc.versions[v])) {
      writable(name, user)
      return updateMetadata(existing, body)
    }
    if (!sent.length || !attached) throw fail(400, 'A publish needs a version and its tarball.')
    if (!existing) {
      checkScopeForNewPackage(name, user)
      const initial = access ?? (scopeOf(name) ? 'restricted' : 'public')
      if (initial === 'restricted') requireScopedPaid(name)
      addVersions(createPackage(name, user, initial), body, user)
      return ok({ ok: true, id: name, rev: state.packages.get(name)!.doc._rev })
    }
    writable(name, user)
    demandOtp(call, user, { required: existing.mfa.publish_requires_tfa })
    const taken = sent.filter((v) => existing.doc.versions[v])
    if (taken.length) throw fail(403, messages.publishedOver(taken))
    if (access === 'restricted' && existing.access !== 'restricted') requireScopedPaid(name)
    if (access && scopeOf(name)) existing.access = access
    addVersions(existing, body, user)
    return ok({ ok: true, id: name, rev: existing.doc._rev })
  }

  function updateMetadata(pkg: StoredPackage, body: Body): Answer {
    for (const [version, manifest] of Object.entries((body.versions ?? {}) as Record<string, Manifest>)) {
      const stored = pkg.doc.versions[version]
      if (manifest.deprecated) stored.deprecated = manifest.deprecated
      else delete stored.deprecated
    }
    bumpRev(pkg.doc)
    return ok({ ok: true, id: pkg.doc.name, rev: pkg.doc._rev })
  }

  /** PUT /<name>/-rev/<rev> with new maintainers, as npm owner add/rm sends it. */
  function setMaintainers(call: Call): Answer {
    const [name, rev] = call.params
    const user = writer(call)
    const pkg = writable(name, user)
    if (rev !== pkg.doc._rev || (call.body._rev && call.body._rev !== pkg.doc._rev)) throw fail(409, 'Document update conflict.')
    const maintainers = (call.body.maintainers ?? []) as Person[]
    if (!Array.isArray(maintainers) || !maintainers.length) throw fail(400, 'A package needs at least one maintainer.')
    pkg.doc.maintainers = maintainers.map((m) => ({ name: requireUserExists(m.name), email: state.users.get(m.name)!.email }))
    bumpRev(pkg.doc)
    return ok({ ok: true, id: name, rev: pkg.doc._rev })
  }

  /** POST /-/package/<name>/access: `access` (scoped packages only) and the 2FA policy. */
  function setAccess(call: Call): Answer {
    const [name] = call.params
    const user = writer(call)
    const pkg = writable(name, user)
    const { access, publish_requires_tfa, automation_token_overrides_tfa } = call.body
    if (access !== undefined) {
      if (!scopeOf(name)) throw fail(400, 'Only scoped packages can be made private.')
      if (access !== 'public' && access !== 'restricted') throw fail(400, `Invalid access: ${access}`)
      if (access === 'restricted') requireScopedPaid(name)
      pkg.access = access
    }
    if (typeof publish_requires_tfa === 'boolean') pkg.mfa.publish_requires_tfa = publish_requires_tfa
    if (typeof automation_token_overrides_tfa === 'boolean') pkg.mfa.automation_token_overrides_tfa = automation_token_overrides_tfa
    return ok({})
  }

  function visibility(call: Call): Answer {
    return ok({ public: readable(call.params[0], caller(call)).access === 'public' })
  }

  function collaborators(call: Call): Answer {
    const [name] = call.params
    const pkg = readable(name, caller(call))
    const result: Record<string, Permission> = {}
    for (const m of pkg.doc.maintainers) result[m.name] = 'read-write'
    for (const team of orgOf(name)?.teams.values() ?? []) {
      const perm = team.packages.get(name)
      for (const member of perm ? team.members : []) if (result[member] !== 'read-write') result[member] = perm!
    }
    return ok(wire(result, call.query))
  }

  /** Packages the caller may see, with the permission `pick` gives each (none: left out). */
  function packagesList(call: Call, pick: (pkg: StoredPackage) => Permission | undefined): Answer {
    const viewer = caller(call)
    const result: Record<string, Permission> = {}
    for (const pkg of state.packages.values()) {
      if (pkg.access === 'restricted' && !permission(pkg, viewer)) continue
      const perm = pick(pkg)
      if (perm) result[pkg.doc.name] = perm
    }
    return ok(wire(result, call.query))
  }

  function userPackages(call: Call): Answer {
    const name = call.params[0]
    if (!state.users.has(name)) throw fail(404, messages.notFound)
    return packagesList(call, (pkg) => permission(pkg, name))
  }

  function orgPackages(call: Call): Answer {
    const [orgName] = call.params
    findOrg(orgName)
    const viewer = caller(call)
    return packagesList(call, (pkg) => (scopeOf(pkg.doc.name) === `@${orgName}` ? (permission(pkg, viewer) ?? 'read-only') : undefined))
  }

  function distTags(call: Call): Answer {
    return ok(readable(call.params[0], caller(call)).doc['dist-tags'])
  }

  /** PUT /-/package/<name>/dist-tags/<tag> with the version as a JSON string. */
  function setDistTag(call: Call): Answer {
    const [name, tag] = call.params
    const user = signedIn(call)
    // npmjs's documented exception: only the `latest` tag is subject to 2FA
    if (tag === 'latest') demandOtp(call, user)
    const pkg = writable(name, user)
    const version = call.value
    if (typeof version !== 'string' || !pkg.doc.versions[version]) throw fail(404, `version not found: ${String(version)}`)
    pkg.doc['dist-tags'][tag] = version
    bumpRev(pkg.doc)
    return ok({ ok: true }, 201)
  }

  function removeDistTag(call: Call): Answer {
    const [name, tag] = call.params
    const pkg = writable(name, signedIn(call))
    if (tag === 'latest') throw fail(400, 'The latest tag cannot be removed.')
    if (!pkg.doc['dist-tags'][tag]) throw fail(404, messages.notFound)
    delete pkg.doc['dist-tags'][tag]
    bumpRev(pkg.doc)
    return ok({ ok: true })
  }

  // --- organisations and teams ---------------------------------------------------------------

  function orgMembers(call: Call): Answer {
    signedIn(call)
    return ok(Object.fromEntries(findOrg(call.params[0]).members))
  }

  /** PUT /-/org/<org>/user {user, role}: npm/registry's org membership API. */
  function setOrgMember(call: Call): Answer {
    const [orgName] = call.params
    const org = requireOrgAdmin(orgName, writer(call))
    const user = requireUserExists(call.body.user)
    // the API still takes npmjs's archaic role names
    const aliases: Record<string, OrgRole> = { developer: 'developer', admin: 'admin', owner: 'owner', 'team-admin': 'admin', 'super-admin': 'owner' }
    const role = aliases[call.body.role ?? 'developer']
    if (!role) throw fail(400, `Invalid role: ${call.body.role}`)
    if (!org.members.has(user)) org.teams.get('developers')?.members.add(user)
    org.members.set(user, role)
    return ok({ org: { name: orgName, size: org.members.size }, user, role }, 201)
  }

  function removeOrgMember(call: Call): Answer {
    const org = requireOrgAdmin(call.params[0], writer(call))
    const user = requireUserExists(call.body.user)
    if (!org.members.delete(user)) throw fail(404, `${user} is not a member of ${call.params[0]}`)
    for (const team of org.teams.values()) team.members.delete(user)
    return noContent()
  }

  function orgTeams(call: Call): Answer {
    signedIn(call)
    const [orgName] = call.params
    return ok([...findOrg(orgName).teams.keys()].map((team) => `${orgName}:${team}`))
  }

  function createTeam(call: Call): Answer {
    const [orgName] = call.params
    const org = requireOrgAdmin(orgName, writer(call))
    const { name, description } = call.body
    if (typeof name !== 'string' || !name) throw fail(400, 'name is required')
    if (org.teams.has(name)) throw fail(409, `Team ${orgName}:${name} already exists`)
    org.teams.set(name, { description, members: new Set(), packages: new Map() })
    return ok({ name, description: description ?? null }, 201)
  }

  function destroyTeam(call: Call): Answer {
    const [orgName, teamName] = call.params
    const org = requireOrgAdmin(orgName, writer(call))
    findTeam(orgName, teamName)
    if (teamName === 'developers') throw fail(403, 'The developers team cannot be removed.')
    org.teams.delete(teamName)
    return noContent()
  }

  function teamMembers(call: Call): Answer {
    signedIn(call)
    return ok([...findTeam(call.params[0], call.params[1]).members])
  }

  function addTeamMember(call: Call): Answer {
    const [orgName, teamName] = call.params
    const org = requireOrgAdmin(orgName, writer(call))
    const team = findTeam(orgName, teamName)
    const user = requireUserExists(call.body.user)
    if (!org.members.has(user)) throw fail(403, `${user} is not a member of ${orgName}`)
    team.members.add(user)
    return ok({}, 201)
  }

  function removeTeamMember(call: Call): Answer {
    const [orgName, teamName] = call.params
    requireOrgAdmin(orgName, writer(call))
    const team = findTeam(orgName, teamName)
    if (!team.members.delete(requireUserExists(call.body.user))) throw fail(404, `${call.body.user} is not in ${orgName}:${teamName}`)
    return noContent()
  }

  function teamPackages(call: Call): Answer {
    signedIn(call)
    const team = findTeam(call.params[0], call.params[1])
    return packagesList(call, (pkg) => team.packages.get(pkg.doc.name))
  }

  /** PUT /-/team/<org>/<team>/package {package, permissions}: libnpmaccess's grant. */
  function grant(call: Call): Answer {
    const [orgName, teamName] = call.params
    requireOrgAdmin(orgName, writer(call))
    const team = findTeam(orgName, teamName)
    const { package: name, permissions } = call.body
    if (permissions !== 'read-only' && permissions !== 'read-write') throw fail(400, 'permissions must be read-only or read-write')
    if (!state.packages.has(name)) throw fail(404, messages.notFound)
    team.packages.set(name, permissions)
    return ok({}, 201)
  }

  function revoke(call: Call): Answer {
    const [orgName, teamName] = call.params
    requireOrgAdmin(orgName, writer(call))
    const team = findTeam(orgName, teamName)
    if (!team.packages.delete(call.body.package)) throw fail(404, messages.notFound)
    return noContent()
  }

  // --- routing -------------------------------------------------------------------------------

  // a package name in a path: `@scope%2fname` (npm's escaped form), `@scope/name`, or `name`
  const name = '(@[^/%]+(?:%2[fF]|/)[^/]+|[^/@._-][^/]*)'
  const segment = '([^/]+)'
  const routes: [method: string, path: RegExp, handler: (call: Call) => Answer][] = [
    ['GET', /^\/-\/ping$/, () => ok({})],
    ['GET', /^\/-\/whoami$/, whoami],
    ['POST', /^\/-\/v1\/login$/, startWebLogin],
    ['GET', /^\/-\/v1\/login\/cli\/([^/]+)$/, webLoginPage],
    ['GET', /^\/-\/v1\/done$/, webLoginDone],
    ['GET', /^\/-\/v1\/auth\/done\/([^/]+)$/, webOtpDone],
    ['GET', /^\/-\/v1\/auth\/([^/]+)$/, webOtpPage],
    ['PUT', /^\/-\/user\/org\.couchdb\.user:([^/]+)$/, couchLogin],
    ['GET', /^\/-\/user\/org\.couchdb\.user:([^/]+)$/, userDocument],
    ['DELETE', /^\/-\/user\/token\/([^/]+)$/, revokeToken],
    ['GET', /^\/-\/npm\/v1\/user$/, profile],
    ['GET', /^\/-\/npm\/v1\/tokens$/, listTokens],
    ['DELETE', /^\/-\/npm\/v1\/tokens\/token\/([^/]+)$/, deleteTokenByKey],
    ['GET', new RegExp(`^/-/user/${segment}/package$`), userPackages],
    ['POST', new RegExp(`^/-/package/${name}/access$`), setAccess],
    ['GET', new RegExp(`^/-/package/${name}/visibility$`), visibility],
    ['GET', new RegExp(`^/-/package/${name}/collaborators$`), collaborators],
    ['GET', new RegExp(`^/-/package/${name}/dist-tags$`), distTags],
    ['PUT', new RegExp(`^/-/package/${name}/dist-tags/${segment}$`), setDistTag],
    ['DELETE', new RegExp(`^/-/package/${name}/dist-tags/${segment}$`), removeDistTag],
    ['GET', new RegExp(`^/-/org/${segment}/package$`), orgPackages],
    ['GET', new RegExp(`^/-/org/${segment}/user$`), orgMembers],
    ['PUT', new RegExp(`^/-/org/${segment}/user$`), setOrgMember],
    ['DELETE', new RegExp(`^/-/org/${segment}/user$`), removeOrgMember],
    ['GET', new RegExp(`^/-/org/${segment}/team$`), orgTeams],
    ['PUT', new RegExp(`^/-/org/${segment}/team$`), createTeam],
    ['DELETE', new RegExp(`^/-/team/${segment}/${segment}$`), destroyTeam],
    ['GET', new RegExp(`^/-/team/${segment}/${segment}/user$`), teamMembers],
    ['PUT', new RegExp(`^/-/team/${segment}/${segment}/user$`), addTeamMember],
    ['DELETE', new RegExp(`^/-/team/${segment}/${segment}/user$`), removeTeamMember],
    ['GET', new RegExp(`^/-/team/${segment}/${segment}/package$`), teamPackages],
    ['PUT', new RegExp(`^/-/team/${segment}/${segment}/package$`), grant],
    ['DELETE', new RegExp(`^/-/team/${segment}/${segment}/package$`), revoke],
    ['GET', new RegExp(`^/${name}/-/${segment}$`), tarball],
    ['PUT', new RegExp(`^/${name}/-rev/${segment}$`), setMaintainers],
    ['GET', new RegExp(`^/${name}$`), packument],
    ['PUT', new RegExp(`^/${name}$`), publish],
  ]

  function route(req: IncomingMessage, body: unknown): Answer {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://registry')
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
    for (const [m, pattern, handler] of routes) {
      const found = m === method ? pattern.exec(pathname) : null
      if (!found) continue
      const params = found.slice(1).map((p) => decodeURIComponent(p))
      const object = typeof body === 'object' && body !== null ? (body as Body) : {}
      return handler({ req, query: searchParams, body: object, value: body, params })
    }
    throw fail(404, messages.notFound)
  }

  function answer(req: IncomingMessage, body: unknown): Answer {
    const forced = injected.findIndex((i) => matches(i.match, req.method ?? 'GET', req.url ?? '/'))
    if (forced >= 0) return injected.splice(forced, 1)[0].answer
    try {
      return route(req, body)
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, body: err.body, headers: err.headers }
      return { status: 500, body: { error: String(err) } }
    }
  }

  function send(res: ServerResponse, a: Answer): void {
    if (a.raw) {
      res.writeHead(a.status, { 'content-length': a.raw.length, ...a.headers })
      res.end(a.raw)
    } else if (a.status === 204) {
      res.writeHead(204, a.headers)
      res.end()
    } else {
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers })
      res.end(JSON.stringify(a.body ?? {}))
    }
  }

  const server = createServer(async (req, res) => {
    const body = parseBody(await readBody(req))
    const record: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, body, status: 0 }
    requests.push(record)
    const latency = typeof opts.latencyMs === 'function' ? opts.latencyMs(record.method, record.path) : opts.latencyMs
    if (latency) await new Promise((r) => setTimeout(r, latency))
    const a = answer(req, body)
    record.status = a.status
    send(res, a)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  return {
    url,
    tokens,
    otp,
    requests,
    state,
    mutations: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    clearRequests: () => void requests.splice(0),
    failNext: (match, status, body, headers) => void injected.push({ match, answer: { status, body: body ?? { error: `injected ${status}` }, headers } }),
    completeWebLogin(user) {
      if (!state.users.has(user)) throw new Error(`no user ${user}`)
      const waiting = [...webLogins.values()].find((p) => !p.user)
      if (!waiting) throw new Error('no web login is waiting')
      waiting.user = user
    },
    completeWebOtp(user) {
      const waiting = [...webOtps.values()].filter((c) => !c.approved && c.user === user)
      if (!waiting.length) throw new Error(`no web 2FA check is waiting for ${user}`)
      for (const check of waiting) check.approved = true
    },
    seedPackage(name, owner, access = 'restricted') {
      const manifest = { name, version: '1.0.0', main: 'index.js', dist: { shasum: '', tarball: '' } }
      addVersions(createPackage(name, owner, access), { versions: { '1.0.0': manifest }, 'dist-tags': { latest: '1.0.0' } }, owner)
    },
    pendingWebLogins: () => [...webLogins.values()].filter((p) => !p.user).length,
    pendingWebOtps: () => [...webOtps.values()].filter((c) => !c.approved).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
