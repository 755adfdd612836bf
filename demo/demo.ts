// npm run demo: the whole workflow of pkgs on two registries started on this machine for the run,
// a real Verdaccio (the devDependency) and the npmjs-like registry of the tests, with the built
// CLI (bin/pkgs.cjs) and the real npm as the other people. Each command is printed (`$ pkgs …`)
// before its output, and its result is checked: the demo stops at the first step that does not
// do what it says. Everything lives in one temporary folder (the registries' storage, a HOME and
// user .npmrc for each person, the npm cache), removed at the end, on failure and on Ctrl-C; the
// user's own npm configuration is never read or written.
//
// The registries are started with the tests' own code (test/support/); demo/rolldown.config.mjs
// bundles this file with it into demo/.build/demo.js, which `npm run demo` runs.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { styleText } from 'node:util'
import { startNpmjsRegistry, type NpmjsRegistry } from '../test/support/npmjs-registry.js'
import { cleanEnv, nerfDart, pkgsBin, repoRoot } from '../test/support/sandbox.js'
import { startVerdaccio, type RunningVerdaccio } from '../test/support/verdaccio.js'

/** A person of the demo: a HOME with its own user .npmrc, and a working folder. */
interface Person {
  name: string
  home: string
  npmrc: string
  cwd: string
  env: NodeJS.ProcessEnv
}

interface Output {
  code: number | null
  /** stdout and stderr as they came */
  text: string
  stdout: string
}

/** A step that did not do what it says: the demo stops with this message. */
class StepFailed extends Error {}

const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR
const style = (format: Parameters<typeof styleText>[0], text: string) => (color ? styleText(format, text) : text)
const say = (line = '') => process.stdout.write(line + '\n')
const stepTimeoutMs = 60_000
const npmLogLine = /^npm error (A complete log of this run|Log files were not written)/

let root: string | undefined
let verdaccio: RunningVerdaccio | undefined
let npmjs: NpmjsRegistry | undefined
let child: ChildProcess | undefined
let stopping: Promise<void> | undefined
let interrupted = false
let section = 0

/** Stop the registries and remove the folder: once, whoever asks first (the end, a failure, a signal). */
function stop(): Promise<void> {
  stopping ??= (async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    await Promise.allSettled([verdaccio?.close(), npmjs?.close()])
    if (root) rmSync(root, { recursive: true, force: true })
  })()
  return stopping
}

// a crash or process.exit() on the way: at least remove the folder (startVerdaccio kills its server)
process.on('exit', () => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  if (root) rmSync(root, { recursive: true, force: true })
})
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (interrupted) return
    interrupted = true
    process.stderr.write(`\ndemo: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; stopping the registries and removing ${root ?? 'the demo folder'}\n`)
    void stop().finally(() => process.exit(code))
  })
}

function makePerson(name: string, work: string): Person {
  const home = join(root!, name, 'home')
  const cwd = join(root!, name, work)
  mkdirSync(home, { recursive: true })
  mkdirSync(cwd, { recursive: true })
  const npmrc = join(home, '.npmrc')
  writeFileSync(npmrc, '')
  const env: NodeJS.ProcessEnv = {
    // nothing of the caller's npm (npm run's npm_config_* variables included) reaches the commands
    ...cleanEnv(),
    HOME: home,
    USERPROFILE: home,
    NPM_CONFIG_USERCONFIG: npmrc,
    NPM_CONFIG_GLOBALCONFIG: join(root!, 'global-npmrc'),
    NPM_CONFIG_CACHE: join(root!, 'npm-cache'),
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    NPM_CONFIG_FUND: 'false',
    NPM_CONFIG_AUDIT: 'false',
    NPM_CONFIG_LOGLEVEL: 'warn',
    ...(color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }),
  }
  return { name, home, npmrc, cwd, env }
}

function heading(title: string, ...notes: string[]): void {
  section++
  say()
  say(style('bold', `${section}. ${title}`))
  for (const note of notes) say(style('dim', note))
}

