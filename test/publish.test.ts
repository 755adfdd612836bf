// pkgs publish on a real Verdaccio, with npm as the second client: packed as npm packs,
// restricted by default, readable by another user only, republishing explained.
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { keys, runPkgsInPty } from './support/pty.js'
import { makeSandbox, nerfDart, pkgsBin, processLogEnv, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'
import { packFolder, seedPublish } from './support/seed.js'

const verdaccio = inject('verdaccio')
const { alice, bob } = verdaccio.users
const nerf = nerfDart(verdaccio.url)
// one Verdaccio serves every test file of the run: names of our own
const run = Math.random().toString(36).slice(2, 8)
const unreachable = 'http://127.0.0.1:9/'
// a publish of a package with lifecycle scripts is a process of its own: npm's libraries run them
// with the process's environment (see runPkgs)
const scripts = { asProcess: 'lifecycle scripts' } as const

function as(user: { token: string } | undefined, registry = verdaccio.url, extra = ''): Sandbox {
  const auth = user ? `${nerfDart(registry)}:_authToken=${user.token}\n` : ''
  return makeSandbox(`@acme:registry=${registry}\n${auth}${extra}`)
}

/**
 * A package with what makes packing interesting: `files`, an .npmignore inside a listed folder,
 * a file only prepack makes, and scripts that record that they ran and with which environment.
 */
function writeFixture(dir: string, pkg: Record<string, unknown>): void {
  mkdirSync(join(dir, 'lib'), { recursive: true })
  mkdirSync(join(dir, 'test'), { recursive: true })
  const record = (event: string) => `node -e "require('fs').writeFileSync('${event}.ran', process.env.npm_command + ' ' + process.env.npm_lifecycle_event)"`
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        version: '1.0.0',
        description: 'a fixture',
        main: 'lib/index.js',
        files: ['lib', 'generated.txt'],
        scripts: {
          prepublishOnly: record('prepublishOnly'),
          prepack: `node -e "require('fs').writeFileSync('generated.txt', 'made by prepack\\n')"`,
          postpack: record('postpack'),
          postpublish: record('postpublish'),
        },
        ...pkg,
      },
      null,
      2,
    ) + '\n',
  )
  writeFileSync(join(dir, 'lib', 'index.js'), 'module.exports = 42\n')
  writeFileSync(join(dir, 'lib', 'util.js'), 'exports.util = true\n')
  writeFileSync(join(dir, 'lib', 'key.secret'), 'not for publishing\n')
  writeFileSync(join(dir, 'lib', '.npmignore'), '*.secret\n')
  writeFileSync(join(dir, 'test', 'index.test.js'), 'test\n')
  writeFileSync(join(dir, 'README.md'), '# fixture\n')
  writeFileSync(join(dir, '.npmignore'), 'test/\n')
}

/** The package as Verdaccio has it, read as bob (a state check; npm reads it in the tests of publishing itself). */
async function packument(name: string): Promise<{ status: number; versions?: Record<string, unknown> }> {
  const res = await fetch(`${verdaccio.url}${name.replace('/', '%2f')}`, { headers: { authorization: `Bearer ${bob.token}` } })
  return { status: res.status, ...(res.ok ? ((await res.json()) as { versions?: Record<string, unknown> }) : {}) }
}

function json(res: { stdout: string }) {
  return JSON.parse(res.stdout)
}

/** The file list of a dry run's plain output ("files:" then one "<size>  <path>" a line). */
function listedFiles(stdout: string): string[] {
  const lines = stdout.split('\n')
  return lines
    .slice(lines.findIndex((l) => l.trim() === 'files:') + 1)
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/)[1])
}

