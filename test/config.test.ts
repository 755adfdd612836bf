// Registry resolution (every row of CLI.md's rule) and credentials, through npm's own config
// loader, checked against what the real npm reports for the same files.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'
import { authKeyFor, authorizationFor, credentialsFor, loadConfig, resolveRegistry, type RegistryQuery } from '../src/core/config.js'
import { makeSandbox, runNpm, type Sandbox } from './support/sandbox.js'

async function resolveIn(sandbox: Sandbox, q: RegistryQuery, env: NodeJS.ProcessEnv = {}, cwd = sandbox.cwd) {
  const config = await loadConfig({ cwd, env: { ...sandbox.env, ...env } })
  return { config, registry: resolveRegistry(config, q) }
}

async function npmGet(sandbox: Sandbox, key: string, env: NodeJS.ProcessEnv = {}, cwd = sandbox.cwd): Promise<string> {
  const res = await runNpm(['config', 'get', key], sandbox, { env, cwd })
  expect(res.code, res.stderr).toBe(0)
  return res.stdout.trim()
}

describe('registry of a package or scope', () => {
  it('defaults to registry.npmjs.org, as npm does', async () => {
    const sandbox = makeSandbox()
    const { registry } = await resolveIn(sandbox, { scope: '@acme' })
    expect(registry).toMatchObject({ url: 'https://registry.npmjs.org/', rule: 'default' })
    expect(await npmGet(sandbox, 'registry')).toBe('https://registry.npmjs.org/')
  })

  it('uses `registry` from the user .npmrc when the scope is not mapped', async () => {
    const sandbox = makeSandbox('registry=http://reg.example:4873\n')
    const { registry } = await resolveIn(sandbox, { scope: '@acme' })
    expect(registry).toMatchObject({ url: 'http://reg.example:4873/', rule: 'registry' })
    expect(registry.source).toBe('~/.npmrc (registry)')
  })

  it('uses the @scope:registry mapping over `registry`, and npm reads the same value', async () => {
    const sandbox = makeSandbox('registry=http://default.example/\n@acme:registry=http://acme.example/npm/\n')
    const { registry } = await resolveIn(sandbox, { scope: '@acme' })
    expect(registry).toMatchObject({ url: 'http://acme.example/npm/', rule: 'scope', source: '~/.npmrc (@acme:registry)' })
    expect(await npmGet(sandbox, '@acme:registry')).toBe(registry.url)
    const other = await resolveIn(sandbox, { scope: '@other' })
    expect(other.registry).toMatchObject({ url: 'http://default.example/', rule: 'registry' })
  })

  it('lets a project .npmrc override the user .npmrc', async () => {
    const sandbox = makeSandbox('@acme:registry=http://user.example/\n')
    sandbox.writePackageJson({ name: '@acme/x', version: '1.0.0' })
    writeFileSync(join(sandbox.cwd, '.npmrc'), '@acme:registry=http://project.example/\n')
    const nested = join(sandbox.cwd, 'src')
    mkdirSync(nested)
    const { registry } = await resolveIn(sandbox, { scope: '@acme' }, {}, nested)
    expect(registry.url).toBe('http://project.example/')
    expect(registry.source).toBe(`${join(sandbox.cwd, '.npmrc')} (@acme:registry)`)
    expect(await npmGet(sandbox, '@acme:registry', {}, nested)).toBe('http://project.example/')
  })

  it('reads npm_config_* environment variables like npm', async () => {
    const sandbox = makeSandbox('registry=http://file.example/\n')
    const env = { npm_config_registry: 'http://env.example/' }
    const { registry } = await resolveIn(sandbox, {}, env)
    expect(registry).toMatchObject({ url: 'http://env.example/', rule: 'registry', source: 'environment variable npm_config_registry (registry)' })
    expect(await npmGet(sandbox, 'registry', env)).toBe('http://env.example/')
  })

  it('expands ${VAR} in .npmrc like npm', async () => {
    const sandbox = makeSandbox('@acme:registry=${ACME_REGISTRY}\n')
    const env = { ACME_REGISTRY: 'http://var.example/' }
    const { registry } = await resolveIn(sandbox, { scope: '@acme' }, env)
    expect(registry.url).toBe('http://var.example/')
    expect(registry.source).toBe('~/.npmrc (via ${ACME_REGISTRY}) (@acme:registry)')
    expect(await npmGet(sandbox, '@acme:registry', env)).toBe('http://var.example/')
  })

  it('lets publishConfig.registry win over the scope mapping', async () => {
    const sandbox = makeSandbox('@acme:registry=http://acme.example/\n')
    const { registry } = await resolveIn(sandbox, { scope: '@acme', publishConfigRegistry: 'http://publish.example' })
    expect(registry).toMatchObject({ url: 'http://publish.example/', rule: 'publishConfig' })
  })

  it('lets --registry win over everything, the scope mapping included', async () => {
    const sandbox = makeSandbox('@acme:registry=http://acme.example/\nregistry=http://default.example/\n')
    const { registry } = await resolveIn(sandbox, { scope: '@acme', publishConfigRegistry: 'http://publish.example/', override: 'http://flag.example' })
    expect(registry).toMatchObject({ url: 'http://flag.example/', rule: 'flag', source: '--registry' })
  })

  it('rejects an invalid registry URL as a usage error', async () => {
    const sandbox = makeSandbox()
    await expect(resolveIn(sandbox, { override: 'not a url' })).rejects.toMatchObject({ code: 'EUSAGE', exitCode: 2 })
    await expect(resolveIn(sandbox, { override: 'ftp://x.example/' })).rejects.toMatchObject({ code: 'EUSAGE', exitCode: 2 })
  })
})

