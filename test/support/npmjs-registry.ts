// A stateful registry that behaves like registry.npmjs.org for what no installable registry
// offers: private (restricted) packages that only maintainers and granted teams can read, paid
// scopes (402), two-factor authentication (EOTP, web 2FA), web and couch login, token revocation,
// owners, visibility, dist-tags, teams and organisations; and npmjs's newer publishing API:
// trusted publishers (GitHub Actions, GitLab, CircleCI) with the OIDC exchange of a CI's ID token
// for a short-lived publish token, staged publishing (stage, list, view, download, approve,
// reject) and granular access tokens (packages, scopes, orgs, permissions, expiry, CIDR, 2FA
// bypass). Request and answer shapes follow npm's libraries (libnpmpublish, libnpmaccess,
// libnpmteam, libnpmorg, npm-profile), npm's own commands (trust, stage, token, lib/utils/oidc.js)
// and npm/registry's API documents; test/npmjs-registry*.test.ts drive the real npm CLI against
// it. Every request is recorded for parity tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as access from './npmjs/access.js'
import { HttpError, fail, messages, newToken, ok, type Answer, type Body, type Call, type OidcUse, type Registry, type Target } from './npmjs/common.js'
import * as orgs from './npmjs/orgs.js'
import * as packages from './npmjs/packages.js'
import * as stage from './npmjs/stage.js'
import * as tokens from './npmjs/tokens.js'
import * as trust from './npmjs/trust.js'
import { mintIdToken } from './npmjs/trust.js'
import type { NpmjsRegistry, NpmjsRegistryOptions, NpmjsUser, RecordedRequest, RegistryState, RequestMatcher, Team } from './npmjs/types.js'
import * as webAuth from './npmjs/web-auth.js'

export type * from './npmjs/types.js'
export { mintIdToken }

// --- the routes: every method and path the registry answers, and its handler (in npmjs/<area>.ts)

// a package name in a path: `@scope%2fname` (npm's escaped form), `@scope/name`, or `name`
const name = '(@[^/%]+(?:%2[fF]|/)[^/]+|[^/@._-][^/]*)'
const segment = '([^/]+)'
// the fourth field: what the route acts on (its first parameter), for limited tokens; the fifth: what a
// trusted publisher's token from the OIDC exchange may do there (nothing where there is none)
const routes: [method: string, path: RegExp, handler: (r: Registry, call: Call) => Answer, target?: Target, oidc?: OidcUse][] = [
  ['GET', /^\/-\/ping$/, () => ok({})],
  ['GET', /^\/-\/whoami$/, tokens.whoami],
  ['POST', /^\/-\/v1\/login$/, webAuth.startWebLogin],
  ['GET', /^\/-\/v1\/login\/cli\/([^/]+)$/, webAuth.webLoginPage],
  ['GET', /^\/-\/v1\/done$/, webAuth.webLoginDone],
  ['GET', /^\/-\/v1\/auth\/done\/([^/]+)$/, webAuth.webOtpDone],
  ['GET', /^\/-\/v1\/auth\/([^/]+)$/, webAuth.webOtpPage],
  ['PUT', /^\/-\/user\/org\.couchdb\.user:([^/]+)$/, tokens.couchLogin],
  ['GET', /^\/-\/user\/org\.couchdb\.user:([^/]+)$/, tokens.userDocument],
  ['DELETE', /^\/-\/user\/token\/([^/]+)$/, tokens.revokeToken],
  ['GET', /^\/-\/npm\/v1\/user$/, tokens.profile],
  ['GET', /^\/-\/npm\/v1\/tokens$/, tokens.listTokens],
  ['POST', /^\/-\/npm\/v1\/tokens$/, tokens.createToken],
  ['DELETE', /^\/-\/npm\/v1\/tokens\/token\/([^/]+)$/, tokens.deleteTokenByKey],
  ['POST', new RegExp(`^/-/npm/v1/oidc/token/exchange/package/${name}$`), trust.exchangeIdToken],
  ['GET', new RegExp(`^/-/user/${segment}/package$`), access.userPackages],
  ['POST', new RegExp(`^/-/package/${name}/access$`), access.setAccess, 'package'],
  ['GET', new RegExp(`^/-/package/${name}/visibility$`), access.visibility, 'package', 'read'],
  ['GET', new RegExp(`^/-/package/${name}/collaborators$`), access.collaborators, 'package'],
  ['GET', new RegExp(`^/-/package/${name}/trust$`), trust.listTrust, 'package'],
  ['POST', new RegExp(`^/-/package/${name}/trust$`), trust.createTrust, 'package'],
  ['DELETE', new RegExp(`^/-/package/${name}/trust/${segment}$`), trust.revokeTrust, 'package'],
  ['GET', new RegExp(`^/-/package/${name}/dist-tags$`), packages.distTags, 'package'],
  ['PUT', new RegExp(`^/-/package/${name}/dist-tags/${segment}$`), packages.setDistTag, 'package'],
  ['DELETE', new RegExp(`^/-/package/${name}/dist-tags/${segment}$`), packages.removeDistTag, 'package'],
  ['POST', new RegExp(`^/-/stage/package/${name}$`), stage.stagePublish, 'package', 'createStagedPackage'],
  ['GET', /^\/-\/stage$/, stage.listStaged],
  ['GET', new RegExp(`^/-/stage/${segment}/tarball$`), stage.stagedTarball],
  ['POST', new RegExp(`^/-/stage/${segment}/approve$`), stage.approveStaged],
  ['GET', new RegExp(`^/-/stage/${segment}$`), stage.viewStaged],
  ['DELETE', new RegExp(`^/-/stage/${segment}$`), stage.rejectStaged],
  ['GET', new RegExp(`^/-/org/${segment}/package$`), access.orgPackages, 'org'],
  ['GET', new RegExp(`^/-/org/${segment}/user$`), orgs.orgMembers, 'org'],
  ['PUT', new RegExp(`^/-/org/${segment}/user$`), orgs.setOrgMember, 'org'],
  ['DELETE', new RegExp(`^/-/org/${segment}/user$`), orgs.removeOrgMember, 'org'],
  ['GET', new RegExp(`^/-/org/${segment}/team$`), orgs.orgTeams, 'org'],
  ['PUT', new RegExp(`^/-/org/${segment}/team$`), orgs.createTeam, 'org'],
  ['DELETE', new RegExp(`^/-/team/${segment}/${segment}$`), orgs.destroyTeam, 'org'],
  ['GET', new RegExp(`^/-/team/${segment}/${segment}/user$`), orgs.teamMembers, 'org'],
  ['PUT', new RegExp(`^/-/team/${segment}/${segment}/user$`), orgs.addTeamMember, 'org'],
  ['DELETE', new RegExp(`^/-/team/${segment}/${segment}/user$`), orgs.removeTeamMember, 'org'],
  ['GET', new RegExp(`^/-/team/${segment}/${segment}/package$`), orgs.teamPackages, 'org'],
  ['PUT', new RegExp(`^/-/team/${segment}/${segment}/package$`), orgs.grant, 'org'],
  ['DELETE', new RegExp(`^/-/team/${segment}/${segment}/package$`), orgs.revoke, 'org'],
  ['GET', new RegExp(`^/${name}/-/${segment}$`), packages.tarball, 'package', 'read'],
  ['PUT', new RegExp(`^/${name}/-rev/${segment}$`), packages.setMaintainers, 'package'],
  ['GET', new RegExp(`^/${name}$`), packages.packument, 'package', 'read'],
  ['PUT', new RegExp(`^/${name}$`), packages.publish, 'package', 'createPackage'],
]

