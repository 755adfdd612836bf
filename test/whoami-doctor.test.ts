// whoami and doctor on a real Verdaccio, with npm as the second client.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { makeSandbox, nerfDart, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'

const verdaccio = inject('verdaccio')
const alice = verdaccio.users.alice
const nerf = nerfDart(verdaccio.url)

function loggedIn(token = alice.token, extra = ''): Sandbox {
  return makeSandbox(`@acme:registry=${verdaccio.url}\nscope=@acme\n${nerf}:_authToken=${token}\n${extra}`)
}

interface DoctorDoc {
  ok: boolean
  registry: string
  kind: string
  checks: { id: string; status: string; message: string; hint?: string }[]
}

function check(doc: DoctorDoc, id: string) {
  const found = doc.checks.find((c) => c.id === id)
  expect(found, `check ${id} in ${JSON.stringify(doc.checks)}`).toBeDefined()
  return found!
}

/** A folder with a fake npm of the given version, found on the PATH as `npm`. */
function fakeNpmOnPath(sandbox: Sandbox, version: string): string {
  const root = join(sandbox.root, 'fake-npm', 'lib', 'node_modules', 'npm')
  mkdirSync(join(root, 'bin'), { recursive: true })
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'npm', version }))
  writeFileSync(join(root, 'bin', 'npm-cli.js'), '#!/bin/sh\necho should-not-be-run >&2\nexit 1\n')
  chmodSync(join(root, 'bin', 'npm-cli.js'), 0o755)
  const binDir = join(sandbox.root, 'fake-npm', 'bin')
  mkdirSync(binDir, { recursive: true })
  symlinkSync(join(root, 'bin', 'npm-cli.js'), join(binDir, 'npm'))
  return binDir
}

describe('pkgs whoami on Verdaccio', () => {
  it('answers the same user as npm whoami', async () => {
    const sandbox = loggedIn()
    const [pkgs, npm, json] = await Promise.all([
      runPkgs(['whoami'], sandbox),
      runNpm(['whoami', '--registry', verdaccio.url], sandbox),
      runPkgs(['whoami', '--scope', 'acme', '--json'], sandbox),
    ])
    expect(pkgs).toMatchObject({ code: 0, stdout: 'alice\n' })
    expect(npm.stdout.trim()).toBe('alice')
    expect(JSON.parse(json.stdout)).toEqual({ username: 'alice', registry: verdaccio.url })
  })

  it('exits 3 with the login command when the token is rejected', async () => {
    const sandbox = loggedIn('not-a-valid-token')
    const res = await runPkgs(['whoami', '--json'], sandbox)
    expect(res.code).toBe(3)
    const { error } = JSON.parse(res.stdout)
    expect(error.code).toBe('E401')
    expect(error.hint).toContain('pkgs login --scope @acme')
  })

  it('without a default scope and logged in only for @acme: the hint names pkgs whoami --scope @acme', async () => {
    // no scope=, no registry=: plain whoami asks the default registry, where there are no credentials
    const sandbox = makeSandbox(`@acme:registry=${verdaccio.url}\n${nerf}:_authToken=${alice.token}\n`)
    const [json, text] = await Promise.all([runPkgs(['whoami', '--json'], sandbox), runPkgs(['whoami'], sandbox)])
    expect(json.code).toBe(3)
    const { error } = JSON.parse(json.stdout)
    expect(error.code).toBe('ENEEDAUTH')
    expect(error.hint).toContain('pkgs whoami --scope @acme')
    expect(error.hint).toContain('pkgs login')
    expect(text.code).toBe(3)
    expect(text.stderr).toContain("hint: You are logged in on @acme's registry: pkgs whoami --scope @acme")
  })

  it('logs requests with --verbose without printing the token', async () => {
    const sandbox = loggedIn()
    const res = await runPkgs(['whoami', '--verbose'], sandbox)
    expect(res.code).toBe(0)
    expect(res.stderr).toMatch(new RegExp(`http fetch GET 200 ${verdaccio.url}-/whoami \\d+ms`))
    expect(res.stdout + res.stderr).not.toContain(alice.token)
  })
})