/** Run one command as a person, printing `$ shown` and then its output as it comes. */
function run(who: Person, cmd: string, args: string[], shown: string, input?: string): Promise<Output> {
  say()
  say(style('cyan', `$ ${shown}`) + (who.name === 'alice' ? '' : style('dim', `   # as ${who.name}`)))
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd: who.cwd, env: who.env, stdio: ['pipe', 'pipe', 'pipe'] })
    child = proc
    let text = ''
    let stdout = ''
    // whole lines, so that npm's line about its debug log (in a folder about to go) can be left out
    const pending = { out: '', err: '' }
    const show = (from: keyof typeof pending, d: string, end = false) => {
      text += d
      const lines = (pending[from] + d).split(/(?<=\n)/)
      pending[from] = end || lines.at(-1)!.endsWith('\n') ? '' : lines.pop()!
      for (const line of lines) if (!npmLogLine.test(line)) process.stdout.write(line)
    }
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      show('out', d)
    })
    proc.stderr.setEncoding('utf8').on('data', (d: string) => show('err', d))
    const timer = setTimeout(() => proc.kill('SIGKILL'), stepTimeoutMs)
    proc.on('error', (err) => {
      clearTimeout(timer)
      reject(new StepFailed(`${shown}: could not start ${cmd} (${err.message})`))
    })
    proc.on('close', (code) => {
      clearTimeout(timer)
      child = undefined
      show('out', '', true)
      show('err', '', true)
      resolve({ code, text, stdout })
    })
    proc.stdin.end(input)
  })
}

interface Expect {
  /** the exit code the step must end with (default 0) */
  code?: number
  /** text the output must contain */
  shows?: string | RegExp
  /** a line of the demo's own after the output: what this step showed */
  then?: string
}

function check(shown: string, out: Output, expect: Expect): Output {
  if (interrupted) throw new StepFailed('interrupted')
  const code = expect.code ?? 0
  if (out.code !== code) throw new StepFailed(`\`${shown}\` ended with exit ${out.code ?? 'killed'}, not ${code}`)
  const { shows } = expect
  if (shows && !(typeof shows === 'string' ? out.text.includes(shows) : shows.test(out.text))) {
    throw new StepFailed(`\`${shown}\` did not say ${typeof shows === 'string' ? JSON.stringify(shows) : shows}`)
  }
  if (expect.then) say(style('green', `→ ${expect.then}`))
  return out
}

/** `pkgs …` with the built CLI; `input` is shown as `echo "$NAME" |` in front of the command. */
async function pkgs(who: Person, args: string[], expect: Expect = {}, input?: { name: string; value: string }): Promise<Output> {
  const shown = `${input ? `echo "$${input.name}" | ` : ''}pkgs ${args.join(' ')}`
  return check(shown, await run(who, process.execPath, [pkgsBin, ...args], shown, input && `${input.value}\n`), expect)
}

async function npm(who: Person, args: string[], expect: Expect = {}): Promise<Output> {
  const shown = `npm ${args.join(' ')}`
  return check(shown, await run(who, 'npm', args, shown), expect)
}

function ensure(fact: boolean, what: string): void {
  if (!fact) throw new StepFailed(what)
}

function npmrcFor(registry: string, token?: string): string {
  return `@acme:registry=${registry}\n${token ? `${nerfDart(registry)}:_authToken=${token}\n` : ''}`
}

