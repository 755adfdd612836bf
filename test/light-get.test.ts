// src/core/light-get.ts sends read-only GETs through node:http instead of npm-registry-fetch: the
// same GET sent both ways to a loopback server that records what arrives, with the options
// src/core/registry.ts passes, must carry the same headers; and canGetLightly must refuse every
// request npm-registry-fetch would send differently.
import { writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizationFor, loadConfig, type Config } from '../src/core/config.js'
import { canGetLightly, lightGet, npmHeaders } from '../src/core/light-get.js'
import { makeSandbox } from './support/sandbox.js'

const registryFetch = createRequire(import.meta.url)('npm-registry-fetch') as (
  url: string,
  opts: Record<string, unknown>,
) => Promise<{ status: number; text(): Promise<string> }>

interface Arrived {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

let server: Server
let url: string
const arrived: Arrived[] = []
let config: Config
let requestNumber = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    arrived.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  // npm's own configuration, as pkgs loads it: the user agent, the auth type and the scope npm sets
  const sandbox = makeSandbox(`registry=${url}\nscope=@acme\n//127.0.0.1:${new URL(url).port}/:_authToken=tok-bearer\n`)
  config = await loadConfig({ cwd: sandbox.cwd, env: sandbox.env })
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** What arrived for a path, once: fails when nothing or more than one request did. */
function arrivedAt(path: string): Arrived {
  const found = arrived.filter((r) => r.url === path)
  expect(
    found.map((r) => r.method),
    path,
  ).toEqual(['GET'])
  return found[0]
}

/** The headers that make a difference to a registry: authorization, user-agent, accept, npm-*. */
function significant(headers: IncomingHttpHeaders): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => /^(authorization|user-agent|accept|npm-.*)$/.test(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  )
}

/**
 * The same GET as src/core/registry.ts sends it: through lightGet when canGetLightly allows it,
 * and through npm-registry-fetch with the options registryOptions() builds. The headers of both.
 */
async function bothWays(flat: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const n = ++requestNumber
  const light = `${url}-/light/${n}`
  const heavy = `${url}-/heavy/${n}`
  const withFlat = { ...config, flat }
  expect(canGetLightly(light, flat, {}, extra), 'the light path is taken for this request').toBe(true)
  const lightRes = await lightGet(light, {
    headers: npmHeaders(flat, authorizationFor(withFlat, light), extra.headers as Record<string, string> | undefined),
    timeout: Number(flat.timeout ?? 300_000),
    strictSSL: flat.strictSSL !== false,
    ca: (flat.ca as string | string[] | null) ?? undefined,
    retry: { retries: 0, factor: 1, minTimeout: 0, maxTimeout: 0 },
  })
  const heavyRes = await registryFetch(heavy, { ...flat, registry: url, retry: { retries: 0 }, ...extra })
  expect([lightRes.status, await lightRes.text()]).toEqual([heavyRes.status, await heavyRes.text()])
  return { light: significant(arrivedAt(new URL(light).pathname).headers), heavy: significant(arrivedAt(new URL(heavy).pathname).headers) }
}

describe('lightGet sends the headers npm-registry-fetch sends', () => {
  it("with npm's configuration: the user agent, npm-auth-type, npm-scope and a bearer token", async () => {
    const { light, heavy } = await bothWays(config.flat, { preferOnline: true, headers: { accept: 'application/json' } })
    expect(heavy).toMatchObject({ authorization: 'Bearer tok-bearer', 'user-agent': config.flat.userAgent, 'npm-auth-type': 'web', 'npm-scope': '@acme' })
    expect(light).toEqual(heavy)
  })

  it("with npm's session and command, as npm passes them to its libraries", async () => {
    const flat = { ...config.flat, npmSession: '0123456789abcdef', npmCommand: 'view', authType: 'legacy' }
    const { light, heavy } = await bothWays(flat, { preferOnline: true, headers: { accept: 'application/json' } })
    expect(heavy).toMatchObject({ 'npm-session': '0123456789abcdef', 'npm-command': 'view', 'npm-auth-type': 'legacy' })
    expect(light).toEqual(heavy)
  })

  it('with basic auth: _auth, and username with _password', async () => {
    const host = `//${new URL(url).host}/`
    const noToken = Object.fromEntries(Object.entries(config.flat).filter(([k]) => !k.endsWith(':_authToken')))
    const auth = { ...noToken, [`${host}:_auth`]: Buffer.from('alice:pw-a').toString('base64') }
    const password = { ...noToken, [`${host}:username`]: 'bob', [`${host}:_password`]: Buffer.from('pw-b').toString('base64') }
    const headers = { accept: 'application/json' }
    const [viaAuth, viaPassword] = [await bothWays(auth, { headers }), await bothWays(password, { headers })]
    expect(viaAuth.heavy.authorization).toBe(`Basic ${Buffer.from('alice:pw-a').toString('base64')}`)
    expect(viaAuth.light).toEqual(viaAuth.heavy)
    expect(viaPassword.heavy.authorization).toBe(`Basic ${Buffer.from('bob:pw-b').toString('base64')}`)
    expect(viaPassword.light).toEqual(viaPassword.heavy)
  })

  it('without credentials, without a scope, with the accept header of an abbreviated document', async () => {
    const flat = { ...Object.fromEntries(Object.entries(config.flat).filter(([k]) => !k.endsWith(':_authToken'))), scope: '' }
    const accept = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
    const { light, heavy } = await bothWays(flat, { preferOnline: true, headers: { accept } })
    expect(heavy.authorization).toBeUndefined()
    expect(heavy['npm-scope']).toBeUndefined()
    expect(heavy.accept).toBe(accept)
    expect(light).toEqual(heavy)
  })

  // src calls without headers: whoami, the user document, collaborators, visibility, ping.
  // npm-registry-fetch's minipass-fetch sends `accept: */*` when no accept is given; lightGet sends none
  it('without an accept header given (/-/whoami, /-/ping, …)', async () => {
    const { light, heavy } = await bothWays(config.flat, { preferOnline: true })
    expect(light).toEqual(heavy)
  })
})