describe('credentials for a registry', () => {
  it('finds a token in the user .npmrc and says where, never what', async () => {
    const sandbox = makeSandbox('//reg.example/:_authToken=secret-token-1\n')
    const { config } = await resolveIn(sandbox, {})
    const creds = credentialsFor(config, 'http://reg.example/')
    expect(creds).toMatchObject({ type: 'token', key: '//reg.example/:_authToken' })
    expect(creds.source?.label).toBe('~/.npmrc')
    expect(JSON.stringify(creds)).not.toContain('secret-token-1')
  })

  it('finds a token given as ${VAR} and names the variable', async () => {
    const sandbox = makeSandbox('//reg.example/npm/:_authToken=${MY_TOKEN}\n')
    const { config } = await resolveIn(sandbox, {}, { MY_TOKEN: 'secret-token-2' })
    const creds = credentialsFor(config, 'http://reg.example/npm/')
    expect(creds.type).toBe('token')
    expect(creds.source?.variable).toBe('MY_TOKEN')
    expect(creds.source?.label).toBe('~/.npmrc (via ${MY_TOKEN})')
    expect(JSON.stringify(creds)).not.toContain('secret-token-2')
  })

  it('finds user name and password (legacy auth) and nothing for another registry', async () => {
    const password = Buffer.from('pw').toString('base64')
    const sandbox = makeSandbox(`//reg.example/:username=alice\n//reg.example/:_password=${password}\n`)
    const { config } = await resolveIn(sandbox, {})
    expect(credentialsFor(config, 'http://reg.example/')).toMatchObject({ type: 'basic', key: '//reg.example/:username' })
    expect(credentialsFor(config, 'http://other.example/')).toEqual({ type: 'none' })
  })
})

describe("the copy of npm-registry-fetch's credential look-up", () => {
  const getAuth = createRequire(import.meta.url)('npm-registry-fetch/lib/auth.js') as (
    uri: string,
    opts: Record<string, unknown>,
  ) => {
    regKey: string | false
    authKey: string | null
    token: string | null
    auth: string | null
  }
  const password = Buffer.from('pw').toString('base64')
  const flats: Record<string, unknown>[] = [
    { '//reg.example/:_authToken': 't1' },
    { '//reg.example/npm/:_authToken': 't2', '//reg.example/:_authToken': 't1' },
    { '//reg.example/:_auth': Buffer.from('u:p').toString('base64') },
    { '//reg.example/:username': 'alice', '//reg.example/:_password': password },
    { '//reg.example/:username': 'alice' },
    { '//reg.example:_authToken': 't3' },
    { '//other.example/:_authToken': 't4' },
    { '//reg.example/:certfile': '/c', '//reg.example/:keyfile': '/k' },
  ]
  const uris = ['http://reg.example/', 'http://reg.example/npm/', 'http://reg.example/npm/-/whoami', 'http://reg.example/@acme%2fx']

  it('finds the same key as npm-registry-fetch, and builds the same Authorization', () => {
    for (const flat of flats) {
      for (const uri of uris) {
        const npm = getAuth(uri, { ...flat, registry: uri })
        const ours = authKeyFor(flat, uri)
        expect(ours ? `${ours.regKey}:${ours.authKey}` : false, `${uri} ${JSON.stringify(flat)}`).toBe(npm.regKey ? `${npm.regKey}:${npm.authKey}` : false)
        if (npm.authKey === 'certfile') continue
        const expected = npm.token ? `Bearer ${npm.token}` : npm.auth ? `Basic ${npm.auth}` : undefined
        expect(authorizationFor({ flat } as never, uri)).toBe(expected)
      }
    }
  })
})