/** alice, bob and carol (password `<name>-pw`), and otto, who has two-factor authentication on. */
export const usualUsers: NpmjsUser[] = [
  { name: 'alice', password: 'alice-pw' },
  { name: 'bob', password: 'bob-pw' },
  { name: 'carol', password: 'carol-pw' },
  { name: 'otto', password: 'otto-pw', tfa: true },
]

function buildState(opts: NpmjsRegistryOptions): { state: RegistryState; tokens: Record<string, string> } {
  const state: RegistryState = {
    users: new Map(),
    tokens: new Map(),
    packages: new Map(),
    orgs: new Map(),
    paidScopes: new Set(opts.paidScopes ?? []),
    grants: new Map(),
    trustTokens: new Map(),
    staged: new Map(),
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
    teams.set('developers', { members: new Set(org.teams?.developers ?? Object.keys(org.members)), packages: new Map() })
    for (const [team, members] of Object.entries(org.teams ?? {})) teams.set(team, { members: new Set(members), packages: new Map() })
    state.orgs.set(name, { members: new Map(Object.entries(org.members)), teams })
  }
  return { state, tokens }
}

export async function startNpmjsRegistry(opts: NpmjsRegistryOptions): Promise<NpmjsRegistry> {
  const otp = opts.otp ?? '123456'
  const pageSize = opts.pageSize ?? 10
  const { state, tokens } = buildState(opts)
  const requests: RecordedRequest[] = []
  const injected: { match: RequestMatcher; answer: Answer }[] = []
  const registry: Registry = {
    state,
    url: '',
    otp,
    pageSize,
    startedAt: new Date().toISOString(),
    webLogins: new Map(),
    webOtps: new Map(),
    webOtpCodes: new Map(),
  }
  const { webLogins, webOtps } = registry

  function route(req: IncomingMessage, body: unknown): Answer {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://registry')
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
    for (const [m, pattern, handler, target, oidc] of routes) {
      const found = m === method ? pattern.exec(pathname) : null
      if (!found) continue
      const params = found.slice(1).map((p) => decodeURIComponent(p))
      const object = typeof body === 'object' && body !== null ? (body as Body) : {}
      const call: Call = { req, query: searchParams, body: object, value: body, params, oidc }
      if (target) call.target = { kind: target, name: params[0] }
      return handler(registry, call)
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
  // clients (npm's agent, kept alive across a test file) reuse idle sockets: a server that closes
  // them after Node's 5 s default races a reused one and the request hangs up. Keep them longer.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  registry.url = url

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
      packages.addVersions(
        registry,
        packages.createPackage(registry, name, owner, access),
        { versions: { '1.0.0': manifest }, 'dist-tags': { latest: '1.0.0' } },
        owner,
      )
    },
    idToken: (spec) => mintIdToken(url, spec),
    pendingWebLogins: () => [...webLogins.values()].filter((p) => !p.user).length,
    pendingWebOtps: () => [...webOtps.values()].filter((c) => !c.approved).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
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
