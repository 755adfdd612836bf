// Secrets never print: every command, plain, with --verbose, with --json and on error paths, with
// a known token in the .npmrc, in NPM_TOKEN (through `${NPM_TOKEN}`), as the password of the
// registry's URL, typed as a one-time password, and read from stdin (login, token create): none
// of them, nor their encodings (base64 of the Basic header, URL-encoded), is in stdout or stderr —
// even when the registry echoes one back. And a token sent over plain http:// to a host that is
// not this machine is warned about, once, before the request.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runPkgs, type Sandbox } from './support/sandbox.js'

vi.setConfig({ maxConcurrency: 10 })

// none of them looks like an npm_… token: masking must not depend on the shape
const secret = {
  npmrcToken: 'Alice-Npmrc-Token-7f3e9a1c',
  envToken: 'Bob-Env-Token-2c8d41ee',
  urlPassword: 'Carol-Url-Pass-55aa19',
  otp: 'Otp4242Zq',
  ottoToken: 'Otto-Token-9e9e0b7d',
  password: 'Dora-Password-61c0ff',
}
const carolPassword = secret.urlPassword

let registry: NpmjsRegistry
beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'alice-pw', token: secret.npmrcToken },
      { name: 'bob', password: 'bob-pw', token: secret.envToken },
      { name: 'carol', password: carolPassword },
      { name: 'otto', password: 'otto-pw', token: secret.ottoToken, tfa: true },
      { name: 'dora', password: secret.password },
    ],
    otp: secret.otp,
    paidScopes: ['@acme'],
    orgs: { acme: { members: { alice: 'owner', bob: 'owner', carol: 'owner', otto: 'owner', dora: 'owner' } } },
  })
})
afterAll(() => registry?.close())

/** Every form a secret could leak in. */
function forms(): string[] {
  const all = Object.values(secret)
  const basic = Buffer.from(`carol:${carolPassword}`).toString('base64')
  return [...all, ...all.map(encodeURIComponent), basic, Buffer.from(carolPassword).toString('base64')]
}

type Credential = 'npmrc' | 'env' | 'url' | 'otp'

function sandboxWith(how: Credential): Sandbox {
  const url = registry.url
  switch (how) {
    case 'npmrc':
      return makeSandbox(`registry=${url}\n${nerfDart(url)}:_authToken=${secret.npmrcToken}\nfetch-retries=0\n`)
    case 'env': {
      const s = makeSandbox(`registry=${url}\n${nerfDart(url)}:_authToken=\${NPM_TOKEN}\nfetch-retries=0\n`)
      s.env.NPM_TOKEN = secret.envToken
      return s
    }
    case 'url': {
      const withPassword = url.replace('http://', `http://carol:${carolPassword}@`)
      // npm sends a URL's user and password as Basic credentials when the .npmrc has none of its own
      return makeSandbox(
        `registry=${withPassword}\n${nerfDart(url)}:username=carol\n${nerfDart(url)}:_password=${Buffer.from(carolPassword).toString('base64')}\nfetch-retries=0\n`,
      )
    }
    case 'otp':
      return makeSandbox(`registry=${url}\n${nerfDart(url)}:_authToken=${secret.ottoToken}\nfetch-retries=0\n`)
  }
}

interface Run {
  args: string[]
  input?: string
  /** a package of this user's, made first */
  seed?: (id: string) => void
  /** the folder holds a package to publish */
  publish?: boolean
}

