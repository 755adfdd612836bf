// Installing private packages: pkgs doctor run as a consumer runs it, in a project folder with its
// own .npmrc, NPM_TOKEN set or not, without a terminal. The private package is on Verdaccio; the
// default registry, which the project only reads, is the npmjs-like one. npm installs the project
// (the second client) where it should.
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startNpmjsRegistry, usualUsers, type NpmjsRegistry } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'

const verdaccio = inject('verdaccio')
const alice = verdaccio.users.alice
const bob = verdaccio.users.bob
const nerf = nerfDart(verdaccio.url)
const port = new URL(verdaccio.url).port
const pkg = '@acme/consumer-widgets'

interface Check {
  id: string
  status: string
  message: string
  hint?: string
}
interface DoctorDoc {
  ok: boolean
  checks: Check[]
}

function check(doc: DoctorDoc, id: string): Check {
  const found = doc.checks.find((c) => c.id === id)
  expect(found, `check ${id} in ${JSON.stringify(doc.checks, null, 1)}`).toBeDefined()
  return found!
}

async function doctor(sandbox: Sandbox, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<DoctorDoc & { code: number | null }> {
  const res = await runPkgs(['doctor', ...args, '--json'], sandbox, { env, keepStdinOpen: true })
  expect(res.stdout).not.toContain(alice.token)
  return { ...(JSON.parse(res.stdout) as DoctorDoc), code: res.code }
}

let npmjs: NpmjsRegistry

beforeAll(async () => {
  npmjs = await startNpmjsRegistry({ users: usualUsers })
  // the private package, on Verdaccio, by alice; one of @locked, which only alice may read
  const publisher = makeSandbox(`@acme:registry=${verdaccio.url}\n@locked:registry=${verdaccio.url}\n${nerf}:_authToken=${alice.token}\n`)
  for (const name of [pkg, '@locked/consumer-secret']) {
    const dir = join(publisher.cwd, name.replace('/', '-'))
    publisher.writePackageJson({ name, version: '1.0.0' }, dir)
    const res = await runPkgs(['publish', '--yes'], publisher, { cwd: dir })
    if (res.code !== 0 && !/already|cannot publish over/i.test(res.stderr)) throw new Error(res.stderr)
  }
})
afterAll(() => npmjs?.close())

/** A consumer project: "private": true, depending on the private package; ./.npmrc as given, ~/.npmrc as given. */
function project(npmrc: string, userNpmrc = '', manifest: object = {}): Sandbox {
  const sandbox = makeSandbox(userNpmrc)
  sandbox.writePackageJson({ name: 'shop', version: '1.0.0', private: true, dependencies: { [pkg]: '^1.0.0' }, ...manifest })
  writeFileSync(join(sandbox.cwd, '.npmrc'), npmrc)
  return sandbox
}

/** The project .npmrc a consumer should have: the scope mapped, the token from NPM_TOKEN, the default registry public. */
const goodNpmrc = () => `registry=${npmjs.url}\n@acme:registry=${verdaccio.url}\n${nerf}:_authToken=\${NPM_TOKEN}\n`

const dependabot = (url: string) =>
  `version: 2\nregistries:\n  acme:\n    type: npm-registry\n    url: ${url}\n    token: \${{secrets.NPM_TOKEN}}\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    registries: [acme]\n    schedule: { interval: weekly }\n`

describe('pkgs doctor for a consumer project', () => {
  it('passes a project set up right (npm installs it too), and fails the same project in CI without NPM_TOKEN', async () => {
    const sandbox = project(goodNpmrc())
    mkdirSync(join(sandbox.cwd, '.github'))
    writeFileSync(join(sandbox.cwd, '.github', 'dependabot.yml'), dependabot(verdaccio.url))
    const install = await runNpm(['install'], sandbox, { env: { NPM_TOKEN: alice.token } })
    expect(install.code, install.stderr).toBe(0)
    expect(readFileSync(join(sandbox.cwd, 'package-lock.json'), 'utf8')).toContain(`${verdaccio.url}${pkg}/-/`)

    const [good, text, ci] = await Promise.all([
      doctor(sandbox, { NPM_TOKEN: alice.token }),
      runPkgs(['doctor'], sandbox, { env: { NPM_TOKEN: alice.token } }),
      doctor(sandbox, { CI: 'true' }),
    ])
    expect(good.code, JSON.stringify(good.checks, null, 1)).toBe(0)
    expect(good.checks.filter((c) => c.status !== 'ok')).toEqual([])
    // never told to take a scope, nor to log in to the public registry it only reads
    expect(good.checks.map((c) => c.id)).not.toContain('scope')
    expect(check(good, 'credentials').message).toBe(`No credentials for ${npmjs.url}: none needed to read public packages.`)
    expect(check(good, 'install-registry:@acme').message).toBe(`@acme installs from ${verdaccio.url} (@acme:registry in ./.npmrc).`)
    expect(check(good, 'install-credentials:@acme').message).toBe(`Credentials for ${verdaccio.url} are set in ./.npmrc (via \${NPM_TOKEN}).`)
    expect(check(good, 'install-packages:@acme').message).toBe(`Readable from ${verdaccio.url}: ${pkg} (latest 1.0.0).`)
    expect(check(good, 'lockfile:package-lock.json').status).toBe('ok')
    expect(check(good, `dependabot:${verdaccio.url}`).status).toBe('ok')
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/All set/)

    expect(ci.code).toBe(1)
    expect(check(ci, 'install-credentials:@acme')).toMatchObject({
      status: 'error',
      message: `The credentials for ${verdaccio.url} come from \${NPM_TOKEN} in ./.npmrc, but the environment variable NPM_TOKEN is not set.`,
    })
  })

  it('a scope not mapped, a token kept for another spelling, a lockfile from another host, Dependabot without the registry', async () => {
    // 1. @acme not mapped: npm asks the default registry; the token for Verdaccio sits in ~/.npmrc
    const unmapped = project(`registry=${npmjs.url}\n`, `${nerf}:_authToken=${alice.token}\n`)
    // 2. mapped to 127.0.0.1, the token kept for localhost
    const spelt = project(`registry=${npmjs.url}\n@acme:registry=${verdaccio.url}\n//localhost:${port}/:_authToken=\${NPM_TOKEN}\n`)
    // 3. the lockfiles resolve from localhost while the scope maps to 127.0.0.1
    const locked = project(goodNpmrc())
    const tarball = `http://localhost:${port}/${pkg}/-/consumer-widgets-1.0.0.tgz`
    writeFileSync(
      join(locked.cwd, 'package-lock.json'),
      JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'shop' }, [`node_modules/${pkg}`]: { version: '1.0.0', resolved: tarball } } }),
    )
    writeFileSync(join(locked.cwd, 'yarn.lock'), `# yarn lockfile v1\n\n"${pkg}@^1.0.0":\n  version "1.0.0"\n  resolved "${tarball}#abc"\n`)
    writeFileSync(
      join(locked.cwd, 'pnpm-lock.yaml'),
      `lockfileVersion: '9.0'\npackages:\n  '${pkg}@1.0.0':\n    resolution: {tarball: ${tarball}}\n  'left-pad@1.3.0':\n    resolution: {integrity: sha512-x}\n`,
    )
    mkdirSync(join(locked.cwd, '.github'))
    writeFileSync(join(locked.cwd, '.github', 'dependabot.yml'), dependabot('https://npm.other.example/'))

    const env = { NPM_TOKEN: alice.token }
    const [a, b, c, pkgArg, lockedArg] = await Promise.all([
      doctor(unmapped, env),
      doctor(spelt, env),
      doctor(locked, env),
      doctor(unmapped, env, [pkg]),
      doctor(locked, env, [pkg]),
    ])

    expect(a.code).toBe(1)
    expect(check(a, 'install-registry:@acme').message).toBe(
      `@acme installs from ${npmjs.url} (not mapped: the default registry, set by registry= in ./.npmrc).`,
    )
    expect(check(a, `install-package:${pkg}`)).toEqual({
      id: `install-package:${pkg}`,
      status: 'error',
      message: `${pkg} is not on this registry, ${npmjs.url} (where @acme installs from), but it is on ${verdaccio.url}, which a token is kept for.`,
      hint: `Map @acme to it: pkgs scope set @acme --registry ${verdaccio.url} --location project`,
    })
    // a private project is not told to take a scope, even with problems
    expect(a.checks.map((x) => x.id)).not.toContain('scope')
    // pkgs doctor <package>: the same answer for one package
    expect(check(pkgArg, 'package')).toMatchObject({
      status: 'error',
      hint: `Map @acme to it: pkgs scope set @acme --registry ${verdaccio.url} --location project`,
    })

    expect(b.code).toBe(1)
    expect(check(b, 'install-credentials:@acme')).toEqual({
      id: 'install-credentials:@acme',
      status: 'error',
      message: `No credentials for ${verdaccio.url}, but a token is kept for //localhost:${port}/ (in ./.npmrc (via \${NPM_TOKEN})): the same registry spelt another way, which npm does not use for ${verdaccio.url}.`,
      hint: `Use the spelling the token is kept for: pkgs scope set @acme --registry http://localhost:${port}/ --location project`,
    })
    expect(check(b, `install-package:${pkg}`).message).toContain('not logged in')

    expect(c.code).toBe(1)
    for (const file of ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml']) {
      expect(check(c, `lockfile:${file}:@acme`)).toEqual({
        id: `lockfile:${file}:@acme`,
        status: 'error',
        message: `${file} fetches ${pkg} from http://localhost:${port}/, but @acme installs from ${verdaccio.url} (the same registry spelt another way): the install uses the lockfile's URL, and the credentials kept for that host.`,
        hint: `Make them agree: pkgs scope set @acme --registry http://localhost:${port}/ --location project; or resolve again from ${verdaccio.url}: delete ${file} and install.`,
      })
    }
    expect(check(c, `dependabot:${verdaccio.url}`)).toMatchObject({
      status: 'error',
      message: `.github/dependabot.yml has no npm-registry entry for ${verdaccio.url} (@acme): Dependabot cannot update @acme packages.`,
    })
    expect(check(c, `dependabot:${verdaccio.url}`).hint).toContain(`type: npm-registry\n    url: ${verdaccio.url}`)
    // pkgs doctor <package> in the project: its lockfile entry too
    expect(check(lockedArg, 'lockfile:yarn.lock:@acme').status).toBe('error')
    expect(check(lockedArg, 'package').status).toBe('ok')
  })

  it('tells apart not logged in, no access, a rejected ${NPM_TOKEN} and not on this registry', async () => {
    const deps = { dependencies: { [pkg]: '^1.0.0', '@locked/consumer-secret': '^1.0.0', '@acme/consumer-missing': '^1.0.0' } }
    const npmrc = `registry=${npmjs.url}\n@acme:registry=${verdaccio.url}\n@locked:registry=${verdaccio.url}\n`
    const anonymous = project(npmrc, '', deps)
    const asBob = project(npmrc + `${nerf}:_authToken=\${NPM_TOKEN}\n`, '', deps)
    const [none, withBob, rejected, locked] = await Promise.all([
      doctor(anonymous),
      doctor(asBob, { NPM_TOKEN: bob.token }),
      doctor(asBob, { NPM_TOKEN: 'not-a-valid-token' }),
      doctor(asBob, { NPM_TOKEN: bob.token }, ['@locked/consumer-secret']),
    ])
    expect(check(locked, 'package')).toMatchObject({
      status: 'error',
      message: `@locked/consumer-secret: no access for bob on ${verdaccio.url}.`,
      hint: 'Ask an owner of @locked/consumer-secret to run: pkgs share bob @locked/consumer-secret',
    })
    expect(check(none, `install-package:${pkg}`)).toMatchObject({
      status: 'error',
      message: `${pkg}: not logged in to ${verdaccio.url}, which asks for credentials to read it.`,
    })
    expect(check(none, `install-package:${pkg}`).hint).toContain(`@acme:registry=${verdaccio.url}\n  ${nerf}:_authToken=\${NPM_TOKEN}`)

    expect(check(withBob, 'install-packages:@acme').message).toBe(`Readable from ${verdaccio.url}: ${pkg} (latest 1.0.0).`)
    expect(check(withBob, 'install-package:@locked/consumer-secret')).toEqual({
      id: 'install-package:@locked/consumer-secret',
      status: 'error',
      message: `@locked/consumer-secret: no access for bob on ${verdaccio.url}.`,
      hint: 'Ask an owner of @locked/consumer-secret to run: pkgs share bob @locked/consumer-secret',
    })
    expect(check(withBob, 'install-package:@acme/consumer-missing').message).toBe(
      `@acme/consumer-missing is not on this registry, ${verdaccio.url} — or it is private and bob has no access to it.`,
    )

    expect(check(rejected, `install-package:${pkg}`)).toMatchObject({
      message: `${pkg}: ${verdaccio.url} rejected the credentials from \${NPM_TOKEN} in ./.npmrc (not logged in).`,
    })
    expect(check(rejected, `install-package:${pkg}`).hint).toContain('NPM_TOKEN holds a token')
  })
})
