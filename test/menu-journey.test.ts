// The guided menu end to end under a pseudo-terminal, as a newcomer uses it: set up a scoped
// package, publish it (private), share it with a user; the results checked on the registry with
// the real npm. Verdaccio 6 for publishing; Verdaccio 7 (it has `npm owner`) for sharing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, makeSandbox, runNpm, runPkgs, type LoginRegistry, type Sandbox } from './support/sandbox.js'

const stable = inject('verdaccio')
const next = inject('verdaccioNext')
// one Verdaccio serves every test file of the run: names of our own
const run = Math.random().toString(36).slice(2, 8)

const menuOrder = ['init', 'scope', 'login', 'publish', 'share', 'make-private', 'make-public', 'doctor', 'quit']

/**
 * `pkgs` alone on a terminal: pick a choice, then answer each prompt as it appears (an answer is
 * what is typed, Enter included). Resolves with the exit code and what the terminal showed.
 */
async function menu(sandbox: Sandbox, choice: string, dialogue: [prompt: string, answer: string][]) {
  const pty = runPkgsInPty([], sandbox)
  await pty.waitFor('What do you want to do?')
  pty.write(keys.down.repeat(menuOrder.indexOf(choice)) + keys.enter)
  for (const [prompt, answer] of dialogue) {
    // only what appeared after the last answer: a prompt is redrawn as it is answered
    const since = pty.output().length
    await pty.waitFor(prompt, { since })
    pty.write(answer)
  }
  const code = await pty.exit
  return { code, output: pty.output() }
}

/** The last line the terminal showed: the command the menu ran. */
const lastLine = (output: string) => output.trimEnd().split('\n').at(-1)

/** Set up @acme/<name> through the menu, then publish it through the menu, as alice. */
async function setUpAndPublish(registry: LoginRegistry, name: string): Promise<Sandbox> {
  const alice = loggedIn(registry, 'alice', `@acme:registry=${registry.url}\n`)
  const init = await menu(alice, 'init', [
    ['Scope (the @name your packages live under):', '@acme' + keys.enter],
    ['Package name (without @acme/):', name + keys.enter],
    ['Version:', keys.enter],
    ['Description:', 'made in the menu' + keys.enter],
    // restricted is preselected
    [`Who may install @acme/${name}?`, keys.enter],
    ['License:', keys.enter],
  ])
  expect(init.code, init.output).toBe(0)
  expect(init.output).toContain(`@acme/${name}@1.0.0, restricted`)
  expect(lastLine(init.output)).toBe('Ran: pkgs init')
  const pkg = JSON.parse(readFileSync(join(alice.cwd, 'package.json'), 'utf8'))
  expect(pkg).toMatchObject({
    name: `@acme/${name}`,
    version: '1.0.0',
    description: 'made in the menu',
    license: 'ISC',
    publishConfig: { access: 'restricted' },
  })

  const publish = await menu(alice, 'publish', [[`Publish @acme/${name}@1.0.0 to ${registry.url}`, keys.enter]])
  expect(publish.code, publish.output).toBe(0)
  expect(publish.output).toContain(`Published @acme/${name}@1.0.0 to ${registry.url}`)
  expect(lastLine(publish.output)).toBe('Ran: pkgs publish')
  return alice
}

describe.concurrent('the guided menu, from a new package to sharing it', () => {
  it('Verdaccio 6: sets up a scoped package and publishes it privately: bob can see it with npm, nobody logged out can', async () => {
    const name = `menu-${run}`
    const alice = await setUpAndPublish(stable, name)
    const [asBob, anonymous] = await Promise.all([
      runNpm(['view', `@acme/${name}`, 'name', 'version', 'description', '--json'], loggedIn(stable, 'bob', `@acme:registry=${stable.url}\n`)),
      runNpm(['view', `@acme/${name}`, '--fetch-retries=0'], makeSandbox(`@acme:registry=${stable.url}\n`)),
    ])
    expect(asBob.code, asBob.stderr).toBe(0)
    expect(JSON.parse(asBob.stdout)).toEqual({ name: `@acme/${name}`, version: '1.0.0', description: 'made in the menu' })
    expect(anonymous.code).not.toBe(0)
    expect(anonymous.stderr).toMatch(/E40[134]/)

    // Verdaccio 6 keeps no owners: the menu offers sharing dimmed, saying where access is decided; the command says so too
    const pty = runPkgsInPty([], alice)
    await pty.waitFor('Make a package public')
    expect(pty.output()).toContain('- Share a package with a user or a team — Verdaccio 6 has no `npm owner` support (Verdaccio 7 has)')
    pty.write(keys.ctrlC)
    expect(await pty.exit).toBe(130)
    const share = await runPkgs(['share', 'bob'], alice)
    expect(share.code, share.stderr).toBe(4)
    expect(share.stderr).toContain(`Verdaccio at ${stable.url} does not support package owners`)
    expect(share.stderr).toContain('config.yaml')
  })

  it('Verdaccio 7: sets up, publishes and shares with bob: npm owner ls lists him, and he can publish the next version', async () => {
    const name = `menu-shared-${run}`
    const alice = await setUpAndPublish(next, name)
    const share = await menu(alice, 'share', [
      ['Share with', 'bob' + keys.enter],
      // the package of ./package.json is offered
      [`Package: (@acme/${name})`, keys.enter],
    ])
    expect(share.code, share.output).toBe(0)
    expect(share.output).toContain(`@acme/${name}: bob is now an owner (read-write).`)
    expect(lastLine(share.output)).toBe(`Ran: pkgs share bob @acme/${name}`)

    const owners = await runNpm(['owner', 'ls', `@acme/${name}`], alice)
    expect(owners.code, owners.stderr).toBe(0)
    expect(owners.stdout).toBe('alice <>\nbob <>\n')
    // only owners may publish on this Verdaccio (publish.check_owners): bob now can
    const bob = loggedIn(next, 'bob', `@acme:registry=${next.url}\n`)
    bob.writePackageJson({ name: `@acme/${name}`, version: '1.0.1' })
    // Verdaccio refuses a publish by someone not an owner with a 500, which npm would retry for a minute
    const published = await runNpm(['publish', '--access', 'restricted', '--fetch-retries=0'], bob)
    expect(published.code, published.stderr).toBe(0)
    const view = await runNpm(['view', `@acme/${name}`, 'versions', '--json'], alice, { env: { NPM_CONFIG_PREFER_ONLINE: 'true' } })
    expect(JSON.parse(view.stdout)).toEqual(['1.0.0', '1.0.1'])
  })
})
