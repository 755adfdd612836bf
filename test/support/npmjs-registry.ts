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
import { createHash, randomBytes, randomUUID } from 'node:crypto'
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
  /** entries per page of GET /-/npm/v1/tokens and GET /-/stage when the client asks for no size (default 10) */
  pageSize?: number
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
  /** trusted publishers, as GET /-/package/<name>/trust lists them */
  trust: TrustConfig[]
}

/** npm's names for what a trusted publisher may do (`npm trust --allow-publish / --allow-stage-publish`) */
export type TrustPermission = 'createPackage' | 'createStagedPackage'

export interface TrustConfig {
  /** a UUID */
  id: string
  type: 'github' | 'gitlab' | 'circleci'
  /** as npm sends them: github {repository, workflow_ref: {file}, environment?}, gitlab {project_path, ci_config_ref_uri: {file}, environment?}, circleci {'oidc.circleci.com/…'} */
  claims: Record<string, any>
  permissions: TrustPermission[]
}

/** A short-lived token from the OIDC exchange: it publishes (or stages) one package, as its trusted publisher allows. */
export interface TrustToken {
  package: string
  configId: string
  /** ms since the epoch */
  expiresAt: number
}

export type GrantPermission = 'read-only' | 'read-write' | 'no-access'

/** The limits of a granular access token (its user is in RegistryState.tokens). */
export interface TokenGrant {
  name: string
  description?: string
  created: string
  expires: string
  cidr_whitelist: string[] | null
  bypass_2fa: boolean
  packages: string[]
  /** with the @ */
  scopes: string[]
  packages_all: boolean
  packages_and_scopes_permission: GrantPermission
  orgs: string[]
  orgs_permission: GrantPermission
}

/** A staged version, as GET /-/stage/<id> answers it, with the publish body kept for approval. */
export interface StagedVersion {
  /** a UUID */
  id: string
  packageName: string
  version: string
  tag: string
  createdAt: string
  actor: string
  actorType: 'user' | 'trusted-publisher'
  shasum: string
  /** who staged it, as the registry's principal (a user name or oidc:<type>:<config id>) */
  stagedBy: string
  body: Record<string, any>
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
  /** granular access token -> its limits */
  grants: Map<string, TokenGrant>
  /** token from the OIDC exchange -> what it may publish */
  trustTokens: Map<string, TrustToken>
  /** stage id -> staged version */
  staged: Map<string, StagedVersion>
}

/** The CI whose ID token to forge, and the claims that identify the workflow. */
export type IdTokenSpec = {
  /** default `npm:<registry host>`, what npm asks GitHub for */
  audience?: string
  /** default 300 */
  ttlSeconds?: number
  /** claims to add or override (iss, exp…) */
  claims?: Record<string, unknown>
} & (
  | { provider: 'github'; repository: string; workflow: string; environment?: string; ref?: string; visibility?: 'public' | 'private' | 'internal' }
  | { provider: 'gitlab'; project: string; file: string; environment?: string; ref?: string; visibility?: 'public' | 'private' | 'internal' }
  | { provider: 'circleci'; orgId: string; projectId: string; pipelineDefinitionId: string; vcsOrigin: string; contextIds?: string[] }
)

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
  /** an unsigned ID token (header.payload.signature, base64url JSON) with the claims that CI would give */
  idToken(spec: IdTokenSpec): string
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
  // npm's oidc.js logs (at verbose level only) the `message` of a failed exchange
  oidc: (reason: string) => `OIDC token exchange error - ${reason}`,
  trustToken: (name: string) => `This token can only be used to publish ${name}.`,
  presence: 'This operation requires two-factor authentication to be enabled on your account.',
  cidr: 'This token cannot be used from your IP address.',
  orgToken: (org: string) => `This token does not have write access to the ${org} organization.`,
}

