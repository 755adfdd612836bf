// The built CLI as a process: help, version, exit codes, --json documents, no stack traces,
// no prompts and no hangs without a terminal.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commandNames } from './support/commands.js'
import { loggedIn, makeSandbox, repoRoot, run, runPkgs } from './support/sandbox.js'

const version = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')).version

/** A frame of a stack trace (`    at fn (file:line:column)`), as Node prints them to stderr. */
const stackLine = /\n\s+at .+:\d+:\d+/

function expectNoStack(text: string) {
  expect(text).not.toMatch(stackLine)
}

describe('the pkgs program', () => {
  it('prints its version', async () => {
    const res = await runPkgs(['--version'], makeSandbox())
    expect(res).toMatchObject({ code: 0, stdout: `${version}\n` })
  })

  // every command's help, examples included, is checked against docs/commands.md in docs.test.ts
  it('prints help with examples, for the program, a group and a command', async () => {
    const sandbox = makeSandbox()
    const top = await runPkgs(['--help'], sandbox)
    expect(top.code).toBe(0)
    // the prebuilt text of `pkgs --help` (dist/help.txt) is what the program itself prints
    const made = await runPkgs(['--no-color', '--help'], sandbox)
    expect(top.stdout).toBe(made.stdout)
    for (const name of commandNames) expect(top.stdout).toContain(name)
    const each = await Promise.all([['trust'], ['trust', 'github'], ['whoami']].map((args) => runPkgs([...args, '--help'], sandbox)))
    for (const res of each) {
      expect(res.code).toBe(0)
      expect(res.stdout).toContain('Examples:')
    }
  })

  it('shows the help and exits 0 when run with no command and no terminal', async () => {
    const res = await runPkgs([], makeSandbox())
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Usage: pkgs')
  })

  it('exits 2 on an unknown command, with a suggestion and no stack trace', async () => {
    const res = await runPkgs(['doctr'], makeSandbox())
    expect(res.code).toBe(2)
    expect(res.stderr).toContain("Unknown command 'doctr' (did you mean doctor?)")
    expect(res.stderr).toContain('hint:')
    expectNoStack(res.stderr)
  })

  it('exits 2 on an unknown option, as one JSON document with --json', async () => {
    const res = await runPkgs(['whoami', '--frobnicate', '--json'], makeSandbox())
    expect(res.code).toBe(2)
    expect(JSON.parse(res.stdout)).toEqual({
      error: { code: 'EUSAGE', message: "Unknown option '--frobnicate'", hint: 'Run `pkgs whoami --help` for its arguments and options.' },
    })
  })

  it('points a usage error at the help of the command in question', async () => {
    const sandbox = makeSandbox()
    const [scope, team, org, top] = await Promise.all([
      runPkgs(['scope', 'bogus', '--json'], sandbox),
      runPkgs(['team', 'bogus', '--json'], sandbox),
      runPkgs(['org', 'set', 'acme', '--json'], sandbox),
      runPkgs(['frob', '--json'], sandbox),
    ])
    expect(JSON.parse(scope.stdout).error).toEqual({
      code: 'EUSAGE',
      message: "Unknown command 'bogus' for `pkgs scope`: set, unset",
      hint: 'Run `pkgs scope --help` for its commands.',
    })
    expect(JSON.parse(team.stdout).error.hint).toBe('Run `pkgs team --help` for its commands.')
    expect(JSON.parse(org.stdout).error).toEqual({
      code: 'EUSAGE',
      message: "Missing required argument 'user'",
      hint: 'Run `pkgs org set --help` for its arguments and options.',
    })
    expect(JSON.parse(top.stdout).error.hint).toBe('Run `pkgs --help` for commands and options.')
    for (const res of [scope, team, org, top]) expect(res.code).toBe(2)
  })

  it('exits 2 on an unknown option without a command, and on empty values (an unset shell variable)', async () => {
    const sandbox = makeSandbox()
    const results = await Promise.all([
      runPkgs(['--bogus'], sandbox),
      runPkgs(['--json', '--bogus'], sandbox),
      runPkgs(['whoami', '--registry', ''], sandbox),
      runPkgs(['--registry=', 'whoami'], sandbox),
      runPkgs(['doctor', '--scope', '', '--json'], sandbox),
      runPkgs(['ls', ''], sandbox),
      runPkgs(['whoami', '--registry', 'http://127.0.0.1:9/?x=1#f'], sandbox),
    ])
    for (const res of results) {
      expect(res.code, res.stdout + res.stderr).toBe(2)
      expectNoStack(res.stderr)
    }
    expect(JSON.parse(results[1].stdout).error).toMatchObject({ code: 'EUSAGE', message: "Unknown option '--bogus'" })
    expect(results[2].stderr).toContain('--registry needs a value')
    expect(JSON.parse(results[4].stdout).error.message).toBe('--scope needs a value, and it was given an empty one.')
    expect(results[5].stderr).toContain('An argument is empty.')
    expect(results[6].stderr).toContain('a registry URL has no query (?…) or fragment (#…)')
  })

  it('exits 2 on an invalid scope or registry URL, before any request', async () => {
    const sandbox = makeSandbox()
    const [scope, url] = await Promise.all([
      runPkgs(['whoami', '--scope', 'Not A Scope!', '--json'], sandbox),
      runPkgs(['whoami', '--registry', 'not-a-url'], sandbox),
    ])
    expect(scope.code).toBe(2)
    expect(JSON.parse(scope.stdout).error).toMatchObject({ code: 'EUSAGE', message: 'Invalid scope "Not A Scope!".' })
    expect(url.code).toBe(2)
    expect(url.stderr).toContain('Invalid registry URL "not-a-url"')
    expectNoStack(url.stderr)
  })

  it('exits 3 with the login command when there are no credentials', async () => {
    const sandbox = makeSandbox('@acme:registry=http://127.0.0.1:9/\n')
    const [plain, json] = await Promise.all([runPkgs(['whoami', '--scope', 'acme'], sandbox), runPkgs(['whoami', '--json'], sandbox)])
    expect(plain.code).toBe(3)
    expect(plain.stderr).toContain('You are not logged in to http://127.0.0.1:9/.')
    expect(plain.stderr).toContain('pkgs login --scope @acme')
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'ENEEDAUTH', hint: 'Log in with: pkgs login' })
  })

  it('exits 1 naming the registry and where it is configured when it is unreachable', async () => {
    const sandbox = makeSandbox('registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=tok-abc-123\n')
    const res = await runPkgs(['whoami'], sandbox)
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('Cannot reach the registry http://127.0.0.1:9/ (ECONNREFUSED)')
    expect(res.stderr).toContain('~/.npmrc (registry)')
    expectNoStack(res.stderr)
  })

  it('never prints the password of a registry URL (user:password@host), in messages, hints, JSON or stacks', async () => {
    const sandbox = makeSandbox('registry=http://alice:TOPSECRET@127.0.0.1:9/\n//127.0.0.1:9/:_authToken=tok-abc-123\n')
    const commands = [
      ['whoami'],
      ['whoami', '--json', '--verbose'],
      ['doctor', '--json'],
      ['doctor'],
      ['owners', '@acme/x', '--verbose'],
      ['scope', 'set', '@acme', '--json'],
      ['whoami', '--registry', 'http://bob:s3cr3tpw@127.0.0.1:9/'],
      ['login', '--registry', 'http://bob:s3cr3tpw@127.0.0.1:9/', '--json'],
    ]
    const results = await Promise.all(commands.map((args) => runPkgs(args, sandbox)))
    for (const [i, res] of results.entries()) {
      expect(res.stdout + res.stderr).not.toMatch(/TOPSECRET|s3cr3tpw|tok-abc-123/)
      expectNoStack(res.stdout)
      // stacks go to stderr, only with --verbose: there the check above has read one
      if (commands[i].includes('--verbose')) expect(res.stderr, commands[i].join(' ')).toMatch(stackLine)
      else expectNoStack(res.stderr)
    }
    // the URL is still named, its password masked as npm masks it
    expect(results[0].stderr).toContain('http://alice:***@127.0.0.1:9/')
    expect(JSON.parse(results[2].stdout).registry).toBe('http://alice:***@127.0.0.1:9/')
    expect(results[6].stderr).toContain('http://bob:***@127.0.0.1:9/')
  })

  it('exits 2 on an --otp that no header can carry, without echoing it', async () => {
    const sandbox = makeSandbox('registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=tok-abc-123\n')
    const results = await Promise.all([
      runPkgs(['unshare', 'bob', '@acme/x', '--otp', 'SECRETOTP\n456', '--json'], sandbox),
      runPkgs(['make-private', '@acme/x', '--otp', 'SECRET OTP'], sandbox),
      runPkgs(['publish', '--otp', '', '--json'], sandbox),
    ])
    for (const res of results) {
      expect(res.code).toBe(2)
      expect(res.stdout + res.stderr).not.toContain('SECRET')
      expect(res.stdout + res.stderr).toMatch(/Invalid --otp|--otp needs a value/)
    }
    expect(JSON.parse(results[0].stdout).error.code).toBe('EUSAGE')
  })

  it("exits 2 naming the setting when a URL in npm's configuration is not one (proxy=notaurl)", async () => {
    const sandbox = makeSandbox('registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=tok-abc-123\nproxy=notaurl\n')
    const res = await runPkgs(['owners', '@acme/x', '--json'], sandbox)
    expect(res.code).toBe(2)
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'EUSAGE', message: 'A URL in npm\'s configuration is not valid: "notaurl".' })
    expect(JSON.parse(res.stdout).error.hint).toContain('proxy')
  })

  it('goes through a proxy named by HTTP_PROXY, as npm does, and names it when it cannot be reached', async () => {
    const sandbox = makeSandbox('registry=http://npm.acme.invalid/\n//npm.acme.invalid/:_authToken=tok-abc-123\n')
    const res = await runPkgs(['whoami', '--json'], sandbox, { env: { HTTP_PROXY: 'http://127.0.0.1:9/' } })
    expect(res.code).toBe(1)
    expect(JSON.parse(res.stdout).error.message).toBe(
      'Cannot reach the registry http://npm.acme.invalid/ through the proxy http://127.0.0.1:9/ (ECONNREFUSED).',
    )
  })

  it('names the proxy when the registry cannot be reached through it, and the --registry flag when that chose it', async () => {
    const sandbox = makeSandbox(
      'registry=http://npm.acme.invalid/\n//npm.acme.invalid/:_authToken=tok-abc-123\n//127.0.0.1:9/:_authToken=tok-abc-123\nproxy=http://user:proxypw@127.0.0.1:9/\n',
    )
    const [viaProxy, flag] = await Promise.all([
      runPkgs(['whoami', '--json'], sandbox),
      runPkgs(['whoami', '--json', '--registry', 'http://127.0.0.1:9/'], sandbox, { env: { npm_config_noproxy: '127.0.0.1' } }),
    ])
    expect(viaProxy.code).toBe(1)
    const proxied = JSON.parse(viaProxy.stdout).error
    expect(proxied.message).toBe('Cannot reach the registry http://npm.acme.invalid/ through the proxy http://user:***@127.0.0.1:9/ (ECONNREFUSED).')
    expect(proxied.hint).toContain('https-proxy')
    expect(viaProxy.stdout + viaProxy.stderr).not.toContain('proxypw')
    expect(flag.code).toBe(1)
    expect(JSON.parse(flag.stdout).error).toMatchObject({
      message: 'Cannot reach the registry http://127.0.0.1:9/ (ECONNREFUSED).',
      hint: 'Check the URL and your network; it was given with --registry, or choose another with --registry <url>.',
    })
  })

  it('shows the stack trace only with --verbose', async () => {
    const sandbox = makeSandbox('registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=tok-abc-123\n')
    const res = await runPkgs(['whoami', '--verbose'], sandbox)
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/\n\s+at .+/)
    expect(res.stderr).not.toContain('tok-abc-123')
  })
})