describe('pkgs doctor on Verdaccio', () => {
  it('passes on a good set-up, naming where the credentials come from', async () => {
    const sandbox = loggedIn()
    sandbox.writePackageJson({ name: '@acme/widgets', version: '1.0.0', publishConfig: { access: 'restricted' } })
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code, res.stdout).toBe(0)
    const doc = JSON.parse(res.stdout) as DoctorDoc
    expect(doc).toMatchObject({ ok: true, registry: verdaccio.url, kind: 'verdaccio' })
    expect(doc.checks.map((c) => c.status)).not.toContain('error')
    expect(check(doc, 'registry').message).toContain('~/.npmrc (@acme:registry)')
    expect(check(doc, 'credentials').message).toContain('~/.npmrc')
    expect(check(doc, 'login').message).toBe('Logged in as alice.')
    // Verdaccio hides its version unless configured to show it
    expect(check(doc, 'registry-kind').message).toMatch(
      /^Verdaccio( 6(\.8\.0)?)?: supports login, publish(, share( \(depending on its version\))?)?; not web-login, (share, )?teams, visibility, orgs, trust, stage\.$/,
    )
    expect(res.stdout).not.toContain(alice.token)
  })

  it('never waits for input without a terminal, and never prints the token with --verbose', async () => {
    const sandbox = loggedIn()
    const res = await runPkgs(['doctor', '@acme/nothing', '--verbose'], sandbox, { keepStdinOpen: true, timeoutMs: 15_000 })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('http fetch GET 200')
    expect(res.stdout + res.stderr).not.toContain(alice.token)
  })

  it('prints a readable checklist without --json', async () => {
    const res = await runPkgs(['doctor'], loggedIn())
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('✔ Logged in as alice.')
    expect(res.stdout).toMatch(/All set/)
  })

  it('fails with a hint when there is no token', async () => {
    const sandbox = makeSandbox(`@acme:registry=${verdaccio.url}\nscope=@acme\n`)
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code).toBe(1)
    const doc = JSON.parse(res.stdout) as DoctorDoc
    expect(doc.ok).toBe(false)
    expect(check(doc, 'credentials')).toMatchObject({ status: 'error', hint: 'Log in with: pkgs login --scope @acme' })
  })

  it('fails with a hint when the token is bad', async () => {
    const res = await runPkgs(['doctor', '--json'], loggedIn('bad-token'))
    expect(res.code).toBe(1)
    const login = check(JSON.parse(res.stdout), 'login')
    expect(login.status).toBe('error')
    expect(login.hint).toContain('pkgs login --scope @acme')
  })

  it('reports a configured registry URL that is not one as a failed check (exit 1), not a usage error', async () => {
    const sandbox = makeSandbox('registry=not a url\n')
    const [json, plain, flag] = await Promise.all([
      runPkgs(['doctor', '--json'], sandbox),
      runPkgs(['doctor'], sandbox),
      runPkgs(['doctor', '--registry', 'not a url', '--json'], makeSandbox()),
    ])
    expect(json.code).toBe(1)
    const doc = JSON.parse(json.stdout)
    expect(doc).toMatchObject({ ok: false, registry: null })
    expect(check(doc, 'registry')).toMatchObject({ status: 'error', message: 'Invalid registry URL "not a url" (~/.npmrc (registry)).' })
    expect(check(doc, 'node').status).toBe('ok')
    expect(plain.code).toBe(1)
    expect(plain.stdout).toContain('1 problem to fix.')
    // given on the command line, it is the command that is wrong: exit 2
    expect(flag.code).toBe(2)
  })

  it('fails with a hint when the registry is down', async () => {
    const sandbox = makeSandbox(`@acme:registry=http://127.0.0.1:9/\nscope=@acme\n//127.0.0.1:9/:_authToken=x\n`)
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code).toBe(1)
    const ping = check(JSON.parse(res.stdout), 'ping')
    expect(ping.status).toBe('error')
    expect(ping.message).toContain('Cannot reach the registry http://127.0.0.1:9/')
    expect(ping.hint).toContain('~/.npmrc (@acme:registry)')
    // the login cannot be checked: said so, and why, rather than left out
    expect(check(JSON.parse(res.stdout), 'login')).toMatchObject({
      status: 'warn',
      message: 'The login was not checked: http://127.0.0.1:9/ cannot be reached (see above).',
    })
    // a registry that never answered cannot be recognised: said as such, not as a kind of registry
    expect(check(JSON.parse(res.stdout), 'registry-kind').message).toBe(
      'Registry kind not recognised: pkgs tries login, web-login, publish, share, teams, visibility, orgs, trust, stage, and says so when the registry refuses one.',
    )
  })

  it('fails when npm is not on the PATH, and when it is 2.7.0, without running it', async () => {
    const sandbox = loggedIn()
    const old = fakeNpmOnPath(sandbox, '2.7.0')
    const [missing, tooOld] = await Promise.all([
      runPkgs(['doctor', '--json'], sandbox, { env: { PATH: '/nonexistent' } }),
      runPkgs(['doctor', '--json'], sandbox, { env: { PATH: old } }),
    ])
    expect(missing.code).toBe(1)
    expect(check(JSON.parse(missing.stdout), 'npm')).toMatchObject({ status: 'error', message: 'npm was not found on the PATH.' })
    expect(tooOld.code).toBe(1)
    const npm = check(JSON.parse(tooOld.stdout), 'npm')
    expect(npm).toMatchObject({ status: 'error', hint: 'Upgrade npm: npm install -g npm@latest' })
    expect(npm.message).toContain('npm 2.7.0 is too old')
    expect(tooOld.stderr).not.toContain('should-not-be-run')
  })

  it('warns about an old npm on other registry commands too', async () => {
    const sandbox = loggedIn()
    const res = await runPkgs(['whoami'], sandbox, { env: { PATH: fakeNpmOnPath(sandbox, '2.6.0') } })
    expect(res.code).toBe(0)
    expect(res.stderr).toContain('npm 2.6.0 is too old for private packages')
  })

  it('checks that a package is readable, and explains when it is not', async () => {
    const sandbox = loggedIn()
    const res = await runPkgs(['doctor', '@acme/does-not-exist', '--json'], sandbox)
    expect(res.code).toBe(1)
    const pkg = check(JSON.parse(res.stdout), 'package')
    expect(pkg.status).toBe('error')
    expect(pkg.message).toContain('@acme/does-not-exist was not found on')
    expect(pkg.message).toContain('or it is private')
    // not `pkgs doctor @acme/does-not-exist` again: what to do about it, with the user's name
    expect(pkg.hint).toBe(
      'Check the name; if it is on another registry, map @acme to it: pkgs scope set @acme --registry <url>; if it is private, ask an owner to run: pkgs share alice @acme/does-not-exist',
    )
  })

  it('without credentials: a private package cannot be read without logging in (not "credentials rejected")', async () => {
    const sandbox = makeSandbox(`@acme:registry=${verdaccio.url}\nscope=@acme\n`)
    const [doctor, owners] = await Promise.all([
      runPkgs(['doctor', '@acme/anything', '--json'], sandbox),
      runPkgs(['owners', '@acme/anything', '--json'], sandbox),
    ])
    const pkg = check(JSON.parse(doctor.stdout), 'package')
    expect(pkg).toMatchObject({ status: 'error', message: '@acme/anything cannot be read without logging in.', hint: 'Log in with: pkgs login --scope @acme' })
    expect(owners.code).toBe(3)
    expect(JSON.parse(owners.stdout).error).toMatchObject({ code: 'ENEEDAUTH', message: `You are not logged in to ${verdaccio.url}.` })
  })

  it("says where a scope's registry comes from: its own mapping, or only the plain registry= setting", async () => {
    const plain = makeSandbox(`registry=${verdaccio.url}\n${nerf}:_authToken=${alice.token}\n`)
    const mapped = loggedIn()
    for (const sandbox of [plain, mapped])
      sandbox.writePackageJson({ name: '@acme/elsewhere', version: '1.0.0', publishConfig: { registry: 'http://other.example/' } })
    const [fromPlain, fromMapping] = await Promise.all([runPkgs(['doctor', '--json'], plain), runPkgs(['doctor', '--json'], mapped)])
    const plainDoc = JSON.parse(fromPlain.stdout) as DoctorDoc
    expect(check(plainDoc, 'registry').message).toBe(`Registry for @acme: ${verdaccio.url} (the default registry, set by registry= in ~/.npmrc)`)
    expect(check(plainDoc, 'package-json').message).toBe(
      `@acme/elsewhere publishes to http://other.example/ (publishConfig.registry), but @acme is not mapped to a registry: its packages use the default registry, ${verdaccio.url} (set by registry= in ~/.npmrc).`,
    )
    expect(fromPlain.stdout).not.toContain('is mapped to')
    expect(check(JSON.parse(fromMapping.stdout) as DoctorDoc, 'package-json').message).toBe(
      `@acme/elsewhere publishes to http://other.example/ (publishConfig.registry), but @acme is mapped to ${verdaccio.url} (~/.npmrc (@acme:registry)).`,
    )
  })

  it('fails on a default scope that is not a valid scope, naming the file and the value', async () => {
    const sandbox = makeSandbox(`@acme:registry=${verdaccio.url}\nscope=Bad Scope!!\n${nerf}:_authToken=${alice.token}\n`)
    sandbox.writePackageJson({ name: '@acme/widgets', version: '1.0.0' })
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code, res.stdout).toBe(1)
    const doc = JSON.parse(res.stdout) as DoctorDoc
    expect(check(doc, 'scope')).toEqual({
      id: 'scope',
      status: 'error',
      message: 'The default scope in ~/.npmrc, "Bad Scope!!", is not a valid scope.',
      hint: 'A scope is @ and lower-case letters, digits, "-", "." or "_": pkgs scope set @acme',
    })
    expect(doc.registry).toBe(verdaccio.url)
  })

  it('flags an unscoped package.json that asks to be restricted', async () => {
    const sandbox = loggedIn()
    sandbox.writePackageJson({ name: 'widgets', version: '1.0.0', publishConfig: { access: 'restricted' } })
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code).toBe(1)
    expect(check(JSON.parse(res.stdout), 'package-json')).toMatchObject({ status: 'error', hint: 'Give it a scope: pkgs init --scope @your-scope' })
  })
})