const issuers = { github: 'https://token.actions.githubusercontent.com', gitlab: 'https://gitlab.com', circleci: 'https://oidc.circleci.com/org/' }

// who npmjs names as the publisher (_npmUser) of a trusted publish: GitHub's is npmjs's own, the others follow it
const trustedPublisherUsers: Record<TrustConfig['type'], { name: string; email: string }> = {
  github: { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com' },
  gitlab: { name: 'GitLab CI/CD', email: 'npm-oidc-no-reply@gitlab.com' },
  circleci: { name: 'CircleCI', email: 'npm-oidc-no-reply@circleci.com' },
}

// how long a token from the OIDC exchange lasts
const trustTokenTtlMs = 15 * 60_000
const day = 24 * 60 * 60_000

// what npmjs keeps of a version in the abbreviated ("corgi") document npm installs from
const installFields = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'dist',
  'engines',
  '_hasShrinkwrap',
  'hasInstallScript',
  'os',
  'cpu',
  'libc',
  'deprecated',
  'funding',
  'license',
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
  handler: (call: Call) => Answer
  /** the package or org the request acts on, which granular and trusted-publishing tokens are limited to */
  target?: { kind: Target; name: string }
  /** the granular token's limits, once caller() has seen one */
  grant?: TokenGrant
}

type Target = 'package' | 'org'

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

/** Whether an IPv4 address is in a CIDR range (npm refuses IPv6 ranges before sending them). */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits = '32'] = cidr.split('/')
  const number = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits))
  return (number(ip) & mask) >>> 0 === (number(base) & mask) >>> 0
}

const cidrPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The claims GitHub, GitLab or CircleCI put in an ID token for a workflow, as an unsigned JWT. */
export function mintIdToken(registryUrl: string, spec: IdTokenSpec): string {
  const now = Math.floor(Date.now() / 1000)
  const common = { aud: spec.audience ?? `npm:${new URL(registryUrl).hostname}`, jti: randomUUID(), iat: now, nbf: now, exp: now + (spec.ttlSeconds ?? 300) }
  let claims: Record<string, unknown>
  if (spec.provider === 'github') {
    const ref = spec.ref ?? 'refs/heads/main'
    const workflowRef = `${spec.repository}/.github/workflows/${spec.workflow}@${ref}`
    claims = {
      iss: issuers.github,
      sub: `repo:${spec.repository}:${spec.environment ? `environment:${spec.environment}` : `ref:${ref}`}`,
      repository: spec.repository,
      repository_owner: spec.repository.split('/')[0],
      repository_visibility: spec.visibility ?? 'private',
      ref,
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      workflow: spec.workflow,
      workflow_ref: workflowRef,
      job_workflow_ref: workflowRef,
      event_name: 'push',
      runner_environment: 'github-hosted',
      ...(spec.environment && { environment: spec.environment }),
    }
  } else if (spec.provider === 'gitlab') {
    const ref = spec.ref ?? 'main'
    claims = {
      iss: issuers.gitlab,
      sub: `project_path:${spec.project}:ref_type:branch:ref:${ref}`,
      project_path: spec.project,
      namespace_path: spec.project.split('/').slice(0, -1).join('/'),
      project_visibility: spec.visibility ?? 'private',
      ref,
      ref_type: 'branch',
      ci_config_ref_uri: `gitlab.com/${spec.project}//${spec.file}@refs/heads/${ref}`,
      ...(spec.environment && { environment: spec.environment }),
    }
  } else {
    claims = {
      iss: `${issuers.circleci}${spec.orgId}`,
      sub: `org/${spec.orgId}/project/${spec.projectId}/user/${randomUUID()}`,
      'oidc.circleci.com/org-id': spec.orgId,
      'oidc.circleci.com/project-id': spec.projectId,
      'oidc.circleci.com/pipeline-definition-id': spec.pipelineDefinitionId,
      'oidc.circleci.com/vcs-origin': spec.vcsOrigin,
      'oidc.circleci.com/context-ids': spec.contextIds ?? [],
    }
  }
  // unsigned: the registry believes the claims, so a test can forge any it needs
  const signature = Buffer.from('unsigned').toString('base64url')
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...common, ...claims, ...spec.claims })}.${signature}`
}

/** The file in a workflow_ref (`owner/repo/.github/workflows/<file>@ref`) or ci_config_ref_uri (`host/group/project//<file>@ref`). */
function pipelineFile(ref: unknown): string | undefined {
  return typeof ref === 'string' ? /(?:\/\.github\/workflows\/|\/\/)([^@]+)@/.exec(ref)?.[1] : undefined
}

