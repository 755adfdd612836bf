// What a new user found, each run as they ran it (no terminal, --json where a script would use
// it): a read-only ~/.npmrc, a rejected ${NPM_TOKEN}, a scope given as a package, a URL with a
// space, a "v1.0.0" version and a made-up license, --access private, and the packed pkgs itself.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { makeSandbox, nerfDart, repoRoot, run, runNpm, runPkgs } from './support/sandbox.js'

const verdaccio = inject('verdaccio')
const nerf = nerfDart(verdaccio.url)
const error = (res: { stdout: string }) => JSON.parse(res.stdout).error as { code: string; message: string; hint?: string }

describe('what a new user found', () => {
  it('a read-only ~/.npmrc: scope set and logout refuse (EACCES), and nothing changes, the token not revoked either', async () => {
    const text = `; mine, read-only\n@acme:registry=${verdaccio.url}\n${nerf}:_authToken=${verdaccio.users.carol.token}\n`
    const sandbox = makeSandbox(text)
    chmodSync(sandbox.userconfig, 0o444)
    const [set, logout] = await Promise.all([
      runPkgs(['scope', 'set', '@other', '--registry', verdaccio.url, '--json'], sandbox),
      runPkgs(['logout', '--scope', '@acme', '--json'], sandbox),
    ])
    for (const res of [set, logout]) {
      expect(res.code, res.stdout).toBe(1)
      expect(error(res)).toMatchObject({ code: 'EACCES', message: expect.stringContaining('Cannot write ~/.npmrc') })
    }
    expect(sandbox.readNpmrc()).toBe(text)
    expect(statSync(sandbox.userconfig).mode & 0o777).toBe(0o444)
    const whoami = await runPkgs(['whoami', '--scope', '@acme'], sandbox)
    expect(whoami.stdout).toBe('carol\n')
  })

  it('a rejected token from ${NPM_TOKEN} in ./.npmrc: the hint names the variable and the file, not a login that ./.npmrc would override', async () => {
    const sandbox = makeSandbox()
    writeFileSync(join(sandbox.cwd, '.npmrc'), `@acme:registry=${verdaccio.url}\n${nerf}:_authToken=\${NPM_TOKEN}\n`)
    const res = await runPkgs(['whoami', '--scope', '@acme', '--json'], sandbox, { env: { NPM_TOKEN: 'npm_not_a_valid_token' } })
    expect(res.code).toBe(3)
    expect(error(res)).toMatchObject({
      code: 'E401',
      hint: 'The token comes from ${NPM_TOKEN} in ./.npmrc: set NPM_TOKEN to a valid token (in CI, the secret it is read from); pkgs login would not help, as ./.npmrc names ${NPM_TOKEN} for this registry.',
    })
    expect(res.stdout).not.toContain('npm_not_a_valid_token')
  })

  it('usage: a scope as a package, a URL with a space, --access private (exit 2, nothing written)', async () => {
    const sandbox = makeSandbox('; untouched\n')
    sandbox.writePackageJson({ name: '@acme/x', version: '1.0.0' })
    const [owners, url, access, initAccess] = await Promise.all([
      runPkgs(['owners', '@nc', '--json'], sandbox),
      runPkgs(['scope', 'set', '@ok', '--registry', 'http://host/ extra', '--json'], sandbox),
      runPkgs(['publish', '--access', 'private', '--json'], sandbox),
      runPkgs(['init', '--access', 'private'], sandbox),
    ])
    expect(owners.code).toBe(2)
    expect(error(owners).message).toBe('@nc is a scope; give @nc/<name> (or --scope @nc).')
    expect(url.code).toBe(2)
    expect(error(url).message).toBe('Invalid registry URL "http://host/ extra" (--registry): it contains whitespace.')
    expect(sandbox.readNpmrc()).toBe('; untouched\n')
    expect(access.code).toBe(2)
    expect(error(access).hint).toBe("A private package is --access restricted (npm's word for private): pkgs publish --access restricted")
    expect(initAccess.code).toBe(2)
    expect(initAccess.stderr).toContain('pkgs init --access restricted')
  })

  it('init --init-version v1.0.0 writes 1.0.0, as npm would read it; a license that is not SPDX is warned about', async () => {
    const sandbox = makeSandbox()
    const res = await runPkgs(['init', '--scope', '@acme', '--init-version', 'v1.0.0', '--license', 'Not A License', '--yes'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(sandbox.cwd, 'package.json'), 'utf8'))).toMatchObject({ version: '1.0.0', license: 'Not A License' })
    expect(res.stderr).toContain('"Not A License" is not an SPDX license expression')
    const good = makeSandbox()
    const mit = await runPkgs(['init', '--scope', '@acme', '--license', 'MIT OR Apache-2.0', '--yes'], good)
    expect(mit.stderr).not.toContain('SPDX')
    const npm = await runNpm(['pkg', 'get', 'version'], sandbox)
    expect(npm.stdout.trim()).toBe('"1.0.0"')
  })

  it('the packed pkgs has no install-time script (prepare, install, …): npm install -g does not warn about one', async () => {
    const sandbox = makeSandbox()
    const dest = join(sandbox.root, 'packed')
    mkdirSync(dest)
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], sandbox, { cwd: repoRoot, timeoutMs: 60_000 })
    expect(pack.code, pack.stderr).toBe(0)
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[]
    expect(existsSync(join(dest, filename))).toBe(true)
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', join(dest, filename), 'package/package.json'], { encoding: 'utf8' })) as {
      scripts?: Record<string, string>
    }
    // what npm's install-scripts warning looks for
    expect(Object.keys(manifest.scripts ?? {}).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual([])
  })
})
