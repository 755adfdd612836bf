// A stateful registry that behaves like registry.npmjs.org for what no installable registry
// offers: private (restricted) packages that only maintainers and granted teams can read, paid
// scopes (402), two-factor authentication (EOTP, web 2FA), web login, token revocation, owners,
// visibility, teams and organisations. Request shapes follow npm's libraries (libnpmpublish,
// libnpmaccess, libnpmteam, libnpmorg, npm-profile); test/npmjs-registry.test.ts drives the real
// npm CLI against it. Every request is recorded for parity tests.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface NpmjsUser {
  name: string
  password: string
  email?: string
  /** default: a random npm_… token */
  token?: string
  /** two-factor authentication: mutations need a one-time password ('web': offered as a web flow) */
  tfa?: boolean | 'web'
}

export type OrgRole = 'developer' | 'admin' | 'owner'

export interface NpmjsRegistryOptions {
  users: NpmjsUser[]
  /** scopes (with @) whose private packages are paid for; others answer 402 */
  paidScopes?: string[]
  orgs?: Record<string, { members: Record<string, OrgRole>; teams?: Record<string, string[]> }>
  /** the one valid one-time password (default 123456) */
  otp?: string
  /** delay every answer by this many ms */
  latencyMs?: number
}

export interface RecordedRequest {
  method: string
  /** path and query, as sent */
  path: string
  headers: Record<string, string | string[] | undefined>
  /** parsed JSON when the body is JSON, else the raw text, or undefined */
  body: unknown
  status: number
}

export type Permission = 'read-only' | 'read-write'

export interface StoredPackage {
  doc: Packument
  access: 'public' | 'restricted'
  tarballs: Map<string, Buffer>
  mfa: { publish_requires_tfa: boolean; automation_token_overrides_tfa: boolean }
}

interface Packument {
  _id: string
  _rev: string
  name: string
  'dist-tags': Record<string, string>
  versions: Record<string, Record<string, unknown> & { dist?: { tarball?: string; integrity?: string; shasum?: string } }>
  maintainers: { name: string; email?: string }[]
  time: Record<string, string>
  [key: string]: unknown
}

interface Team {
  description?: string
  members: Set<string>
  packages: Map<string, Permission>
}

interface Org {
  members: Map<string, OrgRole>
  teams: Map<string, Team>
}

interface Pending {
  user?: string
}

export interface RegistryState {
  users: Map<string, Required<Omit<NpmjsUser, 'token'>> & { tfa: boolean | 'web' }>
  tokens: Map<string, string>
  packages: Map<string, StoredPackage>
  orgs: Map<string, Org>
  paidScopes: Set<string>
}

export interface NpmjsRegistry {
  /** http://127.0.0.1:PORT/ */
  url: string
  /** user name -> the token given at start */
  tokens: Record<string, string>
  requests: RecordedRequest[]
  state: RegistryState
  /** requests that changed something (not GET/HEAD) */
  mutations(): RecordedRequest[]
  clearRequests(): void
  /** the next request matching gets this answer instead (once) */
  failNext(match: (method: string, path: string) => boolean, status: number, body?: unknown): void
  /** finish a pending web login as this user (the person "clicks" in the browser) */
  completeWebLogin(user: string): void
  /** finish a pending web 2FA check for this user */
  completeWebOtp(user: string): void
  /** pending web logins / web 2FA checks, to wait for in tests */
  pendingWebLogins(): number
  pendingWebOtps(): number
  close(): Promise<void>
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body && 'error' in body ? String((body as { error: unknown }).error) : String(status))
  }
}

const fail = (status: number, error: string, headers?: Record<string, string>) => new HttpError(status, { error }, headers)

