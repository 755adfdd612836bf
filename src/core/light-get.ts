// Loading npm-registry-fetch (make-fetch-happen, cacache, proxy agents) costs about 100 ms (the
// best of 5 `require('npm-registry-fetch')` on Node 20 here: 123 ms on a loaded 2-core machine),
// more than a read-only request to the registry itself, and as much as all the rest of
// `pkgs whoami`. A plain GET that needs none of that — no
// proxy, no TLS client settings, no cache — goes through node:http(s) here, with the headers
// npm-registry-fetch sends and errors shaped like its own, so every caller treats both alike.
// Anything else (mutations, proxies, custom CAs, client certificates) uses npm-registry-fetch.
// test/light-get.test.ts sends the same GETs both ways and checks the headers agree.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export interface LightResponse {
  status: number
  headers: { get(name: string): string | null }
  text(): Promise<string>
}

const proxyVariables = ['https_proxy', 'http_proxy', 'proxy']

/** True when npm-registry-fetch would add nothing to a GET to this URL but its cache. */
export function canGetLightly(url: string, flat: Record<string, unknown>, env: NodeJS.ProcessEnv, extra: Record<string, unknown>): boolean {
  if (extra.method || extra.body || extra.otp) return false
  if (flat.proxy || flat.httpsProxy || flat.cert || flat.key || flat.localAddress || flat.offline) return false
  // a client certificate for one registry (//host/:certfile and :keyfile) is npm-registry-fetch's to present
  if (Object.keys(flat).some((k) => k.endsWith(':certfile') || k.endsWith(':keyfile'))) return false
  if (Object.keys(env).some((k) => proxyVariables.includes(k.toLowerCase()) && env[k])) return false
  const { protocol } = new URL(url)
  return protocol === 'http:' || protocol === 'https:'
}

/** The headers npm-registry-fetch's getHeaders() sends for these options. */
export function npmHeaders(flat: Record<string, unknown>, authorization?: string, extra: Record<string, string> = {}): Record<string, string> {
  // minipass-fetch's default accept, which npm-registry-fetch sends when the caller names none
  const headers: Record<string, string> = { 'user-agent': String(flat.userAgent ?? 'npm'), accept: '*/*', ...extra }
  if (flat.authType) headers['npm-auth-type'] = String(flat.authType)
  if (flat.scope) headers['npm-scope'] = String(flat.scope)
  if (flat.npmSession) headers['npm-session'] = String(flat.npmSession)
  if (flat.npmCommand) headers['npm-command'] = String(flat.npmCommand)
  if (authorization) headers.authorization = authorization
  return headers
}

function httpError(status: number, statusText: string, url: string, text: string, headers: Record<string, unknown> = {}): Error {
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: keep the text, as npm-registry-fetch does
  }
  const said = body && typeof body === 'object' && 'error' in body ? ` - ${String((body as { error: unknown }).error)}` : ''
  return Object.assign(new Error(`${status} ${statusText} - GET ${url}${said}`), {
    statusCode: status,
    code: `E${status}`,
    method: 'GET',
    uri: url,
    body,
    headers,
  })
}

