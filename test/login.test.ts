// pkgs login / logout: password login in a real pseudo-terminal on both Verdaccio lines (web login
// falls back as npm's does), --token-stdin, logout; web login and the one-time password step on
// the npmjs-like registry; and an .npmrc whose every other line survives scope set, login, logout.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, inject, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, makeSandbox, nerfDart, runNpm, runPkgs, type RunResult, type Sandbox } from './support/sandbox.js'

const require = createRequire(import.meta.url)
const profile = require('npm-profile') as { loginCouch(u: string, p: string, o: Record<string, unknown>): Promise<{ token: string }> }

const stable = inject('verdaccio')
const next = inject('verdaccioNext')

/** A token Verdaccio answers for, straight from its API (no pkgs, no npm). */
async function verdaccioUser(url: string, token: string): Promise<string | undefined> {
  const res = await fetch(`${url}-/whoami`, { headers: { authorization: `Bearer ${token}` } })
  return res.ok ? ((await res.json()) as { username?: string }).username : undefined
}

/** The token saved for a registry (JSON-quoted in the file when it holds "=", as npm writes it). */
function tokenIn(text: string, url: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${nerfDart(url)}:_authToken=`))
  const value = line?.slice(line.indexOf('=') + 1)
  return value?.startsWith('"') ? (JSON.parse(value) as string) : value
}

function expectNoSecret(expect: (v: unknown) => { not: { toContain(s: string): void } }, results: (RunResult | string)[], ...secrets: string[]) {
  for (const r of results) {
    const text = typeof r === 'string' ? r : r.stdout + r.stderr
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

describe.concurrent('pkgs login and logout on Verdaccio', () => {
  it('logs in with user name and password typed in a terminal (no web login there), and agrees with npm whoami', async ({ expect }) => {
    const runs = [
      { line: stable, args: ['login', '--scope', '@acme', '--registry', stable.url] },
      { line: next, args: ['login', '--scope', '@acme', '--registry', next.url, '--auth-type', 'legacy'] },
    ]
    await Promise.all(
      runs.map(async ({ line, args }) => {
        const sandbox = makeSandbox()
        const { alice } = line.users
        const pty = runPkgsInPty(args, sandbox, { env: { BROWSER: 'none' } })
        await pty.waitFor('Username:')
        pty.write('alice' + keys.enter)
        await pty.waitFor('Password:')
        pty.write(alice.password + keys.enter)
        expect(await pty.exit, pty.output()).toBe(0)
        expect(pty.output()).toContain(`Logged in as alice on ${line.url}`)
        expect(pty.output()).not.toContain(alice.password)

        const npmrc = sandbox.readNpmrc()
        expect(npmrc).toContain(`@acme:registry=${line.url}\n`)
        const token = tokenIn(npmrc, line.url)
        expect(token).toBeTruthy()
        expect(statSync(sandbox.userconfig).mode & 0o777).toBe(0o600)
        const [pkgs, npm] = await Promise.all([runPkgs(['whoami', '--scope', '@acme'], sandbox), runNpm(['whoami', '--registry', line.url], sandbox)])
        expect(pkgs.stdout.trim()).toBe('alice')
        expect(npm.stdout.trim()).toBe('alice')
      }),
    )
  })

  it('exits 3 on a wrong password and saves nothing; forced web login there is exit 4', async ({ expect }) => {
    const sandbox = makeSandbox('; untouched\n')
    const wrong = runPkgsInPty(['login', '--registry', next.url, '--auth-type', 'legacy'], sandbox)
    const web = runPkgsInPty(['login', '--registry', stable.url, '--auth-type', 'web'], sandbox, { env: { BROWSER: 'none' } })
    await wrong.waitFor('Username:')
    wrong.write('alice' + keys.enter)
    await wrong.waitFor('Password:')
    wrong.write('not-the-password' + keys.enter)
    const [wrongCode, webCode] = await Promise.all([wrong.exit, web.exit])
    expect(wrongCode, wrong.output()).toBe(3)
    expect(wrong.output()).toContain(`${next.url} rejected the user name or password.`)
    expect(webCode, web.output()).toBe(4)
    expect(web.output()).toContain('does not support web login')
    expect(web.output()).toContain('user name and password')
    // the command that works, not only that this one does not
    expect(web.output().replace(/\s+/g, ' ')).toContain(`pkgs login --registry ${stable.url} --auth-type legacy (or leave out --auth-type)`)
    expect(sandbox.readNpmrc()).toBe('; untouched\n')
  })

  it('--token-stdin: a bad token is exit 3 and nothing is saved; a good one is saved and npm uses it', async ({ expect }) => {
    const original = '; keep\n@acme:registry=' + stable.url + '\n'
    const bad = makeSandbox(original)
    const good = makeSandbox(original)
    const { token } = stable.users.bob
    const [rejected, accepted, noTerminal, empty, twoTokens, control] = await Promise.all([
      runPkgs(['login', '--scope', '@acme', '--token-stdin', '--json'], bad, { input: 'not-a-real-token\n' }),
      runPkgs(['login', '--scope', '@acme', '--token-stdin', '--json'], good, { input: `${token}\n` }),
      runPkgs(['login', '--scope', '@acme'], bad, { keepStdinOpen: true }),
      runPkgs(['login', '--token-stdin'], bad, { input: '\n' }),
      runPkgs(['login', '--token-stdin'], bad, { input: 'tok-one\ntok-two\n' }),
      runPkgs(['login', '--token-stdin', '--json'], bad, { input: 'tok\x01secret\n' }),
    ])
    expect(rejected.code).toBe(3)
    expect(JSON.parse(rejected.stdout).error.message).toBe(`${stable.url} did not accept the token: nothing was saved.`)
    expect(bad.readNpmrc()).toBe(original)

    expect(accepted.code, accepted.stderr).toBe(0)
    expect(JSON.parse(accepted.stdout)).toEqual({ username: 'bob', registry: stable.url, scope: '@acme' })
    expect(good.readNpmrc()).toBe(`${original}${nerfDart(stable.url)}:_authToken=${JSON.stringify(token)}\n`)
    expect(statSync(good.userconfig).mode & 0o777).toBe(0o600)
    const npm = await runNpm(['whoami', '--registry', stable.url], good)
    expect(npm.stdout.trim()).toBe('bob')

    expect(noTerminal.code).toBe(2)
    expect(noTerminal.stderr).toContain('--token-stdin')
    expect(empty.code).toBe(2)
    // more than one token, or a character no header can carry: exit 2, nothing sent or saved
    expect([twoTokens.code, control.code]).toEqual([2, 2])
    expect(JSON.parse(control.stdout).error.message).toBe('stdin holds more than a token (--token-stdin).')
    expect(bad.readNpmrc()).toBe(original)
    expectNoSecret(expect, [twoTokens, control], 'tok-one', 'secret')
    expectNoSecret(expect, [rejected, accepted], token, 'not-a-real-token')
  })

  it('saves the token, and warns that a top-level _authToken still stops npm (left in place)', async ({ expect }) => {
    const original = `registry=${stable.url}\n_authToken=old-top-level\n`
    const sandbox = makeSandbox(original)
    const res = await runPkgs(['login', '--token-stdin'], sandbox, { input: `${stable.users.bob.token}\n` })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toContain('npm still refuses to run while ~/.npmrc has `_authToken` at the top level: delete that line')
    expect(sandbox.readNpmrc()).toBe(`${original}${nerfDart(stable.url)}:_authToken=${JSON.stringify(stable.users.bob.token)}\n`)
    expectNoSecret(expect, [res], stable.users.bob.token, 'old-top-level')
  })

  it('on a terminal with CI set: asks nothing, and says that CI is why', async ({ expect }) => {
    const sandbox = makeSandbox(`registry=${stable.url}\n`)
    const pty = runPkgsInPty(['login'], sandbox, { env: { CI: '1' } })
    expect(await pty.exit).toBe(2)
    expect(pty.output()).toContain('Logging in needs a token: CI is set, so nothing is asked.')
    expect(pty.output()).toContain('pkgs login --token-stdin')
  })

  it('logout removes the token from the file; Verdaccio (6.8 and 7-next) answers the revocation but keeps accepting it', async ({ expect }) => {
    await Promise.all(
      [stable, next].map(async (line) => {
        // a token of our own, not the shared one of the test users (logging in is tested above)
        const { token } = await profile.loginCouch('carol', line.users.carol.password, { registry: line.url })
        const login = makeSandbox(`@acme:registry=${line.url}\n${nerfDart(line.url)}:_authToken=${JSON.stringify(token)}\n`)

        const out = await runPkgs(['logout', '--scope', '@acme', '--json', '--verbose'], login)
        expect(out.code, out.stderr).toBe(0)
        expect(JSON.parse(out.stdout)).toEqual({ registry: line.url, revoked: false, file: login.userconfig, changed: true })
        expect(out.stderr).toContain('DELETE 200')
        expect(out.stderr).toContain('still accepts the token')
        expectNoSecret(expect, [out], token, encodeURIComponent(token))
        // the mapping stays: @acme packages still come from this registry
        expect(login.readNpmrc()).toBe(`@acme:registry=${line.url}\n`)
        expect(await verdaccioUser(line.url, token)).toBe('carol')
        const [whoami, again] = await Promise.all([runPkgs(['whoami', '--scope', '@acme'], login), runPkgs(['logout', '--scope', '@acme'], login)])
        expect(whoami.code).toBe(3)
        expect(again.code).toBe(0)
        expect(again.stderr).toContain(`Not logged in to ${line.url}: nothing to change.`)
      }),
    )
  })

  it('keeps every other line of the .npmrc byte for byte through scope set, login and logout', async ({ expect }) => {
    const original = [
      '; team settings: keep me',
      '# a second comment style',
      '',
      'registry = https://registry.npmjs.org/',
      '@other:registry=https://npm.other.dev/',
      '//npm.other.dev/:_authToken=${OTHER_TOKEN}',
      '//registry.npmjs.org/:_authToken = "${NPM_TOKEN}"',
      '',
      '  ; an indented comment',
      'strict-ssl=true',
      'fund = false   ; a trailing comment',
      '',
    ].join('\n')
    const sandbox = makeSandbox(original)
    chmodSync(sandbox.userconfig, 0o644)
    const env = { OTHER_TOKEN: 'other-secret', NPM_TOKEN: 'npm-secret' }
    const linesOf = (text: string) => text.split('\n')
    const kept = (text: string) => linesOf(original).every((line) => linesOf(text).includes(line))

    const set = await runPkgs(['scope', 'set', '@acme', '--registry', stable.url], sandbox, { env })
    expect(set.code, set.stderr).toBe(0)
    const added = `scope=@acme\n@acme:registry=${stable.url}\n`
    expect(sandbox.readNpmrc()).toBe(original + added)

    const { token } = stable.users.alice
    const login = await runPkgs(['login', '--token-stdin', '--scope', '@acme'], sandbox, { env, input: token })
    expect(login.code, login.stderr).toBe(0)
    const afterLogin = sandbox.readNpmrc()
    expect(kept(afterLogin)).toBe(true)
    expect(afterLogin).toBe(original + added + `${nerfDart(stable.url)}:_authToken=${JSON.stringify(token)}\n`)
    expect(statSync(sandbox.userconfig).mode & 0o777).toBe(0o600)

    const logout = await runPkgs(['logout', '--scope', '@acme'], sandbox, { env })
    expect(logout.code, logout.stderr).toBe(0)
    expect(sandbox.readNpmrc()).toBe(original + added)
    // npm still reads the file
    const npm = await runNpm(['config', 'get', '@other:registry'], sandbox, { env })
    expect(npm.stdout.trim()).toBe('https://npm.other.dev/')
    expectNoSecret(expect, [set, login, logout], token, 'other-secret', 'npm-secret')
  })
})

describe.concurrent('pkgs login and logout on an npmjs-like registry', () => {
  let registry: NpmjsRegistry
  beforeAll(async () => {
    registry = await startNpmjsRegistry({
      users: [
        { name: 'alice', password: 'alice-pw' },
        { name: 'otto', password: 'otto-pw', tfa: true },
        { name: 'lou', password: 'lou-pw', token: 'npm_lou_token_to_revoke' },
        { name: 'rita', password: 'rita-pw', token: 'npm_rita_token' },
      ],
    })
  })
  afterAll(() => registry?.close())

  const as = (npmrc = ''): Sandbox => makeSandbox(`registry=${registry.url}\n${npmrc}`)

  it('logs in on the web: prints the URL, polls until the browser is done, saves the token', async ({ expect }) => {
    const sandbox = as('; mine\n')
    const pty = runPkgsInPty(['login'], sandbox, { env: { BROWSER: 'none' } })
    await pty.waitFor(/\/-\/v1\/login\/cli\/\S+/)
    expect(pty.output()).toContain(`Log in on ${registry.url} in your browser:`)
    const loginUrl = /(http:\/\/\S+\/-\/v1\/login\/cli\/\S+)/.exec(pty.output())![1]
    // polling: the CLI asks again while nobody has logged in yet
    const polls = () => registry.requests.filter((r) => r.path.startsWith('/-/v1/done')).length
    await expect.poll(polls, { timeout: 10_000, interval: 50 }).toBeGreaterThan(1)
    // the person logs in in the browser
    await fetch(`${loginUrl}?user=alice`)
    expect(await pty.exit, pty.output()).toBe(0)
    expect(pty.output()).toContain(`Logged in as alice on ${registry.url}`)
    const token = tokenIn(sandbox.readNpmrc(), registry.url)!
    expect(registry.state.tokens.get(token)).toBe('alice')
    expect(sandbox.readNpmrc()).toBe(`registry=${registry.url}\n; mine\n${nerfDart(registry.url)}:_authToken=${token}\n`)
    expect(pty.output()).not.toContain(token)
  })

  it("opens the URL with BROWSER, or npm's browser setting first (as npm's open-url), and says where the token went", async ({ expect }) => {
    // a "browser" that logs in as alice at the URL it is given, and notes the URL it got
    const browser = (sandbox: Sandbox, name: string) => {
      const script = join(sandbox.root, name)
      writeFileSync(script, `#!/bin/sh\necho "$1" > "$0.url"\nexec node -e "fetch(process.argv[1] + '?user=alice')" "$1"\n`)
      chmodSync(script, 0o755)
      return script
    }
    const viaEnv = as()
    const fromEnv = browser(viaEnv, 'env-browser')
    const viaSetting = makeSandbox()
    const fromSetting = browser(viaSetting, 'npm-browser')
    viaSetting.writeNpmrc(`registry=${registry.url}\nbrowser=${fromSetting}\n`)
    const [one, two] = [
      runPkgsInPty(['login'], viaEnv, { env: { BROWSER: fromEnv } }),
      // npm's own setting wins over BROWSER, which here would do nothing
      runPkgsInPty(['login'], viaSetting, { env: { BROWSER: 'true' } }),
    ]
    for (const pty of [one, two]) {
      expect(await pty.exit, pty.output()).toBe(0)
      expect(pty.output()).toContain(`Logged in as alice on ${registry.url}; the token is saved in ~/.npmrc.`)
      expect(pty.output()).not.toContain('Could not open a browser')
    }
    expect(readFileSync(`${fromEnv}.url`, 'utf8')).toMatch(/\/-\/v1\/login\/cli\//)
    expect(readFileSync(`${fromSetting}.url`, 'utf8')).toMatch(/\/-\/v1\/login\/cli\//)
    // BROWSER=true: the command runs (and does nothing); no complaint about a missing browser
    const quiet = runPkgsInPty(['login'], as(), { env: { BROWSER: 'true' } })
    await quiet.waitFor(/\/-\/v1\/login\/cli\/\S+/)
    await fetch(`${/(http:\/\/\S+\/-\/v1\/login\/cli\/\S+)/.exec(quiet.output())![1]}?user=alice`)
    expect(await quiet.exit, quiet.output()).toBe(0)
    expect(quiet.output()).not.toContain('Could not open a browser')
  })

  it('names the user .npmrc as ~/.npmrc when it cannot be written, whichever way HOME is written', async ({ expect }) => {
    const sandbox = as()
    const dir = join(sandbox.root, 'home', 'npmrc-dir')
    mkdirSync(dir)
    const res = await runPkgs(['login', '--token-stdin', '--registry', registry.url], sandbox, {
      input: `${registry.tokens.alice}\n`,
      env: { HOME: `${sandbox.home}/`, NPM_CONFIG_USERCONFIG: dir },
    })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('Cannot read ~/npmrc-dir: EISDIR')
    expect(res.stderr).not.toContain(sandbox.home)
  })

  it('asks for the one-time password after user name and password (couch login with 2FA)', async ({ expect }) => {
    const sandbox = as()
    const pty = runPkgsInPty(['login', '--auth-type', 'legacy'], sandbox)
    await pty.waitFor('Username:')
    pty.write('otto' + keys.enter)
    await pty.waitFor('Password:')
    pty.write('otto-pw' + keys.enter)
    await pty.waitFor('One-time password')
    pty.write(registry.otp)
    expect(await pty.exit, pty.output()).toBe(0)
    expect(pty.output()).toContain(`Logged in as otto on ${registry.url}`)
    const token = tokenIn(sandbox.readNpmrc(), registry.url)!
    expect(registry.state.tokens.get(token)).toBe('otto')
    const puts = registry.requests.filter((r) => r.method === 'PUT' && r.path === '/-/user/org.couchdb.user:otto')
    expect(puts.map((r) => [r.status, r.headers['npm-otp']])).toEqual([
      [401, undefined],
      [201, registry.otp],
    ])
    expect(pty.output()).not.toContain('otto-pw')
  })

  it('logout revokes the token on the registry (DELETE /-/user/token/…), then removes it', async ({ expect }) => {
    const token = registry.tokens.lou
    const sandbox = loggedIn(registry, 'lou')
    const res = await runPkgs(['logout', '--json', '--verbose'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toEqual({ registry: registry.url, revoked: true, file: sandbox.userconfig, changed: true })
    expect(registry.requests.some((r) => r.method === 'DELETE' && r.path === `/-/user/token/${token}`)).toBe(true)
    expect(registry.state.tokens.has(token)).toBe(false)
    expect(sandbox.readNpmrc()).toBe(`registry=${registry.url}\n`)
    expectNoSecret(expect, [res], token)
  })

  it('logout succeeds locally when the registry refuses or is unreachable; not logged in is nothing to change', async ({ expect }) => {
    const refusing = loggedIn(registry, 'rita')
    const down = makeSandbox('registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=tok-down\n; after\n')
    registry.failNext((method, path) => method === 'DELETE' && path === `/-/user/token/${registry.tokens.rita}`, 403, {
      error: 'tokens are revoked on the website',
    })
    const [refused, unreachable, nobody] = await Promise.all([
      runPkgs(['logout'], refusing),
      runPkgs(['logout', '--json'], down),
      runPkgs(['logout', '--json'], as()),
    ])
    expect(refused.code, refused.stderr).toBe(0)
    expect(refused.stderr).toContain(`The token could not be revoked on ${registry.url}`)
    expect(refusing.readNpmrc()).toBe(`registry=${registry.url}\n`)

    expect(unreachable.code, unreachable.stderr).toBe(0)
    expect(unreachable.stderr).toContain('ECONNREFUSED')
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ revoked: false, changed: true })
    expect(down.readNpmrc()).toBe('registry=http://127.0.0.1:9/\n; after\n')

    expect(nobody.code).toBe(0)
    expect(JSON.parse(nobody.stdout)).toEqual({ registry: registry.url, revoked: false, file: null, changed: false })
    expectNoSecret(expect, [refused, unreachable], registry.tokens.rita, 'tok-down')
  })
})