function newToken(): string {
  return `npm_${randomBytes(18).toString('base64url')}`
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

export async function startNpmjsRegistry(opts: NpmjsRegistryOptions): Promise<NpmjsRegistry> {
  const otp = opts.otp ?? '123456'
  const state: RegistryState = {
    users: new Map(),
    tokens: new Map(),
    packages: new Map(),
    orgs: new Map(),
    paidScopes: new Set(opts.paidScopes ?? []),
  }
  const tokens: Record<string, string> = {}
  for (const u of opts.users) {
    state.users.set(u.name, { name: u.name, password: u.password, email: u.email ?? `${u.name}@example.com`, tfa: u.tfa ?? false })
    const token = u.token ?? newToken()
    state.tokens.set(token, u.name)
    tokens[u.name] = token
  }
  for (const [name, org] of Object.entries(opts.orgs ?? {})) {
    const teams = new Map<string, Team>()
    teams.set('developers', { members: new Set(Object.keys(org.members)), packages: new Map() })
    for (const [team, members] of Object.entries(org.teams ?? {})) teams.set(team, { members: new Set(members), packages: new Map() })
    state.orgs.set(name, { members: new Map(Object.entries(org.members)), teams })
  }

  const requests: RecordedRequest[] = []
  const injected: { match: (m: string, p: string) => boolean; status: number; body: unknown }[] = []
  const webLogins = new Map<string, Pending>()
  const webOtps = new Map<string, Pending & { for: string }>()
  /** one-time passwords handed out by the web 2FA flow */
  const webOtpTokens = new Map<string, string>()
  let url = ''

  // --- who is asking, and what may they do -------------------------------------------------

  function userOf(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization
    if (!header) return undefined
    const [kind, value] = header.split(' ')
    if (kind === 'Bearer') {
      const user = state.tokens.get(value)
      if (!user) throw fail(401, 'Unable to authenticate, your authentication token seems to be invalid.')
      return user
    }
    if (kind === 'Basic') {
      const [name, ...rest] = Buffer.from(value, 'base64').toString('utf8').split(':')
      const user = state.users.get(name)
      if (!user || user.password !== rest.join(':')) throw fail(401, 'Incorrect username or password.')
      return name
    }
    throw fail(401, 'Unsupported authorization')
  }

  function requireUser(req: IncomingMessage): string {
    const user = userOf(req)
    if (!user) throw fail(401, 'You must be logged in to do this.', { 'www-authenticate': 'Basic realm="npm"' })
    return user
  }

  /** Mutations of a user with two-factor authentication need a valid npm-otp header. */
  function requireOtp(req: IncomingMessage, user: string, always = false): void {
    const u = state.users.get(user)
    if (!u?.tfa && !always) return
    const sent = req.headers['npm-otp']
    if (sent === otp || (typeof sent === 'string' && webOtpTokens.get(sent) === user)) return
    if (u?.tfa === 'web' && !sent) {
      const id = randomBytes(8).toString('hex')
      webOtps.set(id, { for: user })
      throw new HttpError(
        401,
        { error: 'This operation requires a one-time password.', authUrl: `${url}-/v1/auth/${id}`, doneUrl: `${url}-/v1/auth/done/${id}` },
        { 'www-authenticate': 'OTP' },
      )
    }
    throw fail(401, 'This operation requires a one-time password from your authenticator.', { 'www-authenticate': 'OTP' })
  }

  function orgRole(org: string, user: string): OrgRole | undefined {
    return state.orgs.get(org)?.members.get(user)
  }

  function teamPermission(pkg: string, user: string): Permission | undefined {
    const org = state.orgs.get(scopeOf(pkg)?.slice(1) ?? '')
    let best: Permission | undefined
    for (const team of org?.teams.values() ?? []) {
      const perm = team.members.has(user) ? team.packages.get(pkg) : undefined
      if (perm === 'read-write') return perm
      if (perm) best = perm
    }
    return best
  }

  function permission(pkg: StoredPackage, user: string | undefined): Permission | undefined {
    if (!user) return undefined
    if (pkg.doc.maintainers.some((m) => m.name === user)) return 'read-write'
    const role = orgRole(scopeOf(pkg.doc.name)?.slice(1) ?? '', user)
    if (role === 'owner' || role === 'admin') return 'read-write'
    return teamPermission(pkg.doc.name, user)
  }

  function readable(name: string, user: string | undefined): StoredPackage {
    const pkg = state.packages.get(name)
    // npmjs answers 404 for a private package the user cannot see: it does not admit it exists
    if (!pkg || (pkg.access === 'restricted' && !permission(pkg, user))) throw fail(404, 'Not found')
    return pkg
  }

  function writable(name: string, user: string): StoredPackage {
    const pkg = readable(name, user)
    if (permission(pkg, user) !== 'read-write') throw fail(403, `You do not have permission to publish "${name}". Are you logged in as the correct user?`)
    return pkg
  }

  function isPaid(scope: string): boolean {
    return state.paidScopes.has(scope)
  }

  function bumpRev(doc: Packument): void {
    const n = Number(doc._rev.split('-')[0]) + 1
    doc._rev = `${n}-${createHash('md5').update(JSON.stringify(doc.versions) + n).digest('hex')}`
  }

  // --- endpoints -------------------------------------------------------------------------

  function publish(req: IncomingMessage, name: string, body: Packument & { access?: string | null; _attachments?: Record<string, { data: string }> }) {
    const user = requireUser(req)
    const existing = state.packages.get(name)
    const scope = scopeOf(name)
    if (!existing) {
      if (scope) {
        const bare = scope.slice(1)
        const org = state.orgs.get(bare)
        if (org) {
          if (!org.members.has(user)) throw fail(403, `You do not have permission to publish "${name}". Are you logged in as the correct user?`)
        } else if (bare !== user) {
          if (state.users.has(bare)) throw fail(403, `You do not have permission to publish "${name}". Are you logged in as the correct user?`)
          throw fail(404, 'Scope not found')
        }
      }
      const access = body.access === 'public' || !scope ? 'public' : 'restricted'
      if (access === 'restricted' && !isPaid(scope!)) throw fail(402, 'You must sign up for private packages')
      requireOtp(req, user)
      const u = state.users.get(user)!
      const doc: Packument = { _id: name, _rev: '0-new', name, 'dist-tags': {}, versions: {}, maintainers: [{ name: user, email: u.email }], time: { created: new Date().toISOString() } }
      state.packages.set(name, { doc, access, tarballs: new Map(), mfa: { publish_requires_tfa: false, automation_token_overrides_tfa: false } })
    } else {
      writable(name, user)
      requireOtp(req, user, existing.mfa.publish_requires_tfa)
      for (const version of Object.keys(body.versions ?? {})) {
        if (existing.doc.versions[version]) throw fail(403, `You cannot publish over the previously published versions: ${version}.`)
      }
    }
    const pkg = state.packages.get(name)!
    for (const [version, manifest] of Object.entries(body.versions ?? {})) {
      const file = `${name.split('/').pop()}-${version}.tgz`
      const dist = { ...(manifest.dist ?? {}), tarball: `${url}${name}/-/${file}` }
      pkg.doc.versions[version] = { ...manifest, dist, maintainers: pkg.doc.maintainers }
      pkg.doc.time[version] = new Date().toISOString()
    }
    for (const [tag, version] of Object.entries(body['dist-tags'] ?? {})) pkg.doc['dist-tags'][tag] = version
    for (const [file, attachment] of Object.entries(body._attachments ?? {})) {
      pkg.tarballs.set(file.split('/').pop()!, Buffer.from(attachment.data, 'base64'))
    }
    pkg.doc.time.modified = new Date().toISOString()
    bumpRev(pkg.doc)
    return { status: 200, body: { ok: true, id: name, rev: pkg.doc._rev } }
  }

  function updateMaintainers(req: IncomingMessage, name: string, body: { maintainers?: { name: string; email?: string }[]; _rev?: string }) {
    const user = requireUser(req)
    const pkg = writable(name, user)
    requireOtp(req, user)
    if (body._rev && body._rev !== pkg.doc._rev) throw fail(409, 'Document update conflict.')
    const maintainers = body.maintainers ?? []
    for (const m of maintainers) if (!state.users.has(m.name)) throw fail(404, `User ${m.name} not found`)
    if (!maintainers.length) throw fail(403, 'A package must have at least one maintainer.')
    pkg.doc.maintainers = maintainers.map((m) => ({ name: m.name, email: state.users.get(m.name)!.email }))
    bumpRev(pkg.doc)
    return { status: 200, body: { ok: true, id: name, rev: pkg.doc._rev } }
  }

  function couchLogin(req: IncomingMessage, name: string, body: { name?: string; password?: string }) {
    const user = state.users.get(name)
    if (!user) throw fail(400, 'There is no user with that name.')
    if (body.password !== user.password) throw fail(401, 'Incorrect username or password.')
    if (user.tfa && req.headers['npm-otp'] !== otp) throw fail(401, 'This operation requires a one-time password.', { 'www-authenticate': 'OTP' })
    const token = newToken()
    state.tokens.set(token, name)
    return { status: 201, body: { ok: true, id: `org.couchdb.user:${name}`, rev: '1-login', token } }
  }

  function changeAccess(req: IncomingMessage, name: string, body: Record<string, unknown>) {
    const user = requireUser(req)
    const pkg = writable(name, user)
    if (!scopeOf(name)) throw fail(400, 'Only scoped packages can have their access changed.')
    requireOtp(req, user, pkg.mfa.publish_requires_tfa)
    if (body.access === 'public' || body.access === 'restricted') {
      if (body.access === 'restricted' && !isPaid(scopeOf(name)!)) throw fail(402, 'You must sign up for private packages')
      pkg.access = body.access
    }
    if (typeof body.publish_requires_tfa === 'boolean') pkg.mfa.publish_requires_tfa = body.publish_requires_tfa
    if (typeof body.automation_token_overrides_tfa === 'boolean') pkg.mfa.automation_token_overrides_tfa = body.automation_token_overrides_tfa
    return { status: 200, body: {} }
  }

  function collaborators(name: string, user: string | undefined) {
    const pkg = readable(name, user)
    const result: Record<string, Permission> = {}
    for (const m of pkg.doc.maintainers) result[m.name] = 'read-write'
    const org = state.orgs.get(scopeOf(name)?.slice(1) ?? '')
    for (const team of org?.teams.values() ?? []) {
      const perm = team.packages.get(name)
      for (const member of perm ? team.members : []) if (result[member] !== 'read-write') result[member] = perm!
    }
    return result
  }

  function packagesVisibleTo(user: string | undefined, pick: (pkg: StoredPackage) => Permission | undefined) {
    const result: Record<string, Permission> = {}
    for (const pkg of state.packages.values()) {
      if (pkg.access === 'restricted' && !permission(pkg, user)) continue
      const perm = pick(pkg)
      if (perm) result[pkg.doc.name] = perm
    }
    return result
  }

  function org(name: string): Org {
    const found = state.orgs.get(name)
    if (!found) throw fail(404, 'Org not found')
    return found
  }

  function team(orgName: string, teamName: string): Team {
    const found = org(orgName).teams.get(teamName)
    if (!found) throw fail(404, 'Team not found')
    return found
  }

  function requireOrgAdmin(orgName: string, user: string): void {
    const role = orgRole(orgName, user)
    if (role !== 'owner' && role !== 'admin') throw fail(403, `You must be an admin or owner of ${orgName} to do this.`)
  }

  async function route(req: IncomingMessage, method: string, path: string, body: any): Promise<{ status: number; body: unknown; headers?: Record<string, string>; raw?: Buffer }> {
    const { pathname, searchParams } = new URL(path, 'http://x')
    const parts = pathname.split('/').slice(1).map(decodeURIComponent)
    const ok = (b: unknown, status = 200) => ({ status, body: b })

    if (pathname === '/-/ping') return ok({})
    if (pathname === '/-/whoami' && method === 'GET') return ok({ username: requireUser(req) })

    // web login (npm-profile loginWeb)
    if (pathname === '/-/v1/login' && method === 'POST') {
      const id = randomBytes(8).toString('hex')
      webLogins.set(id, {})
      return ok({ loginUrl: `${url}-/v1/login/${id}`, doneUrl: `${url}-/v1/done/${id}` })
    }
    if (parts[0] === '-' && parts[1] === 'v1' && parts[2] === 'login' && parts[3] && method === 'GET') {
      const pending = webLogins.get(parts[3])
      if (!pending) throw fail(404, 'No such login')
      const user = searchParams.get('user')
      if (user) pending.user = user
      return ok({ ok: true })
    }
    if (parts[0] === '-' && parts[1] === 'v1' && parts[2] === 'done' && parts[3]) {
      const pending = webLogins.get(parts[3])
      if (!pending) throw fail(404, 'No such login')
      if (!pending.user) return { status: 202, body: {}, headers: { 'retry-after': '0.1' } }
      webLogins.delete(parts[3])
      const token = newToken()
      state.tokens.set(token, pending.user)
      return ok({ token })
    }
    // web 2FA (authUrl / doneUrl of an EOTP answer)
    if (parts[0] === '-' && parts[1] === 'v1' && parts[2] === 'auth' && parts[3] === 'done' && parts[4]) {
      const pending = webOtps.get(parts[4])
      if (!pending) throw fail(404, 'No such check')
      if (!pending.user) return { status: 202, body: {}, headers: { 'retry-after': '0.1' } }
      webOtps.delete(parts[4])
      const token = `web-otp-${randomBytes(6).toString('hex')}`
      webOtpTokens.set(token, pending.user)
      return ok({ token })
    }

    // users (npm-profile couch login, npm owner's user look-up) and token revocation
    const couch = /^\/-\/user\/org\.couchdb\.user:([^/]+)$/.exec(pathname)
    if (couch) {
      const name = decodeURIComponent(couch[1])
      if (method === 'PUT') return couchLogin(req, name, body)
      const user = state.users.get(name)
      if (!user) throw fail(404, 'Not found')
      return ok({ _id: `org.couchdb.user:${name}`, name, email: user.email })
    }
    if (parts[0] === '-' && parts[1] === 'user' && parts[2] === 'token' && parts[3] && method === 'DELETE') {
      const user = requireUser(req)
      if (state.tokens.get(parts[3]) !== user) throw fail(404, 'Token not found')
      state.tokens.delete(parts[3])
      return ok({})
    }
    if (parts[0] === '-' && parts[1] === 'user' && parts[3] === 'package' && method === 'GET') {
      const caller = userOf(req)
      const name = parts[2]
      if (!state.users.has(name)) throw fail(404, 'User not found')
      return ok(packagesVisibleTo(caller, (pkg) => (pkg.doc.maintainers.some((m) => m.name === name) ? 'read-write' : undefined)))
    }

    // libnpmaccess
    if (parts[0] === '-' && parts[1] === 'package' && parts[2]) {
      const name = parts[2]
      if (parts[3] === 'access' && method === 'POST') return changeAccess(req, name, body)
      if (parts[3] === 'collaborators' && method === 'GET') return ok(collaborators(name, userOf(req)))
      if (parts[3] === 'visibility' && method === 'GET') return ok({ public: readable(name, userOf(req)).access === 'public' })
    }
    if (parts[0] === '-' && parts[1] === 'org' && parts[2]) {
      const orgName = parts[2]
      if (parts[3] === 'package' && method === 'GET') {
        org(orgName)
        const caller = userOf(req)
        return ok(packagesVisibleTo(caller, (pkg) => (scopeOf(pkg.doc.name) === `@${orgName}` ? (permission(pkg, caller) ?? 'read-only') : undefined)))
      }
      if (parts[3] === 'team' && method === 'GET') {
        requireUser(req)
        return ok([...org(orgName).teams.keys()].map((t) => `${orgName}:${t}`))
      }
      if (parts[3] === 'team' && method === 'PUT') {
        const user = requireUser(req)
        requireOrgAdmin(orgName, user)
        requireOtp(req, user)
        const o = org(orgName)
        if (o.teams.has(body.name)) throw fail(409, 'Team already exists')
        o.teams.set(body.name, { description: body.description, members: new Set(), packages: new Map() })
        return ok({ name: body.name, description: body.description ?? null }, 201)
      }
      if (parts[3] === 'user') {
        const user = requireUser(req)
        const o = org(orgName)
        if (method === 'GET') return ok(Object.fromEntries(o.members))
        requireOrgAdmin(orgName, user)
        requireOtp(req, user)
        if (!state.users.has(body.user)) throw fail(404, 'User not found')
        if (method === 'PUT') {
          o.members.set(body.user, body.role ?? 'developer')
          o.teams.get('developers')?.members.add(body.user)
          return ok({ org: { name: orgName, size: o.members.size }, user: body.user, role: body.role ?? 'developer' })
        }
        if (method === 'DELETE') {
          o.members.delete(body.user)
          for (const t of o.teams.values()) t.members.delete(body.user)
          return ok({})
        }
      }
    }
    if (parts[0] === '-' && parts[1] === 'team' && parts[2] && parts[3]) {
      const [orgName, teamName] = [parts[2], parts[3]]
      if (!parts[4] && method === 'DELETE') {
        const user = requireUser(req)
        requireOrgAdmin(orgName, user)
        requireOtp(req, user)
        team(orgName, teamName)
        org(orgName).teams.delete(teamName)
        return ok({})
      }
      if (parts[4] === 'user') {
        const user = requireUser(req)
        const t = team(orgName, teamName)
        if (method === 'GET') return ok([...t.members])
        requireOrgAdmin(orgName, user)
        requireOtp(req, user)
        if (!state.users.has(body.user)) throw fail(404, 'User not found')
        if (method === 'PUT') {
          if (!orgRole(orgName, body.user)) throw fail(403, `${body.user} is not a member of ${orgName}`)
          t.members.add(body.user)
          return ok({}, 201)
        }
        if (method === 'DELETE') {
          t.members.delete(body.user)
          return ok({})
        }
      }
      if (parts[4] === 'package') {
        const caller = requireUser(req)
        const t = team(orgName, teamName)
        if (method === 'GET') return ok(packagesVisibleTo(caller, (pkg) => t.packages.get(pkg.doc.name)))
        requireOrgAdmin(orgName, caller)
        requireOtp(req, caller)
        if (!state.packages.has(body.package)) throw fail(404, 'Package not found')
        if (method === 'PUT') {
          if (body.permissions !== 'read-only' && body.permissions !== 'read-write') throw fail(400, 'permissions must be read-only or read-write')
          t.packages.set(body.package, body.permissions)
          return ok({}, 201)
        }
        if (method === 'DELETE') {
          t.packages.delete(body.package)
          return ok({})
        }
      }
    }

    // packuments /<name>, tarballs /<name>/-/<file>.tgz, owners /<name>/-rev/<rev>; a scoped
    // name arrives escaped (@scope%2fname: one part) or not (@scope/name: two parts)
    const twoParts = parts[0]?.startsWith('@') && !parts[0].includes('/') && parts[1] !== undefined
    const name = twoParts ? `${parts[0]}/${parts[1]}` : parts[0]
    const rest = parts.slice(twoParts ? 2 : 1)
    if (name && !name.startsWith('-')) {
      if (rest[0] === '-' && method === 'GET') {
        const data = readable(name, userOf(req)).tarballs.get(rest[1])
        if (!data) throw fail(404, 'Not found')
        return { status: 200, body: undefined, raw: data, headers: { 'content-type': 'application/octet-stream' } }
      }
      if (rest[0] === '-rev' && method === 'PUT') return updateMaintainers(req, name, body)
      if (rest.length === 0 && method === 'GET') return ok(readable(name, userOf(req)).doc)
      if (rest.length === 0 && method === 'PUT') return publish(req, name, body)
    }
    throw fail(404, 'Not found')
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const raw = await readBody(req)
    let body: unknown
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        body = raw.toString('utf8')
      }
    }
    const record: RecordedRequest = { method, path, headers: { ...req.headers }, body, status: 0 }
    requests.push(record)
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs))
    let answer: { status: number; body: unknown; headers?: Record<string, string>; raw?: Buffer }
    const forced = injected.findIndex((i) => i.match(method, path))
    if (forced >= 0) {
      const [inj] = injected.splice(forced, 1)
      answer = { status: inj.status, body: inj.body ?? { error: `injected ${inj.status}` } }
    } else {
      try {
        answer = await route(req, method, path, body)
      } catch (err) {
        answer = err instanceof HttpError ? { status: err.status, body: err.body, headers: err.headers } : { status: 500, body: { error: String(err) } }
      }
    }
    record.status = answer.status
    if (answer.raw) {
      res.writeHead(answer.status, answer.headers)
      res.end(answer.raw)
      return
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
    res.end(JSON.stringify(answer.body ?? {}))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

  function completeOne(pending: Map<string, Pending>, user: string, what: string): void {
    const waiting = [...pending.values()].find((p) => !p.user)
    if (!waiting) throw new Error(`no pending ${what}`)
    waiting.user = user
  }

  return {
    url,
    tokens,
    requests,
    state,
    mutations: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    clearRequests: () => void requests.splice(0),
    failNext: (match, status, body) => void injected.push({ match, status, body }),
    completeWebLogin: (user) => completeOne(webLogins, user, 'web login'),
    completeWebOtp: (user) => {
      const waiting = [...webOtps.values()].find((p) => !p.user && p.for === user)
      if (!waiting) throw new Error(`no pending web 2FA check for ${user}`)
      waiting.user = user
    },
    pendingWebLogins: () => [...webLogins.values()].filter((p) => !p.user).length,
    pendingWebOtps: () => [...webOtps.values()].filter((p) => !p.user).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