const P = (id: string) => `@acme/s-${id}`
const runs: Run[] = [
  { args: ['whoami'] },
  { args: ['owners', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['collaborators', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['access', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['ls', 'alice'] },
  { args: ['doctor', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['scope'] },
  { args: ['token', 'ls'] },
  { args: ['trust', 'ls', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['stage', 'ls'] },
  { args: ['team', 'ls', '@acme'] },
  { args: ['org', 'ls', 'acme'] },
  { args: ['share', 'dora', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['make-private', 'ID', '--yes'], seed: (id) => registry.seedPackage(P(id), 'alice', 'public') },
  { args: ['make-public', 'ID', '--yes'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['mfa', 'publish', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['publish'], publish: true },
  { args: ['token', 'create', '--read-only', '--all-packages', '--password-stdin'], input: secret.password },
  { args: ['login', '--token-stdin'], input: secret.npmrcToken },
  // error paths: not found, refused, already published, a registry that echoes the credentials back
  { args: ['owners', '@acme/none-such'] },
  { args: ['unshare', 'nobody-here', 'ID'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['publish'], publish: true, seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['owners', 'ID', '--echo'], seed: (id) => registry.seedPackage(P(id), 'alice') },
  { args: ['make-private', 'ID', '--yes', '--echo'], seed: (id) => registry.seedPackage(P(id), 'alice', 'public') },
  { args: ['logout'] },
]

const credentials: Credential[] = ['npmrc', 'env', 'url', 'otp']
const modes = [['--verbose'], ['--json'], ['--json', '--verbose'], []]
let n = 0
const table = runs.flatMap((r, i) =>
  // each run with two of the credentials and in two of the modes, in turn: every pairing occurs across the table
  [credentials[i % 4], credentials[(i + 2) % 4]].map((how) => ({
    ...r,
    how,
    mode: modes[n++ % modes.length],
    id: `${n.toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  })),
)

describe.concurrent('no secret in any output', () => {
  it.each(table.map((c) => [`${c.args.join(' ')} ${c.mode.join(' ')} (${c.how})`, c] as const))('%s', async (_, c) => {
    const sandbox = sandboxWith(c.how)
    c.seed?.(c.id)
    if (c.publish) {
      sandbox.writePackageJson({ name: P(c.id), version: '1.0.0', main: 'index.js' })
      writeFileSync(join(sandbox.cwd, 'index.js'), 'module.exports = 1\n')
    }
    let args = c.args.filter((a) => a !== '--echo').map((a) => (a === 'ID' ? P(c.id) : a))
    if (c.args.includes('--echo')) {
      // a registry that quotes what it was sent, credentials included
      const sent = {
        npmrc: [secret.npmrcToken],
        env: [secret.envToken],
        url: [carolPassword, `Basic ${Buffer.from(`carol:${carolPassword}`).toString('base64')}`],
        otp: [secret.ottoToken, secret.otp],
      }[c.how]
      registry.failNext((_m, path) => path.includes(P(c.id).replace('/', '%2f')), 500, { error: `not accepted: ${sent.join(' ')}` })
    }
    if (c.how === 'otp') args = [...args, '--otp', secret.otp]
    const res = await runPkgs([...c.mode, ...args], sandbox, { input: c.input ?? '' })
    const said = res.stdout + res.stderr
    expect(res.code, said).not.toBeNull()
    for (const form of forms()) expect(said, `${form} leaked`).not.toContain(form)
    // loopback over http: no warning about plain http
    expect(res.stderr).not.toMatch(/plain http/)
  })
})

describe('plain http to another host', () => {
  it('warns once on stderr before a token goes over http:// to a host that is not loopback, then reports the network error', async () => {
    const url = 'http://npm.example.invalid/'
    const sandbox = makeSandbox(`registry=${url}\n${nerfDart(url)}:_authToken=${secret.npmrcToken}\nfetch-retries=0\n`)
    const [whoami, bulk, json, none, https] = await Promise.all([
      runPkgs(['whoami'], sandbox),
      runPkgs(['make-private', '@acme/a', '@acme/b', '@acme/c', '--yes'], sandbox),
      runPkgs(['whoami', '--json'], sandbox),
      runPkgs(['whoami'], makeSandbox(`registry=${url}\n`)),
      runPkgs(['whoami'], makeSandbox(`registry=https://npm.example.invalid/\n//npm.example.invalid/:_authToken=${secret.npmrcToken}\nfetch-retries=0\n`)),
    ])
    for (const res of [whoami, bulk, json]) {
      expect(res.code, res.stderr).toBe(1)
      const lines = res.stderr.split('\n')
      const warnings = lines.filter((l) => l.startsWith('warning ') && /plain http:\/\//.test(l))
      expect(warnings, res.stderr).toHaveLength(1)
      expect(warnings[0]).toContain('npm.example.invalid')
      // before the request's failure
      const firstError = lines.findIndex((l) => l.startsWith('error '))
      if (firstError >= 0) expect(lines.indexOf(warnings[0])).toBeLessThan(firstError)
      expect(res.stdout + res.stderr).not.toContain(secret.npmrcToken)
    }
    expect(whoami.stderr).toMatch(/^error Cannot reach the registry http:\/\/npm\.example\.invalid\/ \((ENOTFOUND|EAI_AGAIN)\)/m)
    expect(JSON.parse(json.stdout).error.code).toMatch(/ENOTFOUND|EAI_AGAIN/)
    // no credentials: nothing to warn about (not logged in, exit 3); https: nothing either
    expect(none.stderr).not.toMatch(/plain http/)
    expect(https.stderr).not.toMatch(/plain http/)
    expect(https.code).toBe(1)
  })
})
