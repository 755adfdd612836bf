// pkgs with no command on a terminal: the guided menu runs the same commands, asking only for
// what is missing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startNpmjsRegistry, type NpmjsRegistry } from './support/npmjs-registry.js'
import { keys, runPkgsInPty } from './support/pty.js'
import { loggedIn, makeSandbox, nerfDart, runPkgs } from './support/sandbox.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'bob', password: 'bob-pw' },
    ],
    paidScopes: ['@acme'],
    orgs: { acme: { members: { alice: 'owner' } } },
  })
})
afterAll(() => registry?.close())

const menuOrder = ['init', 'scope', 'login', 'publish', 'share', 'make-private', 'make-public', 'doctor', 'quit']
const pick = (choice: string) => keys.down.repeat(menuOrder.indexOf(choice)) + keys.enter

describe.concurrent('the guided menu', () => {
  it('shares the package of ./package.json: asks whom, offers the package, runs pkgs share, ends with that command on stderr', async () => {
    registry.seedPackage('@acme/menu', 'alice')
    const sandbox = loggedIn(registry, 'alice')
    sandbox.writePackageJson({ name: '@acme/menu', version: '1.0.0' })
    // stderr apart from the terminal, to tell which stream the command line is on
    const stderrFile = join(sandbox.root, 'stderr.txt')
    const pty = runPkgsInPty([], sandbox, { env: { PTY_STDERR_FILE: stderrFile } })
    await pty.waitFor('What do you want to do?')
    pty.write(pick('share'))
    await pty.waitFor('Share with')
    pty.write('bob' + keys.enter)
    await pty.waitFor('Package:')
    expect(pty.output()).toContain('@acme/menu')
    pty.write(keys.enter)
    expect(await pty.exit).toBe(0)
    expect(pty.output()).toContain('@acme/menu: bob is now an owner (read-write).')
    expect(registry.state.packages.get('@acme/menu')!.doc.maintainers.map((m) => m.name)).toEqual(['alice', 'bob'])
    // the choice ends with the command it ran, to type next time
    expect(readFileSync(stderrFile, 'utf8').trimEnd().split('\n').at(-1)).toBe('Ran: pkgs share bob @acme/menu')
    expect(pty.output()).not.toContain('Ran:')
  })

  it('offers only what the registry supports, and says why the rest is missing: by its address, or by its answer (Verdaccio)', async () => {
    // GitHub Packages is known from its host: nothing is asked of it
    const github = runPkgsInPty([], makeSandbox('scope=@acme\n@acme:registry=https://npm.pkg.github.com/\n'))
    // Verdaccio on localhost says what it is in the headers of its answer to a ping
    const verdaccio = inject('verdaccio')
    const onVerdaccio = makeSandbox(`scope=@acme\n@acme:registry=${verdaccio.url}\n${nerfDart(verdaccio.url)}:_authToken=${verdaccio.users.alice.token}\n`)
    const local = runPkgsInPty([], onVerdaccio)
    for (const pty of [github, local]) await pty.waitFor('Make a package public')
    const ui = 'GitHub Packages manages this in the package settings on github.com (Manage access).'
    expect(github.output()).toContain(`- Share a package with a user or a team — ${ui}`)
    expect(github.output()).toContain(`- Make a package private — ${ui}`)
    expect(github.output()).toContain(`- Make a package public — ${ui}`)
    expect(local.output()).toContain(
      '- Make a package private — Verdaccio decides who can read and publish in its config.yaml `packages:` rules (access: $authenticated for private, $all for public).',
    )
    expect(local.output()).toContain('- Make a package public — Verdaccio decides')
    // Verdaccio 6, known by its ping (its version hidden): no `npm owner`, so sharing is dimmed too, as the README promises
    expect(local.output()).toContain('- Share a package with a user or a team — Verdaccio 6 has no `npm owner` support (Verdaccio 7 has)')
    // the choices it cannot do are skipped: five steps down from the first is Quit, not "Make a package private"
    github.write(keys.down.repeat(5) + keys.enter)
    expect(await github.exit, github.output()).toBe(0)
    expect(github.output()).not.toContain('Package:')
    local.write(keys.ctrlC)
    expect(await local.exit).toBe(130)
  })

  it('offers everything on a registry that supports it (the npmjs-like one), with nothing dimmed', async () => {
    const pty = runPkgsInPty([], loggedIn(registry, 'alice'))
    await pty.waitFor('Make a package public')
    expect(pty.output()).not.toContain(' — ')
    pty.write(keys.ctrlC)
    expect(await pty.exit).toBe(130)
  })

  it('runs the doctor, quits, and cancels with Ctrl-C', async () => {
    const doctor = runPkgsInPty([], loggedIn(registry, 'alice'))
    await doctor.waitFor('What do you want to do?')
    doctor.write(pick('doctor'))
    await doctor.waitFor('Logged in as alice.')
    await doctor.exit
    expect(doctor.output().trimEnd().split('\n').at(-1)).toBe('Ran: pkgs doctor')
    const quit = runPkgsInPty([], loggedIn(registry, 'alice'))
    await quit.waitFor('What do you want to do?')
    quit.write(pick('quit'))
    expect(await quit.exit).toBe(0)
    expect(quit.output()).not.toContain('Ran:')
    const cancelled = runPkgsInPty([], loggedIn(registry, 'alice'))
    await cancelled.waitFor('What do you want to do?')
    cancelled.write(keys.ctrlC)
    expect(await cancelled.exit).toBe(130)
    expect(cancelled.output()).not.toContain('Ran:')
  })

  it('without a terminal: the help, exit 0; with --json: the commands as one document', async () => {
    const [plain, json] = await Promise.all([
      runPkgs([], loggedIn(registry, 'alice'), { keepStdinOpen: true }),
      runPkgs(['--json'], loggedIn(registry, 'alice')),
    ])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain('Usage: pkgs')
    expect(json.code).toBe(0)
    const { commands } = JSON.parse(json.stdout) as { commands: { name: string; usage: string; description: string }[] }
    const names = commands.map((c) => c.name)
    // every command the help lists, and nothing else
    const listed = [
      ...plain.stdout
        .split('Commands:')[1]
        .split('Examples:')[0]
        .matchAll(/^ {2}(\S+)/gm),
    ]
      .map((m) => m[1])
      .filter((n) => n !== 'help')
    expect(names).toEqual(listed)
    expect(commands.find((c) => c.name === 'share')).toMatchObject({ usage: expect.stringContaining('<grantee>'), description: expect.any(String) })
  })

  it('pkgs team / pkgs org without what to do: exit 2, the help on stderr, a usage error with --json', async () => {
    const [team, org] = await Promise.all([runPkgs(['team'], loggedIn(registry, 'alice')), runPkgs(['org', '--json'], loggedIn(registry, 'alice'))])
    expect(team.code).toBe(2)
    expect(team.stdout).toBe('')
    expect(team.stderr).toContain('Usage: pkgs team')
    expect(org.code).toBe(2)
    expect(JSON.parse(org.stdout).error).toEqual({
      code: 'EUSAGE',
      message: 'Name what `pkgs org` should do: ls, set, rm.',
      hint: 'Run `pkgs org --help` for what each one does.',
    })
  })
})
