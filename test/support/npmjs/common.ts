// What every area of the npmjs-like registry shares: the registry's context (its state and the
// logins and checks in progress), what a handler gets and answers, npmjs's wording of errors.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Permission, RegistryState, TokenGrant } from './types.js'

/** One running registry: what its handlers read and change. */
export interface Registry {
  state: RegistryState
  /** http://127.0.0.1:PORT/ (set once the server listens) */
  url: string
  /** the one valid one-time password */
  otp: string
  /** entries per page of GET /-/npm/v1/tokens and GET /-/stage when the client asks for no size */
  pageSize: number
  startedAt: string
  /** web login id -> the user who signed in, once they have */
  webLogins: Map<string, { user?: string }>
  /** web 2FA id -> whose check it is, and whether they approved it */
  webOtps: Map<string, { user: string; approved: boolean }>
  /** one-time passwords handed out by the web 2FA flow -> their user */
  webOtpCodes: Map<string, string>
}

// npmjs's own wording, so that clients' explanations can be tested against it
export const messages = {
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

// a day in ms
export const day = 24 * 60 * 60_000

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status}`)
  }
}

export const fail = (status: number, error: string, headers?: Record<string, string>) => new HttpError(status, { error }, headers)

export interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** bytes to send as they are (tarballs) */
  raw?: Buffer
}

export const ok = (body: unknown, status = 200): Answer => ({ status, body })
export const noContent = (): Answer => ({ status: 204 })

/** What a handler gets: the request, its parsed body and the route's decoded parameters. */
export interface Call {
  req: IncomingMessage
  query: URLSearchParams
  /** the JSON body when it is an object, else {} */
  body: Body
  /** the JSON body whatever it is (a dist-tag's version is a bare string) */
  value: unknown
  params: string[]
  /** what a token from the OIDC exchange may do on this route (see the route table) */
  oidc?: OidcUse
  /** the package or org the request acts on, which granular and trusted-publishing tokens are limited to */
  target?: { kind: Target; name: string }
  /** the granular token's limits, once caller() has seen one */
  grant?: TokenGrant
}

export type Target = 'package' | 'org'

/** What a trusted publisher's short-lived token may do on a route: read, or what its permission names. */
export type OidcUse = 'read' | 'createPackage' | 'createStagedPackage'

// request bodies are whatever the client sent; handlers check the fields they use
export type Body = Record<string, any>

export function newToken(): string {
  return `npm_${randomBytes(18).toString('base64url')}`
}

export function randomId(): string {
  return randomBytes(8).toString('hex')
}

export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined
}

/** npmjs answers `read`/`write`, and npm's own `read-only`/`read-write` when asked `format=cli`. */
export function wire(perms: Record<string, Permission>, query: URLSearchParams): Record<string, string> {
  if (query.get('format') === 'cli') return perms
  return Object.fromEntries(Object.entries(perms).map(([k, v]) => [k, v === 'read-write' ? 'write' : 'read']))
}

/** Whether an IPv4 address is in a CIDR range (npm refuses IPv6 ranges before sending them). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits = '32'] = cidr.split('/')
  const number = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits))
  return (number(ip) & mask) >>> 0 === (number(base) & mask) >>> 0
}

export const cidrPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/
