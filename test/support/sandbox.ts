// A throw-away HOME, user .npmrc and working folder for one test, and helpers that run the
// built `pkgs` (in this process where a run needs no process of its own: see runPkgs) and the
// real `npm` inside it, so no test reads or writes the developer's config.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { sameWithProcesses } from './process-suite.js'

/** The repository root: found by walking up, so this file also works when compiled for bench/. */
export const repoRoot = findRepoRoot(import.meta.dirname)
function findRepoRoot(from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'bin', 'pkgs.cjs'))) {
    const up = resolve(dir, '..')
    if (up === dir) throw new Error(`no bin/pkgs.cjs above ${from}`)
    dir = up
  }
  return dir
}
export const pkgsBin = join(repoRoot, 'bin', 'pkgs.cjs')
/** The other clients' CLIs (devDependencies), run with this Node: `process.execPath`, the file. */
export const pnpmBin = join(repoRoot, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')
export const yarnBin = join(repoRoot, 'node_modules', 'yarn', 'bin', 'yarn.js')
/** When PKGS_TEST_PROCESS_LOG names a file: what each process costs goes there (support/process-log.cjs). */
const processLog = process.env.PKGS_TEST_PROCESS_LOG
// in a vitest worker (bench/ and demo/ run without vitest): the test that calls
const testState = process.env.VITEST ? (await import('vitest')).expect.getState : undefined
export function processLogEnv(): NodeJS.ProcessEnv {
  if (!processLog || !testState) return {}
  return {
    NODE_OPTIONS: `--require ${join(import.meta.dirname, 'process-log.cjs')}`,
    PKGS_TEST_PROCESS_LOG: processLog,
    PKGS_TEST_FILE: testState().testPath?.split('/').pop(),
  }
}

/**
 * Names the run's temporary folder, which vitest's global set-up makes (and removes when the run
 * ends): sandboxes and the run's npm cache go in it. Without it (bench/, demo/) the system's
 * temporary folder, and each sandbox is removed when the process exits.
 */
export const runFolderVariable = 'PKGS_TEST_RUN_FOLDER'
const tempParent = () => process.env[runFolderVariable] ?? tmpdir()

export interface Sandbox {
  root: string
  home: string
  /** the user .npmrc (NPM_CONFIG_USERCONFIG) */
  userconfig: string
  /** a working folder (cwd of commands unless told otherwise) */
  cwd: string
  env: NodeJS.ProcessEnv
  writeNpmrc(text: string): void
  readNpmrc(): string
  writePackageJson(pkg: object, dir?: string): void
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  input?: string
  /** leave stdin open (a pipe no one writes to): proves a command never waits for input */
  keepStdinOpen?: boolean
  timeoutMs?: number
  /** a process of its own, and why (see runPkgs); what the arguments and environment show needs no saying */
  asProcess?: true | ProcessReason
}

/**
 * Why a run of pkgs needs a process of its own, which the test says (`asProcess`): nothing reads
 * the files of a run to guess it.
 */
export type ProcessReason =
  /** a publish of a package with lifecycle scripts: npm's libraries run them with the process's environment, where pkgs exports npm's variables */
  | 'lifecycle scripts'
  /** a publish that may sign provenance (set in an .npmrc or publishConfig): libnpmpublish reads the CI it runs in from the process's environment */
  | 'provenance'

/** The process environment without anything npm or a terminal would pick up from outside. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || /^(CI|NO_COLOR|FORCE_COLOR|NODE_OPTIONS|VITEST.*|TEST)$/i.test(k)) continue
    // in a CI job npm would try trusted publishing (lib/utils/oidc.js) with the job's own ID token
    if (/^(GITHUB_ACTIONS|GITLAB_CI|CIRCLECI|ACTIONS_ID_TOKEN_REQUEST_.*|NPM_ID_TOKEN|SIGSTORE_ID_TOKEN)$/.test(k)) continue
    // the tests reach only registries on this machine, over http; and Node 20 reads the whole CA
    // bundle this names at every start (~65 ms of CPU per process, most of a bare `node -e 0`)
    if (k === 'NODE_EXTRA_CA_CERTS') continue
    env[k] = v
  }
  return env
}

const made: string[] = []
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

export function makeSandbox(npmrc = ''): Sandbox {
  const root = mkdtempSync(join(tempParent(), 'pkgs-test-'))
  made.push(root)
  const home = join(root, 'home')
  const cwd = join(root, 'work')
  mkdirSync(home, { recursive: true })
  mkdirSync(cwd, { recursive: true })
  const userconfig = join(home, '.npmrc')
  const globalconfig = join(root, 'global-npmrc')
  writeFileSync(globalconfig, '')
  if (npmrc) writeFileSync(userconfig, npmrc)
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    HOME: home,
    USERPROFILE: home,
    NPM_CONFIG_USERCONFIG: userconfig,
    NPM_CONFIG_GLOBALCONFIG: globalconfig,
    // one npm cache for the whole test run: tests should not pay for downloads twice (outside a
    // test run, the bench's and the demo's, the sandbox's own, removed with it)
    NPM_CONFIG_CACHE: process.env[runFolderVariable] ? join(tempParent(), 'pkgs-test-npm-cache') : join(root, 'npm-cache'),
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    NPM_CONFIG_FUND: 'false',
    NPM_CONFIG_AUDIT: 'false',
    // no debug log file per npm run: writing it and pruning old ones costs each run ~75 ms
    NPM_CONFIG_LOGS_MAX: '0',
    NO_COLOR: '1',
  }
  return {
    root,
    home,
    userconfig,
    cwd,
    env,
    writeNpmrc: (text) => writeFileSync(userconfig, text),
    readNpmrc: () => (existsSync(userconfig) ? readFileSync(userconfig, 'utf8') : ''),
    writePackageJson: (pkg, dir = cwd) => {
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
    },
  }
}

export function run(cmd: string, args: string[], sandbox: Sandbox, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? sandbox.cwd,
      env: { ...sandbox.env, ...opts.env, ...processLogEnv() },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, opts.timeoutMs ?? 20_000)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      child.stdin.destroy()
      resolvePromise({ code, stdout, stderr })
    })
    if (opts.input !== undefined) child.stdin.end(opts.input)
    else if (!opts.keepStdinOpen) child.stdin.end()
  })
}

/**
 * Run the built CLI in the sandbox, stdin and stdout not a terminal.
 *
 * A run that needs nothing of a process of its own runs in this one: the built program's main()
 * (dist/program.cjs, what bin/pkgs.cjs runs) with streams, an environment and a folder of its own,
 * against the same registries. That saves starting Node and loading npm's libraries each time
 * (~200 ms of CPU a run; a run in-process costs ~20). A process of its own:
 * - with PKGS_TEST_PROCESSES=1, every run (CI runs the whole suite so as well, so nothing passes
 *   only in-process);
 * - where the test says so (`asProcess`, with a ProcessReason): a publish that runs lifecycle
 *   scripts, or that may sign provenance because an .npmrc or package.json says so;
 * - and what the arguments and the environment show, without reading a file:
 *   `--version` or `--help` alone, which src/cli.ts answers before the program is loaded;
 *   `--verbose`, which listens to npm's log events, and those are the process's (proc-log);
 *   a proxy or a relative npm_config_* path in the environment (see readFromProcess);
 *   a publish with `--provenance` or in a CI's environment (libnpmpublish reads the CI it runs in
 *   from the process's environment).
 */
export function runPkgs(args: string[], sandbox: Sandbox, opts: RunOptions = {}): Promise<RunResult> {
  const file = currentTestFile?.()
  if (file && sameWithProcesses.some((entry) => file.endsWith(entry))) {
    throw new Error(
      `${listed(file)} is in test/support/process-suite.ts (files that never call runPkgs, left out of the PKGS_TEST_PROCESSES=1 suite): take it off the list`,
    )
  }
  if (needsProcess(args, sandbox, opts)) return run(process.execPath, [pkgsBin, ...args], sandbox, opts)
  return runInProcess(args, sandbox, opts)
}

const processesOnly = process.env.PKGS_TEST_PROCESSES === '1'
const currentTestFile = testState && (() => testState().testPath)
const listed = (file: string) => file.slice(repoRoot.length + 1)

function needsProcess(args: string[], sandbox: Sandbox, opts: RunOptions): boolean {
  if (processesOnly || opts.asProcess) return true
  if (args.length === 1 && ['--version', '-V', '--help', '-h'].includes(args[0])) return true
  if (args.includes('--verbose')) return true
  const env = { ...sandbox.env, ...opts.env }
  const set = Object.entries(env).filter(([, value]) => value !== undefined) as [string, string][]
  if (set.some(([name, value]) => readFromProcess(name, value))) return true
  return args.includes('publish') && (args.includes('--provenance') || set.some(([name]) => ciVariables.test(name)))
}

/**
 * What npm's libraries take from the process, not from the environment pkgs passes them: a proxy
 * (@npmcli/agent reads the variables once, when it loads), and an npm_config_* path relative to
 * the folder (@npmcli/config resolves it against the process's).
 */
function readFromProcess(name: string, value: string): boolean {
  return /^(https?_proxy|proxy|no_proxy)$/i.test(name) || (/^npm_config_/i.test(name) && /^\.\.?([/\\]|$)/.test(value))
}

/** A CI's variables, or provenance asked for in the environment: a publish may sign provenance. */
const ciVariables = /^(CI|GITHUB_ACTIONS|GITLAB_CI|CIRCLECI|ACTIONS_ID_TOKEN_REQUEST_.*|NPM_ID_TOKEN|SIGSTORE_ID_TOKEN)$|provenance/i

interface Program {
  main(
    argv: string[],
    version: string,
    system: { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough; env: NodeJS.ProcessEnv; cwd: string },
  ): Promise<number>
}
let program: { main: Program['main']; version: string } | undefined

async function runInProcess(args: string[], sandbox: Sandbox, opts: RunOptions): Promise<RunResult> {
  program ??= {
    main: (createRequire(import.meta.url)(join(repoRoot, 'dist', 'program.cjs')) as Program).main,
    version: (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version,
  }
  const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()]
  let out = ''
  let err = ''
  stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  if (opts.input !== undefined) stdin.end(opts.input)
  else if (!opts.keepStdinOpen) stdin.end()
  // as spawn() passes an environment: a variable set to undefined is not there
  const env = Object.fromEntries(Object.entries({ ...sandbox.env, ...opts.env }).filter(([, v]) => v !== undefined))
  const ms = opts.timeoutMs ?? 20_000
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pkgs ${args.join(' ')} did not finish in ${ms} ms\nstdout: ${out}\nstderr: ${err}`)), ms)
  })
  try {
    const code = await Promise.race([program.main(args, program.version, { stdin, stdout, stderr, env, cwd: opts.cwd ?? sandbox.cwd }), timeout])
    stdout.end()
    stderr.end()
    await Promise.all([once(stdout, 'end'), once(stderr, 'end')])
    return { code, stdout: out, stderr: err }
  } finally {
    clearTimeout(timer)
    stdin.destroy()
  }
}

/**
 * Run the built CLI with a reader that stops after the first line, as `pkgs … | head -1` does:
 * stdout is closed once a line has arrived; the rest of what was read is kept.
 */
export function runPkgsReadingOneLine(args: string[], sandbox: Sandbox, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [pkgsBin, ...args], {
      cwd: opts.cwd ?? sandbox.cwd,
      env: { ...sandbox.env, ...opts.env, ...processLogEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d
      if (stdout.includes('\n')) child.stdout.destroy()
    })
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`pkgs ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20_000} ms\nstderr: ${stderr}`))
    }, opts.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/** Run the real npm CLI in the sandbox. */
export function runNpm(args: string[], sandbox: Sandbox, opts: RunOptions = {}): Promise<RunResult> {
  return run('npm', args, sandbox, { timeoutMs: 60_000, ...opts })
}

/** `//host:port/path/` — the key prefix npm uses for a registry's credentials in .npmrc. */
export function nerfDart(url: string): string {
  const u = new URL(url)
  return `//${u.host}${u.pathname.endsWith('/') ? u.pathname : u.pathname + '/'}`
}

/**
 * A registry a test logs in to: its URL, and the users' tokens as the npmjs-like registry keeps
 * them (`tokens`) or as Verdaccio's do (`users[name].token`).
 */
export type LoginRegistry = { url: string } & ({ tokens: Record<string, string> } | { users: Record<string, { token: string }> })

/** The token of a user of this registry; a user it does not know is a mistake in the test. */
export function tokenOf(registry: LoginRegistry, user: string): string {
  const token = 'tokens' in registry ? registry.tokens[user] : registry.users[user]?.token
  if (!token) throw new Error(`${registry.url} has no user ${user}`)
  return token
}

/** A sandbox logged in as `user`: its .npmrc names the registry and holds the user's token, then `extraNpmrc`. */
export function loggedIn(registry: LoginRegistry, user: string, extraNpmrc = ''): Sandbox {
  return makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${tokenOf(registry, user)}\n${extraNpmrc}`)
}
