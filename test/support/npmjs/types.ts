// The npmjs-like registry's public types: its options, its state and what a test gets back.

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

export type Manifest = Record<string, unknown> & { dist?: Record<string, unknown>; deprecated?: string }
export type Person = { name: string; email?: string }

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
