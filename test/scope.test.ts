// pkgs scope: show, set and unset the default scope and scope registries, in the user or project
// .npmrc, and npm reads the same.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { makeSandbox, runNpm, runPkgs } from './support/sandbox.js'

describe.concurrent('pkgs scope', () => {
  it('shows that nothing is set, with the default registry', async ({ expect }) => {
    const sandbox = makeSandbox()
    const [plain, json] = await Promise.all([runPkgs(['scope'], sandbox), runPkgs(['scope', '--json'], sandbox)])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain('No default scope.')
    expect(plain.stdout).toContain("Default registry: https://registry.npmjs.org/ (npm's default)")
    expect(plain.stderr).toContain('pkgs scope set @your-scope')
    expect(JSON.parse(json.stdout)).toEqual({
      scope: null,
      scopeSource: null,
      registry: 'https://registry.npmjs.org/',
      registrySource: "npm's default",
      mappings: [],
    })
  })

  it('sets the default scope and its registry in the user .npmrc, as npm config set does', async ({ expect }) => {
    const sandbox = makeSandbox('registry=https://npm.example.dev/\n')
    const set = await runPkgs(['scope', 'set', 'acme', '--registry', 'http://127.0.0.1:4873', '--json'], sandbox)
    expect(set.code, set.stderr).toBe(0)
    expect(JSON.parse(set.stdout)).toEqual({ scope: '@acme', registry: 'http://127.0.0.1:4873/', location: 'user', file: sandbox.userconfig, changed: true })
    expect(sandbox.readNpmrc()).toBe('registry=https://npm.example.dev/\nscope=@acme\n@acme:registry=http://127.0.0.1:4873/\n')

    const [again, show, npm] = await Promise.all([
      runPkgs(['scope', 'set', '@acme', '--registry', 'http://127.0.0.1:4873/', '--json'], sandbox),
      runPkgs(['scope', '--json'], sandbox),
      runNpm(['config', 'get', 'scope', '@acme:registry'], sandbox),
    ])
    expect(JSON.parse(again.stdout).changed).toBe(false)
    expect(JSON.parse(show.stdout)).toEqual({
      scope: '@acme',
      scopeSource: '~/.npmrc',
      registry: 'https://npm.example.dev/',
      registrySource: '~/.npmrc (registry)',
      mappings: [{ scope: '@acme', registry: 'http://127.0.0.1:4873/', source: '~/.npmrc', file: sandbox.userconfig }],
    })
    expect(npm.stdout).toBe('scope=@acme\n@acme:registry=http://127.0.0.1:4873/\n')
  })

  it('writes ./.npmrc with --location project, shows where each setting comes from, and unsets', async ({ expect }) => {
    const sandbox = makeSandbox('scope=@mine\n@mine:registry=https://npm.mine.dev/\n')
    sandbox.writePackageJson({ name: 'x', version: '1.0.0' })
    const project = join(sandbox.cwd, '.npmrc')
    const set = await runPkgs(['scope', 'set', '@acme', '--registry', 'https://npm.acme.dev/', '--location', 'project'], sandbox)
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toContain('Default scope: @acme, on https://npm.acme.dev/ (written to ./.npmrc).')
    expect(readFileSync(project, 'utf8')).toBe('scope=@acme\n@acme:registry=https://npm.acme.dev/\n')

    const [show, npmScope] = await Promise.all([runPkgs(['scope'], sandbox), runNpm(['config', 'get', 'scope'], sandbox)])
    // the file written is shown the same way when it is read back
    expect(show.stdout).toContain('Default scope: @acme (./.npmrc)')
    expect(show.stdout).not.toContain(project)
    expect(show.stdout).toMatch(/@acme\s+https:\/\/npm\.acme\.dev\/\s+.*\.npmrc/)
    expect(show.stdout).toMatch(/@mine\s+https:\/\/npm\.mine\.dev\/\s+~\/\.npmrc/)
    expect(npmScope.stdout.trim()).toBe('@acme')

    // the user file is not the one that sets @acme: nothing to change there, and a hint where it is
    const userUnset = await runPkgs(['scope', 'unset', '@acme'], sandbox)
    expect(userUnset.code).toBe(0)
    expect(userUnset.stderr).toContain('nothing to change')
    expect(userUnset.stderr).toContain('pkgs scope unset @acme --location project')

    const unset = await runPkgs(['scope', 'unset', '@acme', '--location', 'project', '--json'], sandbox)
    expect(JSON.parse(unset.stdout)).toEqual({ scope: '@acme', location: 'project', file: project, removed: ['scope', '@acme:registry'], changed: true })
    expect(readFileSync(project, 'utf8')).toBe('')
    expect(sandbox.readNpmrc()).toBe('scope=@mine\n@mine:registry=https://npm.mine.dev/\n')

    const unsetDefault = await runPkgs(['scope', 'unset', '--json'], sandbox)
    expect(JSON.parse(unsetDefault.stdout)).toMatchObject({ removed: ['scope'], changed: true })
    expect(sandbox.readNpmrc()).toBe('@mine:registry=https://npm.mine.dev/\n')
  })

  it('has examples in the help of set and unset', async ({ expect }) => {
    const sandbox = makeSandbox()
    const results = await Promise.all([runPkgs(['scope', 'set', '--help'], sandbox), runPkgs(['scope', 'unset', '--help'], sandbox)])
    for (const res of results) {
      expect(res.code).toBe(0)
      expect(res.stdout).toContain('Examples:')
      expect(res.stdout).toContain('--location')
    }
  })

  it('exits 2 on an invalid scope, URL or location, and writes no file', async ({ expect }) => {
    const sandbox = makeSandbox()
    const results = await Promise.all([
      runPkgs(['scope', 'set', 'Not A Scope', '--json'], sandbox),
      runPkgs(['scope', 'set', '@acme/pkg'], sandbox),
      runPkgs(['scope', 'set', '@acme', '--registry', 'ftp://x'], sandbox),
      runPkgs(['scope', 'set', '@acme', '--location', 'global'], sandbox),
      runPkgs(['scope', 'unset', '@@bad'], sandbox),
      runPkgs(['scope', 'set'], sandbox),
    ])
    for (const res of results) expect(res.code, res.stderr).toBe(2)
    expect(JSON.parse(results[0].stdout).error).toMatchObject({ code: 'EUSAGE', message: 'Invalid scope "Not A Scope".' })
    expect(existsSync(sandbox.userconfig)).toBe(false)
    expect(existsSync(join(sandbox.cwd, '.npmrc'))).toBe(false)
  })

  it('an invalid default scope in .npmrc: exit 2 naming the file where it is used, shown with a warning, ignored when a scope is given', async ({ expect }) => {
    const sandbox = makeSandbox('scope=Bad Scope!!\n')
    // side by side, each in a folder of its own: an init that writes package.json must not be seen by the others
    const folder = (name: string) => {
      const dir = join(sandbox.root, name)
      mkdirSync(dir)
      return { cwd: dir }
    }
    const [whoami, ls, init, initWithScope, show, shown] = await Promise.all([
      runPkgs(['whoami', '--json'], sandbox, folder('whoami')),
      runPkgs(['ls'], sandbox, folder('ls')),
      runPkgs(['init', '--yes'], sandbox, folder('init')),
      runPkgs(['init', '--scope', '@acme', '--yes', '--json'], sandbox, folder('init-scoped')),
      runPkgs(['scope', '--json'], sandbox, folder('show')),
      runPkgs(['scope'], sandbox, folder('shown')),
    ])
    for (const res of [whoami, ls, init]) expect(res.code, res.stdout + res.stderr).toBe(2)
    expect(JSON.parse(whoami.stdout).error).toMatchObject({ code: 'EUSAGE', message: 'The default scope in ~/.npmrc, "Bad Scope!!", is not a valid scope.' })
    expect(ls.stderr).toContain('pkgs scope set @your-scope')
    expect(initWithScope.code, initWithScope.stderr).toBe(0)
    expect(JSON.parse(initWithScope.stdout).name).toMatch(/^@acme\//)
    expect(show.code).toBe(0)
    // as written in the file, not with an @ put in front of it
    expect(JSON.parse(show.stdout).scope).toBe('Bad Scope!!')
    expect(show.stderr).toContain('is not a valid scope')
    expect(shown.stdout).toContain('Default scope: Bad Scope!! (~/.npmrc)')
    expect(shown.stdout).not.toContain('@Bad')
  })

  it('names an npm_config_* variable as it was written (NPM_CONFIG_REGISTRY), in the source and in the hint', async ({ expect }) => {
    const sandbox = makeSandbox()
    const env = { NPM_CONFIG_REGISTRY: 'http://upper.example/', NPM_CONFIG_SCOPE: 'Not A Scope' }
    const [show, whoami] = await Promise.all([runPkgs(['scope'], sandbox, { env }), runPkgs(['whoami', '--json'], sandbox, { env })])
    expect(show.stdout).toContain('Default registry: http://upper.example/ (environment variable NPM_CONFIG_REGISTRY (registry))')
    expect(show.stdout).toContain('Default scope: Not A Scope (environment variable NPM_CONFIG_SCOPE)')
    expect(JSON.parse(whoami.stdout).error).toMatchObject({
      message: 'The default scope in environment variable NPM_CONFIG_SCOPE, "Not A Scope", is not a valid scope.',
      hint: expect.stringMatching(/^Set NPM_CONFIG_SCOPE to a scope such as @your-scope/),
    })
    // npm reads it too, whatever its case
    expect((await runNpm(['config', 'get', 'registry'], sandbox, { env })).stdout.trim()).toBe('http://upper.example/')
  })

  it('shows the user .npmrc as ~/.npmrc, also when HOME ends in a slash, and in a failure to read or write it', async ({ expect }) => {
    const sandbox = makeSandbox()
    const slash = { HOME: `${sandbox.home}/` }
    const set = await runPkgs(['scope', 'set', '@acme'], sandbox, { env: slash })
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toContain('Default scope: @acme (written to ~/.npmrc).')
    const dir = join(sandbox.home, 'npmrc-dir')
    mkdirSync(dir)
    const broken = { ...slash, NPM_CONFIG_USERCONFIG: dir }
    const [failedSet, failedUnset] = await Promise.all([
      runPkgs(['scope', 'set', '@acme'], sandbox, { env: broken }),
      runPkgs(['scope', 'unset'], sandbox, { env: broken }),
    ])
    for (const res of [failedSet, failedUnset]) {
      expect(res.code).toBe(1)
      expect(res.stderr).toContain('Cannot read ~/npmrc-dir: EISDIR')
      expect(res.stderr).not.toContain(sandbox.home)
    }
  })
})