async function main(): Promise<void> {
  const started = Date.now()
  if (!existsSync(join(repoRoot, 'dist', 'cli.cjs'))) throw new StepFailed('pkgs is not built (no dist/cli.cjs): run npm install (or npm run build) first')
  root = mkdtempSync(join(tmpdir(), 'pkgs-demo-'))
  writeFileSync(join(root, 'global-npmrc'), '')
  ;[verdaccio, npmjs] = await Promise.all([
    startVerdaccio('stable', { parent: root, users: ['alice', 'bob'] }),
    startNpmjsRegistry({
      users: [
        // approving a staged version needs two-factor authentication: alice has it for logins
        // (npmjs's auth-only mode), so her other writes need no code in this demo
        { name: 'alice', password: 'alice-pw', tfa: 'auth-only' },
        { name: 'bob', password: 'bob-pw' },
      ],
      paidScopes: ['@acme'],
      // bob is a member of the org, but not of its developers team: he reads only what is shared with him
      orgs: { acme: { members: { alice: 'owner', bob: 'developer' }, teams: { developers: ['alice'] } } },
    }),
  ])
  const alice = makePerson('alice', 'widgets')
  const bob = makePerson('bob', 'app')
  const nobody = makePerson('anonymous', 'app')
  const pkg = '@acme/widgets'

  say(style('bold', 'pkgs demo: scoped and private packages, end to end, on two registries started for this run'))
  say(`  ${`Verdaccio ${verdaccio.version}`.padEnd(20)} ${verdaccio.url}   users alice and bob`)
  say(`  ${'npmjs-like registry'.padEnd(20)} ${npmjs.url}   users alice and bob, org acme (what npmjs.com does)`)
  say(`  alice, bob and an anonymous user each have a HOME of their own in ${root}`)
  say('  (nothing leaves this machine; your own ~/.npmrc is neither read nor written)')

  heading('Map the scope @acme to Verdaccio, and check the set-up', 'alice works in a folder named widgets; every pkgs command below is hers.')
  await pkgs(alice, ['scope', 'set', '@acme', '--registry', verdaccio.url], { shows: '@acme' })
  ensure(readFileSync(alice.npmrc, 'utf8').includes(`@acme:registry=${verdaccio.url}`), `alice's .npmrc does not map @acme to ${verdaccio.url}`)
  await pkgs(alice, ['doctor'], { code: 1, shows: 'pkgs login', then: 'exit 1: the registry answers, but alice is not logged in yet' })

  heading('Log in with a token, as CI does (a terminal would offer web login or a password)')
  await pkgs(alice, ['login', '--token-stdin'], { shows: 'alice' }, { name: 'ALICE_TOKEN', value: verdaccio.users.alice.token })
  await pkgs(alice, ['whoami'], { shows: 'alice' })

  heading('Create the package: package.json as @acme/widgets, private (restricted) from the start')
  await pkgs(alice, ['init', '--yes'], { shows: pkg })
  const manifest = JSON.parse(readFileSync(join(alice.cwd, 'package.json'), 'utf8'))
  ensure(manifest.name === pkg && manifest.publishConfig?.access === 'restricted', `package.json is not ${pkg} with publishConfig.access restricted`)
  writeFileSync(join(alice.cwd, 'index.js'), "module.exports = () => 'widgets'\n")

  heading('Publish it privately')
  await pkgs(alice, ['publish'], { shows: 'restricted' })

  heading(
    'Install it: bob, logged in to Verdaccio, can; an anonymous user cannot',
    "Verdaccio's config.yaml lets every logged-in user read @acme/* ($authenticated).",
  )
  writeFileSync(bob.npmrc, npmrcFor(verdaccio.url, verdaccio.users.bob.token))
  writeFileSync(nobody.npmrc, npmrcFor(verdaccio.url))
  await npm(bob, ['install', pkg], { shows: 'added 1 package' })
  ensure(existsSync(join(bob.cwd, 'node_modules', '@acme', 'widgets', 'index.js')), `${pkg} is not in bob's node_modules`)
  await npm(nobody, ['install', pkg], { code: 1, shows: /E401|E404|E403/, then: 'exit 1, refused: the package is private' })

  heading('Switch visibility on Verdaccio', 'Verdaccio decides who reads a package in its config.yaml, so pkgs says so (exit 4) instead of failing obscurely.')
  await pkgs(alice, ['make-public'], { code: 4, shows: 'config.yaml', then: 'exit 4: the registry does not support this operation' })

  heading('The same package on an npmjs-like registry', "bob's and the anonymous user's .npmrc now map @acme there too; bob starts a new project.")
  await pkgs(alice, ['scope', 'set', '@acme', '--registry', npmjs.url], { shows: '@acme' })
  await pkgs(alice, ['login', '--token-stdin'], { shows: 'alice' }, { name: 'ALICE_NPM_TOKEN', value: npmjs.tokens.alice })
  writeFileSync(bob.npmrc, npmrcFor(npmjs.url, npmjs.tokens.bob))
  bob.cwd = join(root, 'bob', 'app2')
  mkdirSync(bob.cwd)
  writeFileSync(nobody.npmrc, npmrcFor(npmjs.url))
  await pkgs(alice, ['doctor'], { shows: 'alice' })
  await pkgs(alice, ['publish'], { shows: 'restricted' })
  ensure(npmjs.state.packages.get(pkg)?.access === 'restricted', `${pkg} is not restricted on the npmjs-like registry`)
  await npm(bob, ['view', pkg, 'version'], {
    code: 1,
    shows: 'E404',
    then: 'exit 1, refused: on npmjs.com a private package is for its owners and the teams it is shared with',
  })

  heading('Share it with bob, list the owners, take it back')
  await pkgs(alice, ['share', 'bob'], { shows: 'bob' })
  await npm(bob, ['install', pkg], { shows: 'added 1 package' })
  await pkgs(alice, ['owners'], { shows: 'bob' })
  await pkgs(alice, ['unshare', 'bob'], { shows: 'bob' })
  ensure(!npmjs.state.packages.get(pkg)!.doc.maintainers.some((m) => m.name === 'bob'), 'bob is still an owner')

  heading('Make it public (everyone can install it), then private again')
  await pkgs(alice, ['make-public', '--yes'], { shows: 'public' })
  await npm(nobody, ['view', pkg, 'version'], { shows: '1.0.0', then: 'public: an anonymous user can read it' })
  await pkgs(alice, ['make-private'], { shows: 'private' })
  await npm(nobody, ['view', pkg, 'version'], { code: 1, shows: 'E404', then: 'private again: exit 1, refused' })

  heading('Give a team read access', 'Teams belong to an organisation (acme); bob is a member of it.')
  await pkgs(alice, ['team', 'create', '@acme:readers'], { shows: '@acme:readers' })
  await pkgs(alice, ['team', 'add', '@acme:readers', 'bob'], { shows: 'bob' })
  await pkgs(alice, ['share', '@acme:readers'], { shows: 'read-only' })
  await npm(bob, ['view', pkg, 'version'], { shows: '1.0.0', then: 'bob reads it through the team' })

  heading('Stage a new version, then approve it', 'A staged version is not installable until a maintainer approves it, with a one-time password.')
  await npm(alice, ['version', 'minor', '--no-git-tag-version'], { shows: 'v1.1.0' })
  await pkgs(alice, ['publish', '--stage'], { shows: '1.1.0' })
  ensure(
    [...npmjs.state.staged.values()].some((s) => s.packageName === pkg && s.version === '1.1.0'),
    `${pkg}@1.1.0 is not staged`,
  )
  ensure(!npmjs.state.packages.get(pkg)!.doc.versions['1.1.0'], `${pkg}@1.1.0 is installable before its approval`)
  await pkgs(alice, ['stage', 'ls'], { shows: '1.1.0' })
  await pkgs(alice, ['stage', 'approve', `${pkg}@1.1.0`, '--otp', npmjs.otp], { shows: '1.1.0' })
  await npm(bob, ['view', pkg, 'version'], { shows: '1.1.0', then: '1.1.0 is published' })

  await stop()
  say()
  say(style('bold', `Done in ${((Date.now() - started) / 1000).toFixed(1)} s: both registries stopped, ${root} removed.`))
  say('Next: pkgs --help, pkgs <command> --help, and pkgs on its own for a guided menu.')
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    if (interrupted) return // the signal's handler stops and exits
    const message = err instanceof StepFailed ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)
    process.stderr.write(`\ndemo failed: ${message}\n`)
    await stop()
    process.stderr.write(`demo: the registries are stopped${root ? ` and ${root} is removed` : ''}.\n`)
    process.exit(1)
  },
)