describe.concurrent('pkgs publish on Verdaccio', () => {
  it('publishes a scoped package restricted: bob can view and install it with npm, anonymous users cannot', async () => {
    const name = `@acme/widget-${run}`
    const sandbox = as(alice)
    writeFixture(sandbox.cwd, { name })
    const res = await runPkgs(['publish', '--json'], sandbox, scripts)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({
      name,
      version: '1.0.0',
      access: 'restricted',
      tag: 'latest',
      registry: verdaccio.url,
      files: 5,
      dryRun: false,
      published: true,
    })
    // npm's lifecycle, with npm's environment
    for (const event of ['prepublishOnly', 'postpack', 'postpublish']) {
      expect(readFileSync(join(sandbox.cwd, `${event}.ran`), 'utf8')).toBe(`publish ${event}`)
    }

    const reader = as(bob)
    writeFileSync(join(reader.cwd, 'package.json'), '{"name":"consumer","version":"1.0.0"}\n')
    const anonymous = as(undefined)
    const [view, install, anon] = await Promise.all([
      runNpm(['view', name, 'dist.integrity', '--json'], reader),
      runNpm(['install', name, '--no-package-lock'], reader),
      runNpm(['view', name, 'version'], anonymous),
    ])
    expect(view.code, view.stderr).toBe(0)
    expect(JSON.parse(view.stdout)).toBe(json(res).integrity)
    expect(install.code, install.stderr).toBe(0)
    const installed = join(reader.cwd, 'node_modules', name)
    expect(readFileSync(join(installed, 'generated.txt'), 'utf8')).toBe('made by prepack\n')
    expect(existsSync(join(installed, 'lib', 'key.secret'))).toBe(false)
    expect(anon.code).not.toBe(0)
    expect(anon.stderr).toMatch(/E401|E403|E404/)
  })

  it('explains a version already published (exit 1), and tolerates an identical one with --tolerate-republish', async () => {
    const name = `@acme/again-${run}`
    const sandbox = as(alice)
    writeFixture(sandbox.cwd, { name })
    const first = await runPkgs(['publish'], sandbox, scripts)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe(`+ ${name}@1.0.0\n`)

    // one after the other: both run prepack in this folder, and a file rewritten while the other packs it breaks the tarball
    const again = await runPkgs(['publish'], sandbox, scripts)
    const tolerated = await runPkgs(['publish', '--tolerate-republish', '--json'], sandbox, scripts)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`${name}@1.0.0 is already published on ${verdaccio.url} (with the same contents).`)
    expect(again.stderr).toContain('bump the version')
    expect(again.stderr).toContain('--tolerate-republish')
    expect(tolerated.code, tolerated.stderr).toBe(0)
    expect(json(tolerated)).toMatchObject({ name, version: '1.0.0', published: false })
    expect(tolerated.stderr).toContain('already published')

    // different contents under the same version are never tolerated
    writeFileSync(join(sandbox.cwd, 'lib', 'index.js'), 'module.exports = 43\n')
    const changed = await runPkgs(['publish', '--tolerate-republish', '--json'], sandbox, scripts)
    expect(changed.code).toBe(1)
    expect(json(changed).error).toMatchObject({ code: 'EPUBLISHCONFLICT' })
    expect(json(changed).error.message).toContain('different contents')
  })

  it('a postpublish that fails after the upload says the version is published; a package.json with a byte-order mark is read as npm reads it', async () => {
    const failing = as(alice)
    writeFixture(failing.cwd, { name: `@acme/postfail-${run}`, scripts: { postpublish: 'echo notify-failed >&2; exit 7' } })
    const bom = as(alice)
    writeFileSync(join(bom.cwd, 'package.json'), `\uFEFF${JSON.stringify({ name: `@acme/bom-${run}`, version: '1.0.0' }, null, 2)}\n`)
    const [res, dryRun] = await Promise.all([runPkgs(['publish', '--json'], failing, scripts), runPkgs(['publish', '--dry-run', '--json'], bom)])
    expect(res.code).toBe(1)
    expect(json(res).error).toMatchObject({
      code: 'ELIFECYCLE',
      message: expect.stringMatching(
        new RegExp(`^@acme/postfail-${run}@1\\.0\\.0 was published to ${verdaccio.url.replace(/[./]/g, '\\$&')}, but then: The postpublish script`),
      ),
      hint: expect.stringContaining('Do not publish this version again'),
      published: true,
    })
    expect(Object.keys((await packument(`@acme/postfail-${run}`)).versions ?? {})).toEqual(['1.0.0'])
    expect(dryRun.code, dryRun.stderr).toBe(0)
    expect(json(dryRun)).toMatchObject({ name: `@acme/bom-${run}`, version: '1.0.0', dryRun: true })
  })

  it('Ctrl-C while a script runs, with --json: the cancelled document on stdout, exit 130, nothing published', async () => {
    const sandbox = as(alice)
    const name = `@acme/interrupted-${run}`
    writeFixture(sandbox.cwd, { name, scripts: { prepublishOnly: `node -e "require('fs').writeFileSync('started', ''); setTimeout(() => {}, 3000)"` } })
    const child = spawn(process.execPath, [pkgsBin, 'publish', '--json'], {
      cwd: sandbox.cwd,
      env: { ...sandbox.env, ...processLogEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    while (!existsSync(join(sandbox.cwd, 'started')) && child.exitCode === null) await new Promise((r) => setTimeout(r, 25))
    child.kill('SIGINT')
    const code = await closed
    expect(code, stderr).toBe(130)
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'ECANCELLED', message: 'Cancelled.' } })
    expect(await packument(name)).toMatchObject({ status: 404 })
  })

  it('packs exactly as npm pack: the same files and the same integrity', async () => {
    const name = `@acme/parity-${run}`
    // two copies: each packer runs its prepack in its own folder
    const sandbox = as(alice)
    const [ours, listed, npms] = ['ours', 'listed', 'npms'].map((dir) => join(sandbox.root, dir))
    for (const dir of [ours, listed, npms]) writeFixture(dir, { name })
    const [dry, plain, npm] = await Promise.all([
      runPkgs(['publish', '--dry-run', '--json'], sandbox, { cwd: ours, ...scripts }),
      runPkgs(['publish', '--dry-run', listed], sandbox, scripts),
      runNpm(['pack', '--dry-run', '--json'], sandbox, { cwd: npms }),
    ])
    expect(dry.code, dry.stderr).toBe(0)
    expect(npm.code, npm.stderr).toBe(0)
    const [packed] = JSON.parse(npm.stdout)
    const doc = json(dry)
    expect(doc).toMatchObject({ name, dryRun: true, published: false })
    expect(doc.integrity).toBe(packed.integrity)
    expect(doc.shasum).toBe(packed.shasum)
    expect(doc.size).toBe(packed.size)
    expect(doc.unpackedSize).toBe(packed.unpackedSize)
    expect(doc.files).toBe(packed.files.length)
    expect(plain.code, plain.stderr).toBe(0)
    expect(listedFiles(plain.stdout)).toEqual(packed.files.map((f: { path: string }) => f.path))
    expect(listedFiles(plain.stdout)).toEqual(['README.md', 'generated.txt', 'lib/index.js', 'lib/util.js', 'package.json'])
  })

  it('refuses to move latest back to a lower version (exit 2, a tag for its major line), and publishes it with --tag', async () => {
    const name = `@acme/lower-${run}`
    await seedPublish(verdaccio.url, alice.token, name, '3.0.0')
    const sandbox = as(alice)
    sandbox.writePackageJson({ name, version: '2.4.1' })
    const res = await runPkgs(['publish'], sandbox)
    expect(res.code, res.stderr).toBe(2)
    expect(res.stderr).toContain('2.4.1 is lower than the published 3.0.0: publishing it would move "latest" back.')
    expect(res.stderr).toContain('--tag v2-maintenance')
    expect((await packument(name)).versions).not.toHaveProperty('2.4.1')
    const tagged = await runPkgs(['publish', '--tag', 'v2-maintenance', '--json'], sandbox)
    expect(tagged.code, tagged.stderr).toBe(0)
    const tags = await runNpm(['view', name, 'dist-tags', '--json'], sandbox)
    expect(JSON.parse(tags.stdout)).toEqual({ latest: '3.0.0', 'v2-maintenance': '2.4.1' })
  })

  it('publishes a tarball as it is', async () => {
    const name = `@acme/tarball-${run}`
    const sandbox = as(alice)
    writeFixture(sandbox.cwd, { name, scripts: {} })
    const tarball = await packFolder(sandbox.cwd)
    const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`
    const file = join(sandbox.root, 'packed.tgz')
    writeFileSync(file, tarball)
    const outside = join(sandbox.root, 'elsewhere')
    mkdirSync(outside)
    const res = await runPkgs(['publish', file, '--json'], sandbox, { cwd: outside })
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ name, integrity, access: 'restricted', published: true })
    const view = await runNpm(['view', name, 'dist.integrity'], sandbox)
    expect(view.stdout.trim()).toBe(integrity)
  })

  it('a tarball of a private package: the fix is in the folder it was packed from', async () => {
    const name = `@acme/private-tarball-${run}`
    const sandbox = as(alice)
    sandbox.writePackageJson({ name, version: '1.0.0', private: true })
    const file = join(sandbox.root, 'private.tgz')
    writeFileSync(file, await packFolder(sandbox.cwd))
    const res = await runPkgs(['publish', file, '--json'], sandbox, { cwd: sandbox.root })
    expect(res.code, res.stderr).toBe(1)
    expect(json(res).error).toMatchObject({
      code: 'EPRIVATE',
      message: `${name} is marked "private": true in the package.json in ${file}, so npm's tools refuse to publish it.`,
      hint: 'A tarball is published as it is: remove "private": true in the folder it was packed from, then pack it again with npm pack. (To keep it private on the registry, publish it scoped with --access restricted.)',
    })
    expect((await packument(name)).status).toBe(404)
  })

  it('publishes to publishConfig.registry, and --dry-run uploads nothing', async () => {
    const name = `@acme/dry-${run}`
    // no @acme mapping: only publishConfig.registry leads to Verdaccio
    const sandbox = makeSandbox(`${nerf}:_authToken=${alice.token}\n`)
    writeFixture(sandbox.cwd, { name, publishConfig: { registry: verdaccio.url } })
    const dry = await runPkgs(['publish', '--dry-run'], sandbox, scripts)
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('Would publish (dry run):')
    expect(dry.stdout).toContain(`${name}@1.0.0`)
    expect(dry.stdout).toContain(`${verdaccio.url} from package.json (publishConfig.registry)`)
    // Verdaccio decides access in its config.yaml: the summary says so instead of promising privacy
    expect(dry.stdout).toMatch(
      /access +restricted \(not used by Verdaccio: who can install it is set by the `access` of its `packages:` rules in Verdaccio's config\.yaml/,
    )
    expect(dry.stdout).not.toContain('only you and those you share it with')
    expect(existsSync(join(sandbox.cwd, 'postpublish.ran'))).toBe(false)
    const view = await runNpm(['view', name, 'version', '--registry', verdaccio.url], sandbox)
    expect(view.stderr).toContain('E404')

    const real = await runPkgs(['publish', '--json'], sandbox, scripts)
    expect(real.code, real.stderr).toBe(0)
    expect(json(real)).toMatchObject({ registry: verdaccio.url, published: true })
  })

  it('on a terminal: no access question (Verdaccio does not use it), a confirmation, then the upload', async () => {
    const name = `@acme/asked-${run}`
    const sandbox = as(alice)
    writeFixture(sandbox.cwd, { name })
    const pty = runPkgsInPty(['publish'], sandbox)
    await pty.waitFor(`Publish ${name}@1.0.0 to ${verdaccio.url}?`)
    expect(pty.output()).not.toContain('Who may install it?')
    pty.write('y' + keys.enter)
    expect(await pty.exit, pty.output()).toBe(0)
    // the success line says what the summary says: Verdaccio's config.yaml decides, not "restricted"
    expect(pty.output()).toContain(
      `Published ${name}@1.0.0 to ${verdaccio.url} (tag latest): restricted (not used by Verdaccio: who can install it is set by the \`access\` of its \`packages:\` rules in Verdaccio's config.yaml, where $all is everyone and $authenticated anyone logged in).`,
    )
    expect(pty.output()).not.toContain('only you and those you share it with')
    const view = await runNpm(['view', name, 'version'], as(bob))
    expect(view.stdout.trim()).toBe('1.0.0')
  })

  it('exits 3 when the token is rejected (the login check runs alongside packing)', async () => {
    const sandbox = as({ token: 'not-a-valid-token' })
    writeFixture(sandbox.cwd, { name: `@acme/rejected-${run}` })
    const res = await runPkgs(['publish', '--json'], sandbox, scripts)
    expect(res.code).toBe(3)
    // Verdaccio answers an unknown token with 401, or as anonymous (no user name)
    expect(['E401', 'ENEEDAUTH']).toContain(json(res).error.code)
    expect(json(res).error.hint).toContain('pkgs login --scope @acme')
  })
})