async function once(
  url: string,
  opts: LightGetOptions,
): Promise<{ status: number; statusText: string; headers: Record<string, string | string[] | undefined>; text: string }> {
  // node:https brings TLS and crypto: load it only for https registries. Required, not imported:
  // Node 22's ES module view of node:http reads every export, WebSocket too, which loads undici
  // (import('node:http') there: ~42 ms; require: ~4 ms)
  const { request } = (url.startsWith('https:') ? require('node:https') : require('node:http')) as typeof import('node:https')
  return new Promise((resolve, reject) => {
    const { headers, timeout, strictSSL: rejectUnauthorized, ca } = opts
    const req = request(url, { method: 'GET', headers, timeout, rejectUnauthorized, ...(ca ? { ca } : {}) }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, text }))
      // the answer began and then stopped (the connection closed before its end): cut off, not unreachable
      const cutOff = (err?: NodeJS.ErrnoException) =>
        reject(Object.assign(err ?? new Error(`the answer to GET ${url} was cut off`), { code: err?.code ?? 'ECONNRESET', type: 'cut-off' }))
      res.on('error', cutOff)
      res.on('close', () => {
        if (!res.complete) cutOff()
      })
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${timeout} ms: GET ${url}`), { type: 'request-timeout' })))
    req.on('error', reject)
    req.end()
  })
}

/** npm's retry settings (fetch-retries, fetch-retry-factor, fetch-retry-mintimeout, fetch-retry-maxtimeout), as npm-registry-fetch gets them. */
export interface RetryPolicy {
  retries: number
  factor: number
  minTimeout: number
  maxTimeout: number
}

/** The waits before each retry, as @gar/promise-retry computes them for make-fetch-happen (npm does not randomize). */
export function retryWaits(policy: RetryPolicy): number[] {
  const waits: number[] = []
  for (let i = 0; i < policy.retries; i++) waits.push(Math.min(Math.round(Math.max(policy.minTimeout, 1) * policy.factor ** i), policy.maxTimeout))
  return waits.sort((a, b) => a - b)
}

/** make-fetch-happen retries a GET that is answered 408, 420, 429 or 5xx. */
function retriableStatus(status: number): boolean {
  return status === 408 || status === 420 || status === 429 || status >= 500
}

/** A registry that asks for longer than this is not waited for: its answer is the error. */
const longestRetryAfterMs = 60_000

/** Retry-After in ms (seconds, or an HTTP date), when given. */
function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = [value].flat()[0]?.trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export interface LightGetOptions {
  headers: Record<string, string>
  /** ms; npm's fetch-timeout */
  timeout: number
  strictSSL: boolean
  /** npm's ca / cafile certificates, when set */
  ca?: string | string[]
  /** npm-registry-fetch's retry policy, from npm's fetch-retry-* settings */
  retry: RetryPolicy
  /** called once per answered request, for the --verbose log */
  onResponse?(line: string): void
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * GET url; a non-2xx answer or a network failure throws an error shaped like npm-registry-fetch's.
 * Retried as make-fetch-happen retries a GET: any failure of the request itself (refused, reset,
 * timed out, …) and an answer of 408, 420, 429 or 5xx, waiting as npm's retry settings say; a
 * Retry-After longer than that wait is honoured (up to a minute; longer, the answer is the error).
 */
export async function lightGet(url: string, opts: LightGetOptions): Promise<LightResponse> {
  const waits = retryWaits(opts.retry)
  for (let attempt = 0; ; attempt++) {
    const start = Date.now()
    const canRetry = attempt < waits.length
    let res: Awaited<ReturnType<typeof once>>
    try {
      res = await once(url, opts)
    } catch (err) {
      if (!canRetry) throw err
      opts.onResponse?.(`GET ${url} attempt ${attempt + 1} failed with ${(err as NodeJS.ErrnoException).code ?? (err as { type?: string }).type ?? 'an error'}`)
      await sleep(waits[attempt])
      continue
    }
    opts.onResponse?.(`GET ${res.status} ${url} ${Date.now() - start}ms${attempt ? ` attempt #${attempt + 1}` : ''}`)
    if (canRetry && retriableStatus(res.status)) {
      const asked = retryAfterMs(res.headers['retry-after'])
      if (asked === undefined || asked <= longestRetryAfterMs) {
        await sleep(Math.max(waits[attempt], asked ?? 0))
        continue
      }
    }
    if (res.status < 200 || res.status >= 400) throw httpError(res.status, res.statusText, url, res.text, res.headers)
    return {
      status: res.status,
      headers: { get: (name) => [res.headers[name.toLowerCase()] ?? null].flat()[0] ?? null },
      text: async () => res.text,
    }
  }
}