/** A server that answers every request with this body; its URL, and how to stop it. */
async function answeringAlways(contentType: string, body: string, status = 200): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': contentType })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('registries that do not answer with a registry document', () => {
  let html: Awaited<ReturnType<typeof answeringAlways>>
  let nothing: Awaited<ReturnType<typeof answeringAlways>>
  beforeAll(async () => {
    ;[html, nothing] = await Promise.all([
      answeringAlways('text/html', '<html><body>Welcome to nginx</body></html>'),
      answeringAlways('application/json', 'null'),
    ])
  })
  afterAll(() => Promise.all([html.close(), nothing.close()]))

  const withToken = (url: string, token: string) => loggedIn({ url, tokens: { me: token } }, 'me')

  it('HTML: explained, exit 1, as JSON with --json', async () => {
    const url = html.url
    const res = await runPkgs(['whoami', '--json'], withToken(url, 'tok-html'))
    expect(res.code).toBe(1)
    const doc = JSON.parse(res.stdout)
    expect(doc.error.code).toBe('EBADRESPONSE')
    expect(doc.error.message).toBe(
      `${url} does not look like an npm registry (check the host and path): it answered with something that is not an npm registry's JSON.`,
    )
    expect(res.stdout).not.toContain('tok-html')
  })

  it('a web page or a wrong repository path (404 for /-/ping and for the package): said before "not logged in" or asking to log in, exit 1', async () => {
    const [page, wrongPath] = await Promise.all([
      answeringAlways('text/html', '<!doctype html><html><body>Sign in</body></html>', 404),
      // what Artifactory answers for a repository that is not there
      answeringAlways('application/json', '{"errors":[{"status":404,"message":"Not Found"}]}', 404),
    ])
    try {
      const none = makeSandbox()
      const [whoami, login, owners, doctor, tokenOwners, publish, mfa] = await Promise.all([
        runPkgs(['whoami', '--registry', page.url, '--json'], none),
        runPkgs(['login', '--token-stdin', '--registry', page.url, '--json'], none, { input: 'a-token\n' }),
        runPkgs(['owners', '@acme/x', '--registry', wrongPath.url, '--json'], none),
        runPkgs(['doctor', '@acme/x', '--registry', wrongPath.url, '--json'], none),
        runPkgs(['owners', '@acme/x', '--json'], withToken(wrongPath.url, 'tok-404')),
        runPkgs(['whoami'], none, { env: { npm_config_registry: page.url } }),
        // a write that reads nothing first (npmjs shows no package's mfa): its 404 is told apart too
        runPkgs(['mfa', 'publish', '@acme/x', '--yes', '--json'], withToken(wrongPath.url, 'tok-404')),
      ])
      for (const [res, url] of [
        [whoami, page.url],
        [login, page.url],
        [owners, wrongPath.url],
        [tokenOwners, wrongPath.url],
        [mfa, wrongPath.url],
      ] as const) {
        expect(res.code, res.stdout).toBe(1)
        expect(JSON.parse(res.stdout).error.message).toMatch(
          new RegExp(`^${url.replace(/[.]/g, '\\.')} does not look like an npm registry \\(check the host and path\\)`),
        )
      }
      expect(JSON.parse(owners.stdout).error.message).toContain('it answered 404 for /-/ping and for /@acme%2fx')
      expect(JSON.parse(mfa.stdout).error.message).toContain('it answered 404 for /-/ping and for /-/package/@acme/x/access')
      expect(JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'package').message).toContain('does not look like an npm registry')
      expect(publish.code).toBe(1)
      expect(publish.stderr).toContain(`${page.url} does not look like an npm registry (check the host and path)`)
      expect(publish.stderr).toContain('it is set in environment variable npm_config_registry')
      expect(tokenOwners.stdout).not.toContain('tok-404')
    } finally {
      await Promise.all([page.close(), wrongPath.close()])
    }
  })

  it('null: explained by every reading command, exit 1, never a raw TypeError', async () => {
    const url = nothing.url
    const sandbox = withToken(url, 'tok-null')
    const commands = [
      ['whoami'],
      ['owners', '@acme/x'],
      ['collaborators', '@acme/x'],
      ['access', '@acme/x'],
      ['ls', '@acme'],
      ['team', 'ls', '@acme'],
      ['org', 'ls', 'acme'],
    ]
    const results = await Promise.all(commands.map((args) => runPkgs([...args, '--json'], sandbox)))
    for (const [i, res] of results.entries()) {
      expect(res.code, commands[i].join(' ')).toBe(1)
      expect(JSON.parse(res.stdout).error, commands[i].join(' ')).toMatchObject({
        code: 'EBADRESPONSE',
        message: `${url} does not look like an npm registry (check the host and path): it answered with something that is not an npm registry's JSON.`,
      })
    }
  })
})

