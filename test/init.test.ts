// pkgs init: flags only, --yes with the configured scope, the wizard in a real pseudo-terminal;
// an existing package.json keeps its other fields and formatting; nothing is written on a usage error.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { keys, runPkgsInPty } from './support/pty.js'
import { makeSandbox, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'

function readPackage(sandbox: Sandbox, dir = sandbox.cwd): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
}

/** A working folder with this name inside the sandbox. */
function folder(sandbox: Sandbox, name: string): string {
  const dir = join(sandbox.cwd, name)
  mkdirSync(dir, { recursive: true })
  return dir
}

describe.concurrent('pkgs init', () => {
  it('creates a scoped package from flags only, without a terminal', async ({ expect }) => {
    const sandbox = makeSandbox()
    const dir = folder(sandbox, 'Widgets Lib')
    const res = await runPkgs(
      ['init', '--scope', 'acme', '--version', '0.1.0', '--description', 'Widgets.', '--access', 'public', '--license', 'MIT', '--json'],
      sandbox,
      { cwd: dir },
    )
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toEqual({ path: join(dir, 'package.json'), name: '@acme/widgets-lib', version: '0.1.0', access: 'public', created: true })
    // npm init's own name for the flag gives the same
    const other = folder(sandbox, 'other')
    const npmName = await runPkgs(['init', '--scope', 'acme', '--init-version', '0.1.0', '--json'], sandbox, { cwd: other })
    expect(JSON.parse(npmName.stdout)).toMatchObject({ name: '@acme/other', version: '0.1.0' })
    expect(readPackage(sandbox, dir)).toEqual({
      name: '@acme/widgets-lib',
      version: '0.1.0',
      description: 'Widgets.',
      license: 'MIT',
      publishConfig: { access: 'public' },
    })
    // npm reads the same package
    const npm = await runNpm(['pkg', 'get', 'name', 'publishConfig.access', '--json'], sandbox, { cwd: dir })
    expect(JSON.parse(npm.stdout)).toEqual({ name: '@acme/widgets-lib', 'publishConfig.access': 'public' })
  })

  it('in a subfolder of a package: creates package.json where asked, as npm init does, and says which package it is inside', async ({ expect }) => {
    const sandbox = makeSandbox()
    sandbox.writePackageJson({ name: '@acme/outer', version: '1.0.0' })
    const before = readFileSync(join(sandbox.cwd, 'package.json'), 'utf8')
    const [ours, npms] = [folder(sandbox, 'tools'), folder(sandbox, 'npm-tools')]
    const [res, npm] = await Promise.all([
      runPkgs(['init', '--scope', 'acme', '--yes', '--json'], sandbox, { cwd: ours }),
      runNpm(['init', '-y'], sandbox, { cwd: npms }),
    ])
    expect(npm.code, npm.stderr).toBe(0)
    expect(existsSync(join(npms, 'package.json'))).toBe(true)
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({ path: join(ours, 'package.json'), name: '@acme/tools', created: true })
    expect(readFileSync(join(sandbox.cwd, 'package.json'), 'utf8')).toBe(before)
    expect(res.stderr).toContain('This folder is inside the package @acme/outer (../package.json)')
    expect(res.stderr).toContain('To set up that package instead: cd .. && pkgs init')
    // updating a package that is there says nothing of the one around it
    const again = await runPkgs(['init', '--scope', 'acme', '--yes'], sandbox, { cwd: ours })
    expect(again.stderr).not.toContain('inside the package')
  })

  it('takes the configured scope and the defaults with --yes', async ({ expect }) => {
    const sandbox = makeSandbox('scope=@team\n')
    const dir = folder(sandbox, 'gadget')
    const res = await runPkgs(['init', '--yes'], sandbox, { cwd: dir })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr).toContain('Created')
    expect(res.stderr).toContain('@team/gadget@1.0.0, restricted')
    expect(readPackage(sandbox, dir)).toEqual({ name: '@team/gadget', version: '1.0.0', license: 'ISC', publishConfig: { access: 'restricted' } })
  })

  it("says who can install it on the scope's registry: npm's access, a registry's own rules, or both when the URL does not tell (no request)", async ({
    expect,
  }) => {
    const github = makeSandbox('@acme:registry=https://npm.pkg.github.com/\n')
    const unknown = makeSandbox('registry=http://127.0.0.1:9/\n')
    const npmjs = makeSandbox()
    const [onGithub, onUnknown, onNpmjs] = await Promise.all(
      [github, unknown, npmjs].map((sandbox) => runPkgs(['init', '--scope', '@acme', '--yes'], sandbox, { cwd: folder(sandbox, 'where') })),
    )
    for (const res of [onGithub, onUnknown, onNpmjs]) expect(res.code, res.stderr).toBe(0)
    // the kind is known from the host: access is not used there, and the package settings decide
    expect(onGithub.stderr).toContain(
      "@acme/where@1.0.0, restricted (not used by GitHub Packages: who can install it is set by its visibility and Manage access, in the package's settings on github.com).",
    )
    expect(onGithub.stderr).not.toContain('only you')
    // an address that does not say what it is (Verdaccio, say): no promise of privacy, and no request to find out
    expect(onUnknown.stderr).toContain(
      'restricted (private: only you and those you share it with can install it, where the registry uses access; one such as Verdaccio decides by rules of its own).',
    )
    expect(onUnknown.stderr).not.toContain('ECONNREFUSED')
    expect(onNpmjs.stderr).toContain('@acme/where@1.0.0, restricted (private: only you and those you share it with can install it).')
    // publishConfig.registry is where publish sends it: that registry's words
    const configured = makeSandbox()
    const dir = folder(configured, 'configured')
    configured.writePackageJson({ name: '@acme/configured', version: '1.0.0', publishConfig: { registry: 'https://npm.pkg.github.com/' } }, dir)
    const onConfigured = await runPkgs(['init', '--yes'], configured, { cwd: dir })
    expect(onConfigured.stderr).toContain('@acme/configured@1.0.0, restricted (not used by GitHub Packages')
  })

  it('asks no access question on a terminal where the registry does not use access (as publish)', async ({ expect }) => {
    const sandbox = makeSandbox('@acme:registry=https://npm.pkg.github.com/\n')
    const dir = folder(sandbox, 'no-access-question')
    const pty = runPkgsInPty(['init', '--scope', '@acme', '--name', 'quiet', '--init-version', '1.0.0', '--description', '', '--license', 'MIT'], sandbox, {
      cwd: dir,
    })
    expect(await pty.exit, pty.output()).toBe(0)
    expect(pty.output()).not.toContain('Who may install')
    expect(pty.output()).toContain('not used by GitHub Packages')
    expect(readPackage(sandbox, dir)).toMatchObject({ name: '@acme/quiet', publishConfig: { access: 'restricted' } })
  })

  it('keeps every other field and the indentation (4 spaces, tabs, CRLF) of an existing package.json', async ({ expect }) => {
    const sandbox = makeSandbox()
    const spaces = folder(sandbox, 'spaces')
    const tabs = folder(sandbox, 'tabs')
    const fourSpaces = {
      name: '@acme/spaces',
      version: '3.2.1',
      description: 'kept',
      main: 'lib/index.js',
      scripts: { test: 'vitest' },
      dependencies: { semver: '^7.0.0' },
      publishConfig: { tag: 'next', registry: 'https://npm.acme.dev/' },
      custom: { nested: [1, 2, 3] },
    }
    writeFileSync(join(spaces, 'package.json'), JSON.stringify(fourSpaces, null, 4) + '\n')
    const tabbed = { name: 'tabs', version: '0.0.1', keywords: ['a', 'b'], private: false }
    writeFileSync(join(tabs, 'package.json'), JSON.stringify(tabbed, null, '\t').replace(/\n/g, '\r\n') + '\r\n')

    const [same, renamed] = await Promise.all([
      runPkgs(['init', '--access', 'public', '--json'], sandbox, { cwd: spaces }),
      runPkgs(['init', '--scope', '@acme', '--yes', '--json'], sandbox, { cwd: tabs }),
    ])
    expect(same.code, same.stderr).toBe(0)
    expect(JSON.parse(same.stdout)).toMatchObject({ name: '@acme/spaces', version: '3.2.1', access: 'public', created: false })
    const expected = { ...fourSpaces, publishConfig: { ...fourSpaces.publishConfig, access: 'public' } }
    expect(readFileSync(join(spaces, 'package.json'), 'utf8')).toBe(JSON.stringify(expected, null, 4) + '\n')

    expect(renamed.code, renamed.stderr).toBe(0)
    expect(JSON.parse(renamed.stdout)).toMatchObject({ name: '@acme/tabs', version: '0.0.1', access: 'restricted', created: false })
    const tabsAfter = { ...tabbed, name: '@acme/tabs', publishConfig: { access: 'restricted' } }
    expect(readFileSync(join(tabs, 'package.json'), 'utf8')).toBe(JSON.stringify(tabsAfter, null, '\t').replace(/\n/g, '\r\n') + '\r\n')
  })

  it('changes only the values it sets in a hand-formatted package.json: arrays and objects on one line, CRLF, no final newline', async ({ expect }) => {
    const sandbox = makeSandbox()
    const hand = folder(sandbox, 'hand')
    const oneLine = folder(sandbox, 'one-line')
    const handText =
      '{\r\n\t"name":  "hand",\r\n\t"version": "2.0.0",\r\n\t"files": ["dist", "README.md"],\r\n\t"publishConfig": { "tag": "next" },\r\n\t"x": "\\u0061"\r\n}'
    writeFileSync(join(hand, 'package.json'), handText)
    writeFileSync(join(oneLine, 'package.json'), '{"name":"@acme/one-line","version":"1.0.0","keywords":["a"]}\n')
    const bom = folder(sandbox, 'bom')
    writeFileSync(join(bom, 'package.json'), '\uFEFF{\n  "name": "@acme/bom",\n  "version": "1.0.0"\n}\n')

    const [handRun, oneLineRun, bomRun] = await Promise.all([
      runPkgs(['init', '--scope', '@acme', '--access', 'public', '--yes', '--json'], sandbox, { cwd: hand }),
      runPkgs(['init', '--json'], sandbox, { cwd: oneLine }),
      runPkgs(['init', '--json'], sandbox, { cwd: bom }),
    ])
    // a byte-order mark (some Windows editors write one) is read past, as npm does, and kept
    expect(bomRun.code, bomRun.stderr).toBe(0)
    expect(readFileSync(join(bom, 'package.json'), 'utf8')).toBe(
      '\uFEFF{\n  "name": "@acme/bom",\n  "version": "1.0.0",\n  "publishConfig": {\n    "access": "restricted"\n  }\n}\n',
    )
    expect(handRun.code, handRun.stderr).toBe(0)
    expect(readFileSync(join(hand, 'package.json'), 'utf8')).toBe(
      '{\r\n\t"name":  "@acme/hand",\r\n\t"version": "2.0.0",\r\n\t"files": ["dist", "README.md"],\r\n\t"publishConfig": { "tag": "next", "access": "public" },\r\n\t"x": "\\u0061"\r\n}',
    )
    expect(oneLineRun.code, oneLineRun.stderr).toBe(0)
    expect(readFileSync(join(oneLine, 'package.json'), 'utf8')).toBe(
      '{"name":"@acme/one-line","version":"1.0.0","keywords":["a"],"publishConfig":{"access":"restricted"}}\n',
    )
  })

  it('replaces package.json atomically (a new file renamed over it), through a symbolic link, keeping its mode', async ({ expect }) => {
    const sandbox = makeSandbox()
    const real = join(sandbox.root, 'shared-package.json')
    writeFileSync(real, JSON.stringify({ name: '@acme/linked', version: '1.0.0' }, null, 2) + '\n')
    chmodSync(real, 0o640)
    symlinkSync(real, join(sandbox.cwd, 'package.json'))
    const before = statSync(real)

    const res = await runPkgs(['init', '--access', 'public'], sandbox)
    expect(res.code, res.stderr).toBe(0)
    expect(lstatSync(join(sandbox.cwd, 'package.json')).isSymbolicLink()).toBe(true)
    const after = statSync(real)
    expect(after.ino).not.toBe(before.ino)
    expect(after.mode & 0o777).toBe(0o640)
    expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({ name: '@acme/linked', version: '1.0.0', publishConfig: { access: 'public' } })
    expect(readdirSync(sandbox.root).filter((f) => f.startsWith('shared-package.json'))).toEqual(['shared-package.json'])

    // nothing to change: the file is left as it is
    const again = await runPkgs(['init', '--access', 'public'], sandbox)
    expect(again.code, again.stderr).toBe(0)
    expect(statSync(real).ino).toBe(after.ino)
  })

  it('asks before renaming: without a terminal and without --yes it is exit 2 and nothing changes', async ({ expect }) => {
    const sandbox = makeSandbox()
    sandbox.writePackageJson({ name: 'old-name', version: '1.0.0' })
    const before = readFileSync(join(sandbox.cwd, 'package.json'), 'utf8')
    const res = await runPkgs(['init', '--scope', '@acme', '--json'], sandbox)
    expect(res.code).toBe(2)
    const { error } = JSON.parse(res.stdout)
    expect(error.message).toBe("Renaming package.json's old-name to @acme/old-name needs your confirmation: no terminal to ask on.")
    expect(error.hint).toContain('--yes')
    expect(readFileSync(join(sandbox.cwd, 'package.json'), 'utf8')).toBe(before)
  })

  it('exits 2 and writes nothing for an invalid scope, name or version, or without any scope', async ({ expect }) => {
    const sandbox = makeSandbox()
    const [scope, name, version, noScope, initVersion, disagree] = await Promise.all([
      runPkgs(['init', '--scope', 'Not A Scope', '--json'], sandbox),
      runPkgs(['init', '--scope', '@acme', '--name', 'Bad Name', '--json'], sandbox),
      runPkgs(['init', '--scope', '@acme', '--version', 'one', '--json'], sandbox),
      runPkgs(['init', '--json'], sandbox, { keepStdinOpen: true }),
      runPkgs(['init', '--scope', '@acme', '--init-version', 'two', '--json'], sandbox),
      runPkgs(['init', '--scope', '@acme', '--name', '@other/x'], sandbox),
    ])
    for (const res of [scope, name, version, noScope, initVersion, disagree]) expect(res.code, res.stdout + res.stderr).toBe(2)
    expect(JSON.parse(scope.stdout).error.message).toBe('Invalid scope "Not A Scope".')
    expect(JSON.parse(name.stdout).error.message).toContain('Invalid package name "@acme/Bad Name"')
    expect(JSON.parse(version.stdout).error.message).toBe('Invalid version "one" (--version).')
    expect(JSON.parse(initVersion.stdout).error.message).toBe('Invalid version "two" (--init-version).')
    expect(JSON.parse(noScope.stdout).error).toMatchObject({ code: 'EUSAGE', hint: expect.stringContaining('--scope') })
    expect(disagree.stderr).toContain('--name @other/x and --scope @acme disagree')
    expect(existsSync(join(sandbox.cwd, 'package.json'))).toBe(false)
  })

  it('accepts --name @scope/name and exits 1 on a broken package.json', async ({ expect }) => {
    const sandbox = makeSandbox()
    const ok = folder(sandbox, 'ok')
    const broken = folder(sandbox, 'broken')
    writeFileSync(join(broken, 'package.json'), '{ "name": ')
    const [named, bad] = await Promise.all([
      runPkgs(['init', '--name', '@acme/thing', '--json'], sandbox, { cwd: ok }),
      runPkgs(['init', '--scope', '@acme', '--yes'], sandbox, { cwd: broken }),
    ])
    expect(named.code, named.stderr).toBe(0)
    expect(JSON.parse(named.stdout).name).toBe('@acme/thing')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('is not valid JSON')
    expect(readFileSync(join(broken, 'package.json'), 'utf8')).toBe('{ "name": ')
  })

  it('runs the wizard on a terminal: answers typed, access selected', async ({ expect }) => {
    const sandbox = makeSandbox('scope=@configured\n')
    const dir = folder(sandbox, 'wizard-pkg')
    const pty = runPkgsInPty(['init'], sandbox, { cwd: dir })
    await pty.waitFor('Scope')
    expect(pty.output()).toContain('@configured')
    pty.write('@acme' + keys.enter)
    await pty.waitFor('Package name')
    expect(pty.output()).toContain('wizard-pkg')
    pty.write('rockets' + keys.enter)
    await pty.waitFor('Version:')
    pty.write(keys.enter)
    await pty.waitFor('Description:')
    pty.write('Rockets for everyone' + keys.enter)
    await pty.waitFor('Who may install @acme/rockets?')
    await pty.waitFor('❯ restricted')
    pty.write(keys.down)
    await pty.waitFor('❯ public')
    pty.write(keys.enter)
    await pty.waitFor('License:')
    pty.write('MIT' + keys.enter)
    expect(await pty.exit).toBe(0)
    expect(pty.output()).toContain('Created')
    expect(readPackage(sandbox, dir)).toEqual({
      name: '@acme/rockets',
      version: '1.0.0',
      description: 'Rockets for everyone',
      license: 'MIT',
      publishConfig: { access: 'public' },
    })
  })

  it('asks on a terminal before renaming an existing package, and leaves it alone on no', async ({ expect }) => {
    const sandbox = makeSandbox()
    sandbox.writePackageJson({ name: '@old/thing', version: '2.0.0' })
    const before = readFileSync(join(sandbox.cwd, 'package.json'), 'utf8')
    const pty = runPkgsInPty(
      ['init', '--scope', '@new', '--access', 'restricted', '--description', '', '--license', 'ISC', '--name', 'thing', '--version', '2.0.0'],
      sandbox,
    )
    await pty.waitFor('Rename @old/thing to @new/thing?')
    pty.write('n' + keys.enter)
    expect(await pty.exit).toBe(2)
    expect(readFileSync(join(sandbox.cwd, 'package.json'), 'utf8')).toBe(before)
  })
})