/** Whether an ID token's claims are those a trusted publisher names (npmjs's matching, as far as npm's request bodies tell it). */
function claimsMatch(config: TrustConfig, claims: Body): boolean {
  const wanted = config.claims
  if (wanted.environment && wanted.environment !== claims.environment) return false
  if (config.type === 'github') {
    return claims.iss === issuers.github && wanted.repository === claims.repository && wanted.workflow_ref?.file === pipelineFile(claims.workflow_ref)
  }
  if (config.type === 'gitlab') {
    return (
      claims.iss === issuers.gitlab && wanted.project_path === claims.project_path && wanted.ci_config_ref_uri?.file === pipelineFile(claims.ci_config_ref_uri)
    )
  }
  const keys = ['org-id', 'project-id', 'pipeline-definition-id', 'vcs-origin'].map((k) => `oidc.circleci.com/${k}`)
  const contexts = (claims['oidc.circleci.com/context-ids'] ?? []) as string[]
  return (
    claims.iss === `${issuers.circleci}${wanted['oidc.circleci.com/org-id']}` &&
    keys.every((k) => wanted[k] === claims[k]) &&
    ((wanted['oidc.circleci.com/context-ids'] ?? []) as string[]).every((c) => contexts.includes(c))
  )
}

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
      const trusted = state.trustTokens.get(value)
      if (trusted) return trustedPublisher(call, trusted)
      const user = state.tokens.get(value)
      if (!user) throw fail(401, messages.badToken)
      const grant = state.grants.get(value)
      return grant ? withinGrant(call, user, grant) : user
    }
    if (kind === 'Basic') {
      const [name, ...rest] = Buffer.from(value, 'base64').toString('utf8').split(':')
      if (state.users.get(name)?.password !== rest.join(':')) throw fail(401, 'Incorrect username or password.', { 'www-authenticate': 'Basic realm="npm"' })
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

  function grantOn(grant: TokenGrant, pkg: string): GrantPermission {
    const scope = scopeOf(pkg)
    const covered = grant.packages_all || grant.packages.includes(pkg) || (scope !== undefined && grant.scopes.includes(scope))
    return covered ? grant.packages_and_scopes_permission : 'no-access'
  }

  /**
   * A token from the OIDC exchange: its package only, to publish or stage as the trusted
   * publisher allows, and to read what npm publish reads first (packument, visibility). Its
   * principal is `oidc:<type>:<config id>`, so revoking the trusted publisher disarms it.
   */
  function trustedPublisher(call: Call, token: TrustToken): string {
    if (token.expiresAt <= Date.now()) throw fail(401, messages.badToken)
    const config = state.packages.get(token.package)?.trust.find((t) => t.id === token.configId)
    const reads = [packument, tarball, visibility].includes(call.handler)
    const needs = call.handler === publish ? 'createPackage' : call.handler === stagePublish ? 'createStagedPackage' : undefined
    const allowed = config && call.target?.name === token.package && (reads || (needs && config.permissions.includes(needs)))
    if (!allowed) throw fail(403, messages.trustToken(token.package))
    return `oidc:${config.type}:${config.id}`
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
  function demandOtp(call: Call, user: string, { login = false, required = false, bypassable = true } = {}): void {
    // a trusted publisher is its own proof; a granular token made with bypass_2fa skips what it may
    if (user.startsWith('oidc:') || (bypassable && call.grant?.bypass_2fa)) return
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

  /**
   * Proof of presence (approving or rejecting a staged version): the user has 2FA, and gives a
   * one-time password whatever their mode or token; granular tokens cannot bypass it.
   */
  function presence(call: Call): string {
    const user = signedIn(call)
    if (!state.users.get(user)?.tfa) throw fail(403, messages.presence)
    demandOtp(call, user, { required: true, bypassable: false })
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
    if (user.startsWith('oidc:')) return pkg.trust.some((t) => user === `oidc:${t.type}:${t.id}`) ? 'read-write' : undefined
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
    doc._rev = `${n}-${createHash('md5')
      .update(`${doc.name}:${n}:${JSON.stringify(doc.maintainers)}`)
      .digest('hex')}`
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
    state.grants.delete(token)
    return ok({ ok: true })
  }

  function tokenKey(token: string): string {
    return createHash('sha512').update(token).digest('hex')
  }

  /** A token as npmjs lists it: the first characters only (npm prints them with its own ellipsis), the key to revoke it by. */
  function tokenEntry(token: string): Record<string, unknown> {
    const key = tokenKey(token)
    const grant = state.grants.get(token)
    if (!grant) return { token: token.slice(0, 8), key, cidr_whitelist: null, readonly: false, created: startedAt, updated: startedAt }
    const readonly = grant.packages_and_scopes_permission !== 'read-write' && grant.orgs_permission !== 'read-write'
    return { token: token.slice(0, 8), key, ...grant, readonly, updated: grant.created }
  }

  /** GET /-/npm/v1/tokens?page=&perPage=: npm follows urls.next until there is none. */
  function listTokens(call: Call): Answer {
    const user = signedIn(call)
    const all = [...state.tokens].filter(([, owner]) => owner === user).map(([token]) => tokenEntry(token))
    const perPage = Number(call.query.get('perPage')) || pageSize
    const page = Number(call.query.get('page')) || 0
    const objects = all.slice(page * perPage, (page + 1) * perPage)
    const next = (page + 1) * perPage < all.length ? `${url}-/npm/v1/tokens?page=${page + 1}&perPage=${perPage}` : undefined
    return ok({ objects, total: all.length, urls: next ? { next } : {} })
  }

  /** DELETE /-/npm/v1/tokens/token/<key or the token itself>: npm token revoke sends either. */
  function deleteTokenByKey(call: Call): Answer {
    const user = writer(call)
    const [id] = call.params
    const found = [...state.tokens].find(([token, owner]) => owner === user && (tokenKey(token) === id || token === id))
    if (!found) throw fail(404, messages.notFound)
    state.tokens.delete(found[0])
    state.grants.delete(found[0])
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
  function createToken(call: Call): Answer {
    const user = signedIn(call)
    const body = call.body
    if (body.password !== state.users.get(user)?.password) throw fail(401, 'Incorrect password.')
    demandOtp(call, user)
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
    state.tokens.set(token, user)
    state.grants.set(token, grant)
    return ok({ ...tokenEntry(token), token }, 201)
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
    const pkg: StoredPackage = { doc, access, tarballs: new Map(), mfa: { publish_requires_tfa: false, automation_token_overrides_tfa: false }, trust: [] }
    // npmjs: the developers team gets read-write on every new package of the org
    orgOf(name)?.teams.get('developers')?.packages.set(name, 'read-write')
    state.packages.set(name, pkg)
    return pkg
  }

  /** The publisher npmjs records: the user, or the CI of a trusted publisher (with its config). */
  function npmUserOf(principal: string): Record<string, unknown> {
    const [kind, type, id] = principal.split(':')
    if (kind !== 'oidc') return { name: principal, email: state.users.get(principal)!.email }
    return { ...trustedPublisherUsers[type as TrustConfig['type']], trustedPublisher: { id: type, oidcConfigId: `oidc:${id}` } }
  }

  function addVersions(pkg: StoredPackage, body: Body, user: string): void {
    const base = pkg.doc.name.split('/').pop()
    const npmUser = npmUserOf(user)
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
    if (latest)
      for (const field of ['description', 'license', 'repository', 'homepage', 'keywords', 'author']) if (field in latest) pkg.doc[field] = latest[field]
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
    const { publish_requires_tfa, automation_token_overrides_tfa } = existing.mfa
    demandOtp(call, user, { required: publish_requires_tfa, bypassable: !publish_requires_tfa || automation_token_overrides_tfa })
    release(existing, body, user)
    return ok({ ok: true, id: name, rev: existing.doc._rev })
  }

  /** Versions of the body already published or staged (npmjs: staged versions hold their number too). */
  function requireVersionsFree(pkg: StoredPackage, body: Body, staging?: StagedVersion): void {
    const stagedElsewhere = (v: string) => [...state.staged.values()].some((s) => s !== staging && s.packageName === pkg.doc.name && s.version === v)
    const taken = Object.keys(body.versions ?? {}).filter((v) => pkg.doc.versions[v] || stagedElsewhere(v))
    if (taken.length) throw fail(403, messages.publishedOver(taken))
  }

  /** New versions of an existing package, as a publish or an approved stage brings them. */
  function release(pkg: StoredPackage, body: Body, user: string, staging?: StagedVersion): void {
    requireVersionsFree(pkg, body, staging)
    const access = body.access === 'public' || body.access === 'restricted' ? (body.access as StoredPackage['access']) : undefined
    if (access === 'restricted' && pkg.access !== 'restricted') requireScopedPaid(pkg.doc.name)
    if (access && scopeOf(pkg.doc.name)) pkg.access = access
    addVersions(pkg, body, user)
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

  // --- trusted publishing and the OIDC exchange --------------------------------------------

  /** GET /-/package/<name>/trust: the trusted publishers, for those who may publish the package. */
  function listTrust(call: Call): Answer {
    return ok(writable(call.params[0], signedIn(call)).trust)
  }

  function trustConfig(entry: Body): TrustConfig {
    const { type, claims, permissions } = entry
    const text = (v: unknown) => typeof v === 'string' && v.length > 0
    const valid =
      type === 'github'
        ? text(claims?.repository) && text(claims?.workflow_ref?.file)
        : type === 'gitlab'
          ? text(claims?.project_path) && text(claims?.ci_config_ref_uri?.file)
          : type === 'circleci' && ['org-id', 'project-id', 'pipeline-definition-id', 'vcs-origin'].every((k) => text(claims?.[`oidc.circleci.com/${k}`]))
    if (!valid) throw fail(400, `Invalid trust configuration for ${String(type)}`)
    const known: TrustPermission[] = ['createPackage', 'createStagedPackage']
    if (!Array.isArray(permissions) || !permissions.length || !permissions.every((p) => known.includes(p))) {
      throw fail(400, `permissions must list some of ${known.join(', ')}`)
    }
    return { id: randomUUID(), type, claims, permissions: [...new Set(permissions as TrustPermission[])] }
  }

  /** POST /-/package/<name>/trust with npm trust's body, a list of {type, claims, permissions}; answers them with their ids. */
  function createTrust(call: Call): Answer {
    const pkg = writable(call.params[0], writer(call))
    if (!Array.isArray(call.value) || !call.value.length) throw fail(400, 'Expected a list of trust configurations')
    const created = (call.value as Body[]).map(trustConfig)
    pkg.trust.push(...created)
    return ok(created, 201)
  }

  function revokeTrust(call: Call): Answer {
    const [name, id] = call.params
    const pkg = writable(name, writer(call))
    const index = pkg.trust.findIndex((t) => t.id === id)
    if (index < 0) throw fail(404, messages.notFound)
    pkg.trust.splice(index, 1)
    return noContent()
  }

  /** The claims of the ID token npm sends as its bearer; npmjs answers 401 for a token it does not accept. */
  function idTokenClaims(call: Call): Body {
    const unauthorized = new HttpError(401, { message: messages.oidc('unauthorized') })
    const [kind, jwt = ''] = (call.req.headers.authorization ?? '').split(' ')
    const parts = jwt.split('.')
    let claims: Body
    try {
      claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
    } catch {
      throw unauthorized
    }
    const audience = `npm:${new URL(url).hostname}`
    const issuer = typeof claims.iss === 'string' && (claims.iss === issuers.github || claims.iss === issuers.gitlab || claims.iss.startsWith(issuers.circleci))
    const fresh = typeof claims.exp === 'number' && claims.exp * 1000 > Date.now()
    if (kind !== 'Bearer' || parts.length !== 3 || !issuer || !fresh || ![claims.aud].flat().includes(audience)) throw unauthorized
    return claims
  }

  /**
   * POST /-/npm/v1/oidc/token/exchange/package/<name>, bearer: the CI's ID token. A trusted
   * publisher of the package must match the claims and allow what npm is doing (its npm-command
   * header: `stage` for npm stage publish); then a short-lived token for that package. Errors
   * carry a `message`, which is what npm's oidc.js reads.
   */
  function exchangeIdToken(call: Call): Answer {
    const [name] = call.params
    const claims = idTokenClaims(call)
    const pkg = state.packages.get(name)
    // npmjs says "package not found" for a package without trusted publishers too
    if (!pkg || !pkg.trust.length) throw new HttpError(404, { message: messages.oidc('package not found') })
    const matching = pkg.trust.filter((t) => claimsMatch(t, claims))
    if (!matching.length) throw new HttpError(403, { message: messages.oidc('no trusted publisher of the package matches the token') })
    const stage = call.req.headers['npm-command'] === 'stage'
    const config = matching.find((t) => t.permissions.includes(stage ? 'createStagedPackage' : 'createPackage'))
    if (!config) throw new HttpError(403, { message: messages.oidc(`the trusted publisher does not allow ${stage ? 'stage publish' : 'publish'}`) })
    const token = newToken()
    state.trustTokens.set(token, { package: name, configId: config.id, expiresAt: Date.now() + trustTokenTtlMs })
    return ok({ token }, 201)
  }

  // --- staged publishing ---------------------------------------------------------------------

  /** A staged version as npm stage list/view show it (without the publish body). */
  function stageItem({ body: _body, stagedBy: _by, ...item }: StagedVersion) {
    return item
  }

  /**
   * POST /-/stage/package/<name> with libnpmpublish's publish body (its `stage` option): the
   * version waits for approval. No one-time password: staging is meant to defer it; the package
   * must exist and the version be neither published nor staged.
   */
  function stagePublish(call: Call): Answer {
    const [name] = call.params
    const user = signedIn(call)
    const pkg = writable(name, user)
    const body = call.body
    const [version, ...more] = Object.keys(body.versions ?? {})
    if (!version || more.length || !Object.keys(body._attachments ?? {}).length) throw fail(400, 'A staged publish needs one version and its tarball.')
    requireVersionsFree(pkg, body)
    const npmUser = npmUserOf(user)
    const item: StagedVersion = {
      id: randomUUID(),
      packageName: name,
      version,
      tag: Object.keys(body['dist-tags'] ?? {})[0] ?? 'latest',
      createdAt: new Date().toISOString(),
      actor: String(npmUser.name),
      actorType: user.startsWith('oidc:') ? 'trusted-publisher' : 'user',
      shasum: String(body.versions[version].dist?.shasum ?? ''),
      stagedBy: user,
      body,
    }
    state.staged.set(item.id, item)
    return ok({ ok: true, stageId: item.id }, 201)
  }

  /** GET /-/stage?page=&perPage=&package=: staged versions of the packages the caller may publish. */
  function listStaged(call: Call): Answer {
    const user = signedIn(call)
    const only = call.query.get('package')
    const all = [...state.staged.values()].filter((item) => {
      const pkg = state.packages.get(item.packageName)
      const covered = !call.grant || grantOn(call.grant, item.packageName) !== 'no-access'
      return (!only || item.packageName === only) && pkg && covered && permission(pkg, user) === 'read-write'
    })
    // npm asks for 100 a page and stops at a shorter page, so the asked size is honoured
    const perPage = Math.min(Number(call.query.get('perPage')) || pageSize, 100)
    const page = Number(call.query.get('page')) || 0
    return ok({ items: all.slice(page * perPage, (page + 1) * perPage).map(stageItem), total: all.length, page, perPage })
  }

  /** The staged version a /-/stage/<id> path names; granular and trusted tokens are judged by its package. */
  function stagedFor(call: Call, who: (call: Call) => string): { item: StagedVersion; user: string } {
    const item = state.staged.get(call.params[0])
    if (item) call.target = { kind: 'package', name: item.packageName }
    const user = who(call)
    if (!item) throw fail(404, messages.notFound)
    writable(item.packageName, user)
    return { item, user }
  }

  function viewStaged(call: Call): Answer {
    return ok(stageItem(stagedFor(call, signedIn).item))
  }

  function stagedTarball(call: Call): Answer {
    const { body } = stagedFor(call, signedIn).item
    const [attachment] = Object.values(body._attachments as Record<string, { data: string }>)
    return { status: 200, raw: Buffer.from(attachment.data, 'base64'), headers: { 'content-type': 'application/octet-stream' } }
  }

  /** POST /-/stage/<id>/approve: proof of presence, then the version is published (by whoever staged it). */
  function approveStaged(call: Call): Answer {
    const { item } = stagedFor(call, presence)
    const pkg = state.packages.get(item.packageName)!
    release(pkg, item.body, item.stagedBy, item)
    state.staged.delete(item.id)
    return ok({ ok: true, id: item.packageName, version: item.version, rev: pkg.doc._rev })
  }

  function rejectStaged(call: Call): Answer {
    state.staged.delete(stagedFor(call, presence).item.id)
    return noContent()
  }

  // --- organisations and teams ---------------------------------------------------------------

  function orgMembers(call: Call): Answer {
    signedIn(call)
    return ok(Object.fromEntries(findOrg(call.params[0]).members))
  }

  /** PUT /-/org/<org>/user {user, role}: npm/registry's org membership API. */
  /** npmjs: only owners add and remove members and change roles; admins manage teams (a member may leave). */
  function requireOrgOwner(orgName: string, user: string): Org {
    const org = findOrg(orgName)
    if (org.members.get(user) !== 'owner') throw fail(403, `You must be an owner of ${orgName} to do this.`)
    return org
  }

  function setOrgMember(call: Call): Answer {
    const [orgName] = call.params
    const org = requireOrgOwner(orgName, writer(call))
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
    const caller = writer(call)
    const user = requireUserExists(call.body.user)
    const org = user === caller ? findOrg(call.params[0]) : requireOrgOwner(call.params[0], caller)
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
  // the last field: what the route acts on (its first parameter), for limited tokens
  const routes: [method: string, path: RegExp, handler: (call: Call) => Answer, target?: Target][] = [
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
    ['POST', /^\/-\/npm\/v1\/tokens$/, createToken],
    ['DELETE', /^\/-\/npm\/v1\/tokens\/token\/([^/]+)$/, deleteTokenByKey],
    ['POST', new RegExp(`^/-/npm/v1/oidc/token/exchange/package/${name}$`), exchangeIdToken],
    ['GET', new RegExp(`^/-/user/${segment}/package$`), userPackages],
    ['POST', new RegExp(`^/-/package/${name}/access$`), setAccess, 'package'],
    ['GET', new RegExp(`^/-/package/${name}/visibility$`), visibility, 'package'],
    ['GET', new RegExp(`^/-/package/${name}/collaborators$`), collaborators, 'package'],
    ['GET', new RegExp(`^/-/package/${name}/trust$`), listTrust, 'package'],
    ['POST', new RegExp(`^/-/package/${name}/trust$`), createTrust, 'package'],
    ['DELETE', new RegExp(`^/-/package/${name}/trust/${segment}$`), revokeTrust, 'package'],
    ['GET', new RegExp(`^/-/package/${name}/dist-tags$`), distTags, 'package'],
    ['PUT', new RegExp(`^/-/package/${name}/dist-tags/${segment}$`), setDistTag, 'package'],
    ['DELETE', new RegExp(`^/-/package/${name}/dist-tags/${segment}$`), removeDistTag, 'package'],
    ['POST', new RegExp(`^/-/stage/package/${name}$`), stagePublish, 'package'],
    ['GET', /^\/-\/stage$/, listStaged],
    ['GET', new RegExp(`^/-/stage/${segment}/tarball$`), stagedTarball],
    ['POST', new RegExp(`^/-/stage/${segment}/approve$`), approveStaged],
    ['GET', new RegExp(`^/-/stage/${segment}$`), viewStaged],
    ['DELETE', new RegExp(`^/-/stage/${segment}$`), rejectStaged],
    ['GET', new RegExp(`^/-/org/${segment}/package$`), orgPackages, 'org'],
    ['GET', new RegExp(`^/-/org/${segment}/user$`), orgMembers, 'org'],
    ['PUT', new RegExp(`^/-/org/${segment}/user$`), setOrgMember, 'org'],
    ['DELETE', new RegExp(`^/-/org/${segment}/user$`), removeOrgMember, 'org'],
    ['GET', new RegExp(`^/-/org/${segment}/team$`), orgTeams, 'org'],
    ['PUT', new RegExp(`^/-/org/${segment}/team$`), createTeam, 'org'],
    ['DELETE', new RegExp(`^/-/team/${segment}/${segment}$`), destroyTeam, 'org'],
    ['GET', new RegExp(`^/-/team/${segment}/${segment}/user$`), teamMembers, 'org'],
    ['PUT', new RegExp(`^/-/team/${segment}/${segment}/user$`), addTeamMember, 'org'],
    ['DELETE', new RegExp(`^/-/team/${segment}/${segment}/user$`), removeTeamMember, 'org'],
    ['GET', new RegExp(`^/-/team/${segment}/${segment}/package$`), teamPackages, 'org'],
    ['PUT', new RegExp(`^/-/team/${segment}/${segment}/package$`), grant, 'org'],
    ['DELETE', new RegExp(`^/-/team/${segment}/${segment}/package$`), revoke, 'org'],
    ['GET', new RegExp(`^/${name}/-/${segment}$`), tarball, 'package'],
    ['PUT', new RegExp(`^/${name}/-rev/${segment}$`), setMaintainers, 'package'],
    ['GET', new RegExp(`^/${name}$`), packument, 'package'],
    ['PUT', new RegExp(`^/${name}$`), publish, 'package'],
  ]

  function route(req: IncomingMessage, body: unknown): Answer {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://registry')
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
    for (const [m, pattern, handler, target] of routes) {
      const found = m === method ? pattern.exec(pathname) : null
      if (!found) continue
      const params = found.slice(1).map((p) => decodeURIComponent(p))
      const object = typeof body === 'object' && body !== null ? (body as Body) : {}
      const call: Call = { req, query: searchParams, body: object, value: body, params, handler }
      if (target) call.target = { kind: target, name: params[0] }
      return handler(call)
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