describe('a registry that takes the connection and never answers', () => {
  let server: NetServer
  let url: string
  beforeAll(async () => {
    server = createNetServer(() => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })
  afterAll(() => {
    server.close()
  })

  it("times out after npm's fetch-timeout, exit 1 with the setting in the hint, for reads and for a publish", async () => {
    const sandbox = loggedIn({ url, tokens: { me: 'tok-slow' } }, 'me')
    sandbox.writePackageJson({ name: '@acme/slow', version: '1.0.0' })
    const env = { npm_config_fetch_timeout: '500', npm_config_fetch_retries: '0' }
    const results = await Promise.all([
      runPkgs(['whoami', '--json'], sandbox, { env }),
      runPkgs(['owners', '--json'], sandbox, { env }),
      runPkgs(['publish', '--yes', '--json'], sandbox, { env }),
    ])
    for (const res of results) {
      expect(res.code, res.stdout).toBe(1)
      const { error } = JSON.parse(res.stdout)
      expect(error).toMatchObject({ code: 'ETIMEDOUT', message: `The registry ${url} did not answer in time.` })
      expect(error.hint).toContain('fetch-timeout')
      expect(res.stdout + res.stderr).not.toContain('tok-slow')
    }
  })
})

/** A registry whose /-/whoami fails the first `times` requests as `first` does, then answers alice. */
async function failingFirst(first: (res: ServerResponse) => void, times = 1): Promise<{ url: string; times: number[]; close(): Promise<void> }> {
  const times_: number[] = []
  const server: Server = createServer((req, res) => {
    times_.push(Date.now())
    if (times_.length <= times) return first(res)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ username: 'alice' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    times: times_,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('retries as npm: a registry that asks to slow down, or stalls, once', () => {
  const tooMany = (retryAfter?: string) => (res: ServerResponse) => {
    res.writeHead(429, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) })
    res.end(JSON.stringify({ error: 'rate limited' }))
  }
  const withToken = (url: string) => makeSandbox(`registry=${url}\n//${new URL(url).host}/:_authToken=tok-retry\n`)

  it('a 429 is retried, after the Retry-After the registry asks for', async () => {
    const registry = await failingFirst(tooMany('1'))
    try {
      const res = await runPkgs(['whoami'], withToken(registry.url))
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toBe('alice\n')
      expect(registry.times).toHaveLength(2)
      expect(registry.times[1] - registry.times[0]).toBeGreaterThanOrEqual(950)
    } finally {
      await registry.close()
    }
  })

  it("a 429 without Retry-After waits as npm's fetch-retry-* settings say; with fetch-retries=0 it is not retried", async () => {
    const registry = await failingFirst(tooMany(), 2)
    try {
      // waits of 300 and 600 ms: fetch-retry-mintimeout times fetch-retry-factor per try
      const env = {
        npm_config_fetch_retries: '2',
        npm_config_fetch_retry_mintimeout: '300',
        npm_config_fetch_retry_factor: '2',
        npm_config_fetch_retry_maxtimeout: '10000',
      }
      const res = await runPkgs(['whoami'], withToken(registry.url), { env })
      expect(res.code, res.stderr).toBe(0)
      expect(registry.times).toHaveLength(3)
      expect(registry.times[1] - registry.times[0]).toBeGreaterThanOrEqual(280)
      expect(registry.times[2] - registry.times[1]).toBeGreaterThanOrEqual(580)
    } finally {
      await registry.close()
    }
    const once = await failingFirst(tooMany('1'))
    try {
      const res = await runPkgs(['whoami', '--json'], withToken(once.url), { env: { npm_config_fetch_retries: '0' } })
      expect(res.code).toBe(1)
      expect(JSON.parse(res.stdout).error.code).toBe('E429')
      expect(once.times).toHaveLength(1)
    } finally {
      await once.close()
    }
  })

  it('a request that times out is tried again', async () => {
    const registry = await failingFirst(() => {})
    try {
      const res = await runPkgs(['whoami'], withToken(registry.url), { env: { npm_config_fetch_timeout: '500' } })
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toBe('alice\n')
      expect(registry.times).toHaveLength(2)
    } finally {
      await registry.close()
    }
  })
})

describe('the build (npm install in a clone runs it as prepare)', () => {
  it('bundles without a warning: every flag given to rolldown is one it knows', async () => {
    const { scripts } = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8'))
    const rolldown = String(scripts.build)
      .split('&&')
      .map((part) => part.trim().split(/\s+/))
      .find(([cmd]) => cmd === 'rolldown')
    expect(rolldown).toBeDefined()
    // into a folder of its own: dist/ is what the other tests run
    const out = mkdtempSync(join(tmpdir(), 'pkgs-build-'))
    try {
      const res = await run(
        process.execPath,
        [join(repoRoot, 'node_modules', 'rolldown', 'bin', 'cli.mjs'), ...rolldown!.slice(1), '--dir', out],
        makeSandbox(),
        { cwd: repoRoot, timeoutMs: 60_000 },
      )
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout + res.stderr).not.toMatch(/WARN|unrecognized/i)
      expect(existsSync(join(out, 'cli.cjs'))).toBe(true)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