// one test after the other, after the group above: each packs, publishes and runs npm
describe('pkgs publish on Verdaccio: from a subfolder, and without a login', () => {
  it('in a subfolder of a package: publish and doctor find it above (owners too: share.test.ts)', async () => {
    const name = `@acme/nested-${run}`
    const sandbox = as(alice)
    writeFixture(sandbox.cwd, { name })
    const sub = join(sandbox.cwd, 'lib')
    // npm's pack and publish take "." as the folder (they fail in lib/); its owner, access and run
    // commands take the nearest package.json above, as pkgs does for every command
    const [dry, npmDry] = await Promise.all([
      runPkgs(['publish', '--dry-run', '--json'], sandbox, { cwd: sub, ...scripts }),
      runNpm(['pack', '--dry-run', '--json'], sandbox, { cwd: sandbox.cwd }),
    ])
    expect(dry.code, dry.stderr).toBe(0)
    const [packed] = JSON.parse(npmDry.stdout)
    expect(json(dry)).toMatchObject({ name, files: packed.entryCount, integrity: packed.integrity })
    const real = await runPkgs(['publish', '--json'], sandbox, { cwd: sub, ...scripts })
    expect(real.code, real.stderr).toBe(0)
    expect(json(real)).toMatchObject({ name, published: true })
    const [view, doctor] = await Promise.all([runNpm(['view', name, 'version'], sandbox), runPkgs(['doctor', '--json'], sandbox, { cwd: sub })])
    expect(view.stdout.trim()).toBe('1.0.0')
    const check = json(doctor).checks.find((c: { id: string }) => c.id === 'package-json')
    expect(check).toMatchObject({ status: 'ok', message: `${name} (../package.json) is scoped; it publishes as restricted (default for scoped packages).` })
  })

  it('--dry-run without a login on a registry that needs one to read: warnings, and the dry run completes (as npm)', async () => {
    const name = `@acme/dry-anon-${run}`
    // Verdaccio here answers 401 to a read without credentials (access: $authenticated)
    const sandbox = as(undefined)
    writeFixture(sandbox.cwd, { name })
    const [ours, npm] = await Promise.all([runPkgs(['publish', '--dry-run', '--json'], sandbox, scripts), runNpm(['publish', '--dry-run'], sandbox)])
    expect(npm.code, npm.stderr).toBe(0)
    expect(ours.code, ours.stderr).toBe(0)
    expect(json(ours)).toMatchObject({ name, version: '1.0.0', registry: verdaccio.url, dryRun: true, published: false })
    expect(ours.stderr).toContain(`You are not logged in to ${verdaccio.url}`)
    expect(ours.stderr).toMatch(/warning .*shows nothing without a login.*not checked \(dry run\)/)
  })
})