describe('credentials npm cannot use', () => {
  const unset = 'PKGS_TEST_UNSET_TOKEN'
  const fromVariable = (ref: string) => makeSandbox(`@acme:registry=${verdaccio.url}\nscope=@acme\n${nerf}:_authToken=${ref}\n`)

  it('names the unset variable a token comes from, in doctor and in every command that needs it (exit 3)', async () => {
    const sandbox = fromVariable(`\${${unset}}`)
    sandbox.writePackageJson({ name: '@acme/from-variable', version: '1.0.0' })
    const [doctor, ...commands] = await Promise.all([
      runPkgs(['doctor', '--json'], sandbox),
      runPkgs(['whoami', '--json'], sandbox),
      runPkgs(['publish', '--yes', '--json'], sandbox),
      runPkgs(['share', 'bob', '--json'], sandbox),
      // a read sends what npm would send (the text ${…}): its refusal is explained the same way
      runPkgs(['owners', '--json'], sandbox),
    ])
    expect(doctor.code).toBe(1)
    const doc = JSON.parse(doctor.stdout) as DoctorDoc
    expect(check(doc, 'credentials')).toMatchObject({
      status: 'error',
      message: `The credentials for ${verdaccio.url} come from \${${unset}} in ~/.npmrc, but the environment variable ${unset} is not set.`,
      hint: `Set ${unset} (in CI, from a secret), or log in with: pkgs login --scope @acme`,
    })
    expect(doc.checks.find((c) => c.id === 'login')).toBeUndefined()
    for (const res of commands) {
      expect(res.code, res.stdout).toBe(3)
      const { error } = JSON.parse(res.stdout)
      expect(error.code).toBe('ENEEDAUTH')
      expect(error.message).toContain(`the environment variable ${unset} is not set`)
    }
    const set = await runPkgs(['whoami'], sandbox, { env: { [unset]: alice.token } })
    expect(set).toMatchObject({ code: 0, stdout: 'alice\n' })
  })

  it('says so for an optional reference too (${VAR?}), which npm reads as no token', async () => {
    const sandbox = fromVariable(`\${${unset}?}`)
    const [doctor, whoami] = await Promise.all([runPkgs(['doctor', '--json'], sandbox), runPkgs(['whoami', '--json'], sandbox)])
    expect(check(JSON.parse(doctor.stdout), 'credentials')).toMatchObject({
      status: 'error',
      hint: `Set ${unset} (in CI, from a secret), or log in with: pkgs login --scope @acme`,
    })
    expect(whoami.code).toBe(3)
    expect(JSON.parse(whoami.stdout).error.message).toContain(`the environment variable ${unset} is not set`)
  })

  it('refuses top-level credentials as npm does (ERR_INVALID_AUTH), naming the file, the key and `npm config fix`', async () => {
    const sandbox = makeSandbox(`registry=${verdaccio.url}\n_authToken=${alice.token}\n`)
    const [whoami, doctor, npm] = await Promise.all([
      runPkgs(['whoami', '--json'], sandbox),
      runPkgs(['doctor', '--json'], sandbox),
      runNpm(['whoami'], sandbox),
    ])
    const rename = `\`_authToken\` must be renamed to \`${nerf}:_authToken\``
    expect(npm.stderr).toContain('ERR_INVALID_AUTH')
    expect(npm.stderr).toContain(rename)
    expect(whoami.code).toBe(3)
    const expected = {
      code: 'ERR_INVALID_AUTH',
      message: `npm no longer accepts credentials that are not tied to a registry: in ~/.npmrc, ${rename}.`,
      hint: 'Run `npm config fix` to make the change.',
    }
    expect(JSON.parse(whoami.stdout).error).toEqual(expected)
    expect(doctor.code).toBe(1)
    expect(check(JSON.parse(doctor.stdout), 'credentials')).toMatchObject({ status: 'error', message: expected.message, hint: expected.hint })
    expect(whoami.stdout + doctor.stdout).not.toContain(alice.token)
  })

  it('says where `npm config fix` puts them when the scope uses another registry, and checks the project .npmrc too', async () => {
    const sandbox = makeSandbox(`@acme:registry=${verdaccio.url}\nscope=@acme\n${nerf}:_authToken=${alice.token}\n`)
    // the project .npmrc is the one next to the nearest package.json
    sandbox.writePackageJson({ name: '@acme/legacy', version: '1.0.0' })
    writeFileSync(join(sandbox.cwd, '.npmrc'), 'username=alice\n_password=cHc=\n')
    const res = await runPkgs(['whoami', '--json'], sandbox)
    expect(res.code).toBe(3)
    const { error } = JSON.parse(res.stdout)
    expect(error.code).toBe('ERR_INVALID_AUTH')
    expect(error.message).toContain(`in ./.npmrc, \`username\` must be renamed to \`//registry.npmjs.org/:username\` and \`_password\``)
    expect(error.hint).toBe(
      `Run \`npm config fix\` (it ties them to //registry.npmjs.org/), or, if they are for ${verdaccio.url}, rename them to \`${nerf}:username\` and \`${nerf}:_password\` yourself.`,
    )
  })
})