describe('canGetLightly refuses what npm-registry-fetch would send differently', () => {
  const target = () => `${url}-/whoami`

  it('takes a plain GET to an http or https registry, and nothing else', () => {
    expect(canGetLightly(target(), config.flat, {}, { preferOnline: true })).toBe(true)
    expect(canGetLightly('https://registry.example/-/whoami', config.flat, {}, {})).toBe(true)
    expect(canGetLightly('file:///tmp/registry/-/whoami', config.flat, {}, {})).toBe(false)
  })

  it("refuses npm's proxy settings, and a request npm-registry-fetch sends through the proxy", async () => {
    expect(canGetLightly(target(), { ...config.flat, proxy: 'http://proxy.example:8080/' }, {}, {})).toBe(false)
    expect(canGetLightly(target(), { ...config.flat, httpsProxy: 'http://proxy.example:8080/' }, {}, {})).toBe(false)
    // the recording server as the proxy: npm-registry-fetch asks it for the registry's absolute URL
    const elsewhere = 'http://registry.invalid/-/through-the-proxy'
    await registryFetch(elsewhere, { ...config.flat, registry: 'http://registry.invalid/', proxy: url, retry: { retries: 0 } })
    expect(arrivedAt(elsewhere).headers.host).toBe('registry.invalid')
  })

  it('refuses the proxy variables of the environment, in either case', () => {
    for (const name of ['https_proxy', 'http_proxy', 'HTTPS_PROXY', 'HTTP_PROXY', 'proxy']) {
      expect(canGetLightly(target(), config.flat, { [name]: 'http://proxy.example:8080/' }, {}), name).toBe(false)
    }
    // empty ones are not set
    expect(canGetLightly(target(), config.flat, { https_proxy: '', HTTP_PROXY: '' }, {})).toBe(true)
  })

  it('refuses a client certificate and key, and a local address to send from', () => {
    expect(canGetLightly(target(), { ...config.flat, cert: '-----BEGIN CERTIFICATE-----' }, {}, {})).toBe(false)
    expect(canGetLightly(target(), { ...config.flat, key: '-----BEGIN PRIVATE KEY-----' }, {}, {})).toBe(false)
    expect(canGetLightly(target(), { ...config.flat, localAddress: '127.0.0.2' }, {}, {})).toBe(false)
  })

  it("refuses the registry's own client certificate (//host/:certfile and :keyfile), which npm-registry-fetch sends", () => {
    const sandbox = makeSandbox()
    const [certfile, keyfile] = [join(sandbox.root, 'client.crt'), join(sandbox.root, 'client.key')]
    writeFileSync(certfile, '-----BEGIN CERTIFICATE-----\n')
    writeFileSync(keyfile, '-----BEGIN PRIVATE KEY-----\n')
    const host = `//${new URL(url).host}/`
    const flat = { ...config.flat, [`${host}:certfile`]: certfile, [`${host}:keyfile`]: keyfile }
    // npm-registry-fetch reads both files and presents the certificate to the registry; lightGet
    // has no certificate to present, and canGetLightly looks only at the global cert and key
    const getAuth = createRequire(import.meta.url)('npm-registry-fetch/lib/auth.js') as (
      uri: string,
      opts: Record<string, unknown>,
    ) => { cert: string | null; key: string | null }
    expect(getAuth(target(), { ...flat, registry: url })).toMatchObject({ cert: '-----BEGIN CERTIFICATE-----\n', key: '-----BEGIN PRIVATE KEY-----\n' })
    expect(canGetLightly(target(), flat, {}, {})).toBe(false)
  })

  it('refuses offline, where npm-registry-fetch answers from its cache only', async () => {
    expect(canGetLightly(target(), { ...config.flat, offline: true }, {}, {})).toBe(false)
    const path = `${url}-/offline/${++requestNumber}`
    await expect(registryFetch(path, { ...config.flat, registry: url, offline: true, retry: { retries: 0 } })).rejects.toMatchObject({ code: 'ENOTCACHED' })
    expect(arrived.filter((r) => r.url === new URL(path).pathname)).toEqual([])
  })

  it('refuses another method, a body and a one-time password', () => {
    expect(canGetLightly(target(), config.flat, {}, { method: 'PUT' })).toBe(false)
    expect(canGetLightly(target(), config.flat, {}, { method: 'DELETE' })).toBe(false)
    expect(canGetLightly(target(), config.flat, {}, { body: { a: 1 } })).toBe(false)
    expect(canGetLightly(target(), config.flat, {}, { otp: '123456' })).toBe(false)
  })
})