describe.concurrent('pkgs publish refuses before any request', () => {
  // the registry is unreachable: any request would fail with ECONNREFUSED, not with these
  const cases: [string, Record<string, unknown>, string[], string][] = [
    [
      'restricted for an unscoped package',
      { name: 'plain-name' },
      ['--access', 'restricted'],
      'plain-name is not scoped, so it cannot be restricted (--access)',
    ],
    [
      'restricted in publishConfig of an unscoped package',
      { name: 'plain-name', publishConfig: { access: 'restricted' } },
      [],
      'cannot be restricted (publishConfig.access in package.json)',
    ],
    ['a pre-release without --tag', { name: '@acme/pre', version: '2.0.0-beta.1' }, [], '@acme/pre@2.0.0-beta.1 is a pre-release'],
    ['a tag that is a semver range', { name: '@acme/x' }, ['--tag', '^1.2.0'], 'The tag "^1.2.0" (--tag) is a semver range'],
    ['an empty tag', { name: '@acme/x' }, ['--tag', ''], '--tag needs a value, and it was given an empty one.'],
    ['an invalid access', { name: '@acme/x' }, ['--access', 'secret'], "argument 'secret' is invalid"],
    ['--provenance for a restricted package', { name: '@acme/x' }, ['--access', 'restricted', '--provenance'], 'Provenance is only for public packages'],
  ]
  it.each(cases)('%s: exit 2', async (_what, pkg, args, message) => {
    const sandbox = as({ token: 'tok' }, unreachable, `registry=${unreachable}\n`)
    writeFixture(sandbox.cwd, pkg)
    const res = await runPkgs(['publish', ...args, '--json'], sandbox, scripts)
    expect(res.code, res.stdout + res.stderr).toBe(2)
    expect(json(res).error.code).toBe('EUSAGE')
    expect(json(res).error.message).toContain(message)
    expect(existsSync(join(sandbox.cwd, 'prepublishOnly.ran'))).toBe(false)
  })

  it('has help with examples', async () => {
    const res = await runPkgs(['publish', '--help'], makeSandbox())
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Usage: pkgs publish [options] [path]')
    expect(res.stdout).toContain('Examples:')
    expect(res.stdout).toContain('--tolerate-republish')
  })

  it('exits 3 without credentials, before running any script', async () => {
    const sandbox = as(undefined, unreachable)
    writeFixture(sandbox.cwd, { name: '@acme/x' })
    const res = await runPkgs(['publish'], sandbox, scripts)
    expect(res.code).toBe(3)
    expect(res.stderr).toContain(`You are not logged in to ${unreachable}.`)
    expect(res.stderr).toContain('pkgs login --scope @acme')
    expect(existsSync(join(sandbox.cwd, 'prepublishOnly.ran'))).toBe(false)
  })

  it('exits 1 for "private": true, a missing package.json or an unreachable registry', async () => {
    const sandbox = as({ token: 'tok' }, unreachable)
    writeFixture(sandbox.cwd, { name: '@acme/x', private: true })
    const empty = join(sandbox.root, 'empty')
    mkdirSync(empty)
    writeFixture(join(sandbox.root, 'ok'), { name: '@acme/x' })
    const broken = join(sandbox.root, 'broken')
    mkdirSync(broken)
    writeFileSync(join(broken, 'package.json'), '{"name": "@acme/x",\n')
    const badFiles = join(sandbox.root, 'bad-files')
    mkdirSync(badFiles)
    writeFileSync(join(badFiles, 'package.json'), JSON.stringify({ name: '@acme/x', version: '1.0.0', files: 5 }))
    const badWorkspaces = join(sandbox.root, 'bad-workspaces')
    mkdirSync(badWorkspaces)
    writeFileSync(join(badWorkspaces, 'package.json'), JSON.stringify({ name: '@acme/x', version: '1.0.0', workspaces: 5 }))
    const notAPackage = join(sandbox.root, 'not-a-package.tgz')
    execFileSync('tar', ['czf', notAPackage, '-C', join(sandbox.root, 'ok', 'lib'), 'index.js'])
    const [priv, missing, down, nowhere, unparsable, ownersOfUnparsable, files, tarball, workspaces] = await Promise.all([
      runPkgs(['publish', '--json'], sandbox, scripts),
      runPkgs(['publish', empty, '--json'], sandbox, scripts),
      runPkgs(['publish', join(sandbox.root, 'ok'), '--json'], sandbox, scripts),
      runPkgs(['publish', 'no-such-folder', '--json'], sandbox, scripts),
      runPkgs(['publish', broken, '--json'], sandbox, scripts),
      runPkgs(['owners', '--json'], sandbox, { cwd: broken }),
      runPkgs(['publish', badFiles, '--dry-run', '--json'], sandbox, scripts),
      runPkgs(['publish', notAPackage, '--dry-run', '--json'], sandbox, scripts),
      runPkgs(['publish', badWorkspaces, '--dry-run', '--json'], sandbox, scripts),
    ])
    expect(priv.code).toBe(1)
    expect(json(priv).error).toMatchObject({ code: 'EPRIVATE' })
    expect(missing.code).toBe(1)
    expect(json(missing).error).toMatchObject({ code: 'ENOPACKAGEJSON', hint: 'Create one with: pkgs init --scope @your-scope' })
    expect(down.code).toBe(1)
    expect(json(down).error).toMatchObject({ code: 'ECONNREFUSED' })
    expect(json(down).error.message).toContain(unreachable)
    expect(nowhere.code).toBe(2)
    // a broken package.json: the same one sentence as every other command, not the parser's dump
    expect(unparsable.code).toBe(1)
    expect(json(unparsable).error).toMatchObject({ code: 'EJSONPARSE', hint: 'Fix the file (or move it away and run `pkgs init`).' })
    expect(json(unparsable).error.message).toMatch(/^\S+broken\/package\.json is not valid JSON: .+\.$/)
    expect(json(unparsable).error).toEqual(json(ownersOfUnparsable).error)
    // a "files" that is not a list (npm-packlist would throw outside any promise), a tarball that is no package
    expect([files.code, json(files).error.code]).toEqual([1, 'EBADPACKAGE'])
    expect(json(files).error.message).toContain('"files"')
    expect(files.stderr).not.toMatch(/\n\s+at /)
    expect([workspaces.code, json(workspaces).error]).toEqual([
      1,
      expect.objectContaining({ code: 'EWORKSPACESCONFIG', hint: 'Make it a list of folders or globs, such as ["packages/*"], or remove it.' }),
    ])
    expect([tarball.code, json(tarball).error]).toEqual([
      1,
      expect.objectContaining({ code: 'EBADTARBALL', message: `${notAPackage} has no package/package.json inside: it is not an npm package.` }),
    ])
  })
})