describe('pkgs doctor on a package.json that publish would refuse', () => {
  it('is an error for each, as publish is', async () => {
    const cases: [object, string][] = [
      [
        { name: '@acme/widgets', version: '1.0.0', publishConfig: { registry: 'ftp://x' } },
        'Invalid registry URL "ftp://x" (publishConfig.registry in package.json): only http and https are supported.',
      ],
      [{ name: '@acme/widgets', version: '1.0.0', publishConfig: { registry: 5 } }, 'publishConfig.registry in package.json is 5, not a URL.'],
      [{ name: '@acme/widgets', version: 5 }, 'The version in <file> is 5, not a string.'],
      [{ name: '@acme/widgets', version: '1.0' }, 'The version in <file>, "1.0", is not a semantic version.'],
      [{ name: 5, version: '1.0.0' }, 'The name in <file> is 5, not a string.'],
    ]
    await Promise.all(
      cases.map(async ([pkg, message]) => {
        const sandbox = loggedIn()
        sandbox.writePackageJson(pkg)
        const [doctor, publish] = await Promise.all([runPkgs(['doctor', '--json'], sandbox), runPkgs(['publish', '--dry-run', '--json'], sandbox)])
        expect(doctor.code, doctor.stdout).toBe(1)
        const found = check(JSON.parse(doctor.stdout), 'package-json')
        expect(found).toMatchObject({ status: 'error', message: message.replace('<file>', join(sandbox.cwd, 'package.json')) })
        // never a fix that is itself refused (pkgs scope set … --registry ftp://x)
        expect(found.hint).not.toContain('pkgs scope set')
        expect(publish.code, `${JSON.stringify(pkg)}: ${publish.stdout}`).not.toBe(0)
      }),
    )
  })

  it('accepts a version npm cleans on publish (v1.0.0)', async () => {
    const sandbox = loggedIn()
    sandbox.writePackageJson({ name: '@acme/widgets', version: 'v1.0.0' })
    const res = await runPkgs(['doctor', '--json'], sandbox)
    expect(res.code, res.stdout).toBe(0)
    expect(check(JSON.parse(res.stdout), 'package-json').status).toBe('ok')
  })

  it('makes other commands that read the name exit 1 on a name that is not a string', async () => {
    const sandbox = loggedIn()
    sandbox.writePackageJson({ name: 5, version: '1.0.0' })
    for (const args of [['owners'], ['share', 'bob'], ['access']]) {
      const res = await runPkgs([...args, '--json'], sandbox)
      expect(res.code, `${args.join(' ')}: ${res.stdout}`).toBe(1)
      expect(JSON.parse(res.stdout).error).toEqual({
        code: 'EBADPACKAGE',
        message: `The name in ${join(sandbox.cwd, 'package.json')} is 5, not a string.`,
        hint: 'Give it a name such as "@your-scope/widgets" (pkgs init --scope @your-scope writes one).',
      })
    }
  })
})
