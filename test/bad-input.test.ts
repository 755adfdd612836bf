// Bad input everywhere: every command with invalid names, scopes, teams, users, URLs, roles,
// access values, tags, versions, ids, numbers, very long and control-character arguments, and
// missing or broken package.json and .npmrc. A usage error is exit 2 before any request (the
// registry is a recorder, which must have received nothing); the rest are exit 1 (3 for
// credentials npm cannot use, as documented); every one with a message and no stack trace. Then a
// property-based fuzz (fast-check) of the argument parser asserts the same over random argv.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { commandPaths as allCommandPaths } from './support/commands.js'
import { startRecorder, type Recorder } from './support/recorder.js'
import { makeSandbox, nerfDart, runPkgs, type RunResult, type Sandbox } from './support/sandbox.js'

vi.setConfig({ maxConcurrency: 10 })

let recorder: Recorder
beforeAll(async () => {
  recorder = await startRecorder()
})
afterAll(() => recorder?.close())

const token = 'npm_BadInputTestToken0123456789abcdefghijkl'
const long = 'a'.repeat(5000)
const control = ['\x1b[31mred', 'new\nline', 'bell\x07', 'tab\there', 'cr\rhere', '\x1b]0;title\x07']

type Setup = (sandbox: Sandbox) => void
const noPackageJson: Setup = () => {}
const brokenPackageJson: Setup = (s) => writeFileSync(join(s.cwd, 'package.json'), '{"name": "@acme/x", "version": ')
const packageJson =
  (pkg: object): Setup =>
  (s) =>
    s.writePackageJson(pkg)
const goodPackage = packageJson({ name: '@acme/widgets', version: '1.0.0' })
const npmrcLines =
  (text: string): Setup =>
  (s) =>
    writeFileSync(s.userconfig, `${s.readNpmrc()}${text}\n`)

interface Case {
  args: string[]
  exit: 1 | 2 | 3
  setup?: Setup
}

const badPackages = ['Bad Name', '@acme/UPPER', '@acme/', '@/x', '@acme/a b', '.hidden', `@acme/${long}`, ...control.map((c) => `@acme/${c}`)]
const badScopes = ['@', '@@acme', 'Acme Corp', '@acme/x', '@ac me', `@${long}`, ...control.map((c) => `@${c}`)]
const badUsers = ['Bob Smith', '@bob', 'bo/b', `${long}`, ...control]
const badTeams = ['@acme:', ':devs', '@acme:de vs', '@ac me:devs', '@acme:\x1b[2J', 'acme:devs:x']
const badUrls = ['not a url', 'ftp://npm.example/', 'http://', 'https://npm.example/?q=1', 'https://npm.example/#f', 'javascript:alert(1)']
const badVersions = ['1.0', 'one', '1.0.0.0', `1.0.${long}`, '\x1b[2J1.0.0']
const badTags = ['1.2.3', 'bad tag', '^1.0.0', 'tag\x1b[2J']

/**
 * Every command that takes a kind of value, each with a few of the bad values (in turn, so that
 * every value meets some command and every command some values): the table stays at a size that
 * runs in seconds.
 */
function spread(values: string[], commands: ((v: string) => string[])[], each: number): Case[] {
  return commands.flatMap((command, j) => Array.from({ length: each }, (_, t) => ({ args: command(values[(j * each + t) % values.length]), exit: 2 as const })))
}

const cases: Case[] = [
  // a name, scope, user, team or URL everywhere one is taken
  ...spread(
    badPackages,
    [
      (p) => ['owners', p],
      (p) => ['collaborators', p],
      (p) => ['access', p],
      (p) => ['share', 'bob', p],
      (p) => ['unshare', 'bob', p],
      (p) => ['make-private', p, '--yes'],
      (p) => ['make-public', p, '--yes'],
      (p) => ['mfa', 'publish', p],
      (p) => ['trust', 'ls', p],
      (p) => ['trust', 'github', p, '--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes'],
      (p) => ['stage', 'ls', p],
      (p) => ['init', '--name', p, '--scope', '@acme', '--yes'],
      (p) => ['token', 'create', '--package', p, '--password-stdin'],
      (p) => ['ls', p],
      (p) => ['doctor', p],
    ],
    1,
  ),
  ...spread(
    badScopes,
    [
      (s) => ['whoami', '--scope', s],
      (s) => ['scope', 'set', s],
      (s) => ['scope', 'unset', s],
      (s) => ['login', '--scope', s, '--token-stdin'],
      (s) => ['logout', '--scope', s],
      (s) => ['init', '--scope', s, '--yes'],
      (s) => ['make-private', '--scope', s, '--yes'],
      (s) => ['org', 'ls', s],
      (s) => ['access', '--scope', s],
      (s) => ['mfa', 'none', '--scope', s],
      (s) => ['stage', 'approve', '--scope', s, '--yes'],
      (s) => ['token', 'ls', '--scope', s],
      (s) => ['token', 'create', '--scope', s, '--password-stdin'],
      (s) => ['doctor', '--scope', s],
    ],
    1,
  ),
  ...spread(
    badUsers,
    [
      (u) => ['share', u, '@acme/widgets'],
      (u) => ['unshare', u, '@acme/widgets'],
      (u) => ['org', 'set', 'acme', u],
      (u) => ['org', 'rm', 'acme', u, '--yes'],
      (u) => ['team', 'add', '@acme:devs', u],
      (u) => ['team', 'rm', '@acme:devs', u],
      (u) => ['ls', u],
    ],
    2,
  ),
  ...spread(
    badTeams,
    [
      (t) => ['team', 'create', t],
      (t) => ['team', 'destroy', t, '--yes'],
      (t) => ['team', 'add', t, 'bob'],
      (t) => ['team', 'ls', t],
      (t) => ['share', t, '@acme/widgets'],
    ],
    2,
  ),
  ...spread(
    badUrls,
    [
      (u) => ['--registry', u, 'whoami'],
      (u) => ['scope', 'set', '@acme', '--registry', u],
      (u) => ['login', '--registry', u, '--token-stdin'],
      (u) => ['--registry', u, 'owners', '@acme/widgets'],
    ],
    2,
  ),
  // roles, access values, levels, locations, auth types, permissions: a choice not offered
  { args: ['org', 'set', 'acme', 'bob', 'superuser'], exit: 2 },
  { args: ['org', 'set', 'acme', 'bob', 'OWNER'], exit: 2 },
  { args: ['init', '--scope', '@acme', '--access', 'secret', '--yes'], exit: 2 },
  { args: ['init', '--scope', '@acme', '--access', 'Public', '--yes'], exit: 2 },
  { args: ['publish', '--access', 'secret'], exit: 2, setup: goodPackage },
  { args: ['mfa', 'always', '@acme/widgets'], exit: 2 },
  { args: ['scope', 'set', '@acme', '--location', 'global'], exit: 2 },
  { args: ['login', '--auth-type', 'magic'], exit: 2 },
  { args: ['token', 'create', '--org', 'acme', '--org-permission', 'admin', '--password-stdin'], exit: 2 },
  { args: ['share', '@acme:devs', '@acme/widgets', '--read-only', '--read-write'], exit: 2 },
  // versions and tags
  ...badVersions.map((v): Case => ({ args: ['init', '--scope', '@acme', '--init-version', v, '--yes'], exit: 2 })),
  ...badTags.map((t): Case => ({ args: ['publish', '--tag', t], exit: 2, setup: goodPackage })),
  // ids, numbers, ranges
  { args: ['stage', 'reject', 'not-a-uuid', '--yes'], exit: 2 },
  { args: ['stage', 'approve', '1234', '\x07', '--yes'], exit: 2 },
  { args: ['stage', 'view', '@acme/widgets@not-a-version'], exit: 2 },
  { args: ['stage', 'download', 'nothing-at-all'], exit: 2 },
  // a trust id is whatever the registry calls it: one that is not there is looked for (and the recorder fails)
  { args: ['trust', 'revoke', '@acme/widgets', '--id', '../../x', '--yes'], exit: 1 },
  {
    args: [
      'trust',
      'circleci',
      '@acme/widgets',
      '--org-id',
      'x',
      '--project-id',
      'y',
      '--pipeline-definition-id',
      'z',
      '--vcs-origin',
      'github.com/a/b',
      '--allow-publish',
      '--yes',
    ],
    exit: 2,
  },
  { args: ['trust', 'github', '@acme/widgets', '--repo', 'not-a-repo', '--file', 'release.yml', '--allow-publish', '--yes'], exit: 2 },
  { args: ['trust', 'github', '@acme/widgets', '--repo', 'acme/widgets', '--file', '.github/workflows/../x.yml', '--allow-publish', '--yes'], exit: 2 },
  { args: ['trust', 'gitlab', '@acme/widgets', '--project', 'nope', '--file', '.gitlab-ci.yml', '--allow-publish', '--yes'], exit: 2 },
  // --workspaces with packages or a scope, or outside a workspace
  { args: ['trust', 'github', '-ws', '@acme/widgets', '--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes'], exit: 2 },
  { args: ['trust', 'github', '--workspaces', '--scope', '@acme', '--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes'], exit: 2 },
  { args: ['trust', 'github', '-ws', '--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes'], exit: 2, setup: goodPackage },
  { args: ['token', 'create', '--expires', '0', '--all-packages', '--password-stdin'], exit: 2 },
  { args: ['token', 'create', '--expires', '366', '--all-packages', '--password-stdin'], exit: 2 },
  { args: ['token', 'create', '--expires', 'soon', '--all-packages', '--password-stdin'], exit: 2 },
  { args: ['token', 'create', '--cidr', '::1/128', '--all-packages', '--password-stdin'], exit: 2 },
  { args: ['token', 'create', '--cidr', '300.1.1.1/8', '--all-packages', '--password-stdin'], exit: 2 },
  // a token id is matched against the list, which the recorder does not give; and a URL's escape sequence is only percent-encoded
  { args: ['token', 'revoke', '\x1b[2J'], exit: 1 },
  { args: ['--registry', 'https://npm.example.invalid/\x1b[2J', 'owners', '@acme/widgets'], exit: 1 },
  { args: ['make-private', '@acme/widgets', '--concurrency', '0', '--yes'], exit: 2 },
  { args: ['make-private', '@acme/widgets', '--concurrency', 'many', '--yes'], exit: 2 },
  // one-time passwords, empty values, unknown words
  { args: ['make-private', '@acme/widgets', '--yes', '--otp', '12 34'], exit: 2 },
  { args: ['make-private', '@acme/widgets', '--yes', '--otp', '\x1b[2J'], exit: 2 },
  { args: ['make-private', '@acme/widgets', '--yes', '--otp', long], exit: 2 },
  { args: ['whoami', '--scope', ''], exit: 2 },
  { args: ['owners', ''], exit: 2 },
  { args: ['bogus-command'], exit: 2 },
  { args: [long], exit: 2 },
  { args: ['whoami', '--bogus-option'], exit: 2 },
  { args: ['whoami', 'extra'], exit: 2 },
  { args: ['team'], exit: 2 },
  { args: ['stage', 'bogus'], exit: 2 },
  // no package.json, a broken one, a package.json with bad values
  ...[['owners'], ['collaborators'], ['access'], ['share', 'bob'], ['make-private', '--yes'], ['mfa', 'publish'], ['trust', 'ls']].map((args): Case => ({
    args,
    exit: 2,
    setup: noPackageJson,
  })),
  { args: ['publish'], exit: 1, setup: noPackageJson },
  { args: ['publish'], exit: 1, setup: brokenPackageJson },
  { args: ['owners'], exit: 1, setup: brokenPackageJson },
  { args: ['init', '--scope', '@acme', '--yes'], exit: 1, setup: brokenPackageJson },
  // npm's own reading of package.json refuses these: a file to fix, not a usage error
  { args: ['publish'], exit: 1, setup: packageJson({ name: 'Bad Name', version: '1.0.0' }) },
  { args: ['publish'], exit: 1, setup: packageJson({ name: '@acme/widgets', version: 'one' }) },
  { args: ['publish'], exit: 2, setup: packageJson({ name: '@acme/widgets', version: '1.0.0', publishConfig: { access: 'secret' } }) },
  { args: ['publish'], exit: 1, setup: packageJson({ name: '@acme/widgets', version: '1.0.0', files: 'not-a-list' }) },
  { args: ['publish'], exit: 1, setup: packageJson({ name: 42, version: '1.0.0' }) },
  { args: ['owners'], exit: 2, setup: packageJson({ name: 'Bad Name' }) },
  { args: ['publish', './no-such-folder'], exit: 2, setup: goodPackage },
  // a broken .npmrc
  { args: ['whoami'], exit: 2, setup: npmrcLines('registry=not a url') },
  { args: ['owners', '@acme/widgets'], exit: 2, setup: npmrcLines('@acme:registry=ftp://npm.example/') },
  { args: ['whoami'], exit: 2, setup: npmrcLines('scope=Bad Scope') },
  {
    args: ['whoami'],
    exit: 3,
    setup: (s) =>
      writeFileSync(s.userconfig, `registry=${recorder.urlFor('unset')}\n${nerfDart(recorder.urlFor('unset'))}:_authToken=\${NO_SUCH_VARIABLE_HERE}\n`),
  },
  { args: ['whoami'], exit: 3, setup: (s) => writeFileSync(s.userconfig, `registry=${recorder.urlFor('top')}\n_authToken=${token}\n`) },
  // the user .npmrc is a folder
  {
    args: ['scope', 'set', '@acme'],
    exit: 1,
    setup: (s) => {
      mkdirSync(join(s.home, 'folder', '.npmrc'), { recursive: true })
      s.env.NPM_CONFIG_USERCONFIG = join(s.home, 'folder', '.npmrc')
    },
  },
]

/** Each case has a registry path of its own on the recorder, so that what it sent is known. */
function sandboxFor(id: string, setup: Setup = goodPackage): Sandbox {
  const url = recorder.urlFor(id)
  const sandbox = makeSandbox(`registry=${url}\n${nerfDart(url)}:_authToken=${token}\nfetch-retries=0\n`)
  setup(sandbox)
  return sandbox
}

/** What every failure must look like, whatever the input. */
function expectCleanFailure(res: RunResult, json: boolean, verbose = false): void {
  expect(res.code, res.stderr).not.toBeNull()
  const all = res.stdout + res.stderr
  // --verbose shows where a failure happened (as documented), but never for a usage error
  if (!verbose || res.code === 2) expect(res.stderr, 'no stack trace').not.toMatch(/^\s+at .+[:(]\d+/m)
  expect(all, 'no secret').not.toContain(token)
  // input is never echoed raw: no escape sequence, bell or carriage return reaches the terminal
  expect(all, 'no control characters').not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/)
  if (json) {
    const doc = JSON.parse(res.stdout) as { error?: { message?: string } }
    expect(doc.error?.message, res.stdout).toBeTruthy()
  } else {
    expect(res.stderr, 'one error line').toMatch(/^error \S/m)
  }
}

let n = 0
const table = cases.map((c) => ({ ...c, id: `b${(n++).toString(36)}`, json: n % 3 === 0 }))
const show = (a: string[]) => a.map((x) => (x.length > 40 ? `${x.slice(0, 20)}…(${x.length})` : JSON.stringify(x).slice(1, -1))).join(' ')

describe.concurrent('bad input to every command', () => {
  it.each(table.map((c) => [`${show(c.args)}${c.setup && c.setup !== goodPackage ? ' (set-up)' : ''} → ${c.exit}`, c] as const))('%s', async (_, c) => {
    const sandbox = sandboxFor(c.id, c.setup)
    const res = await runPkgs(c.json ? ['--json', ...c.args] : c.args, sandbox, { input: '' })
    expect(res.code, `${res.stdout}${res.stderr}`).toBe(c.exit)
    expectCleanFailure(res, c.json)
    if (c.exit === 2) expect(recorder.requestsFor(c.id), 'a usage error sends nothing').toEqual([])
  })
})

// --- the argument parser, fuzzed -----------------------------------------------------------

// every command line there is (the command index's), and none
const commandPaths = [...(await allCommandPaths()), []]
const flags = [
  '--scope',
  '--registry',
  '--otp',
  '--name',
  '--access',
  '--tag',
  '--init-version',
  '--repo',
  '--file',
  '--id',
  '--expires',
  '--cidr',
  '--concurrency',
  '--location',
  '--auth-type',
  '--org-id',
  '--package',
]
const switches = [
  '--json',
  '--yes',
  '--verbose',
  '--no-color',
  '--dry-run',
  '--read-only',
  '--read-write',
  '--all',
  '--allow-publish',
  '--bogus',
  '-x',
  '--',
  '-',
]
const word = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    '@acme',
    '@acme/widgets',
    '@acme:devs',
    'bob',
    'acme',
    'http://npm.example/',
    '1.0.0',
    'latest',
    'admin',
    'restricted',
    '../x',
    '@',
    ':',
    '%00',
    'x'.repeat(3000),
    ...control,
  ),
)
// no NUL: an argv cannot carry one
const argument = word.map((w) => w.replace(/\0/g, ''))
const argvArbitrary = fc
  .tuple(
    fc.constantFrom(...commandPaths),
    fc.array(
      fc.oneof(
        argument,
        fc.constantFrom(...switches),
        fc.tuple(fc.constantFrom(...flags), argument).map(([f, v]) => `${f}=${v}`),
        fc.constantFrom(...flags),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([path, rest]) => [...path, ...rest])

describe('the argument parser, fuzzed', () => {
  const runs = 60
  it(`${runs} random argv: exit 0 to 4, a message on failure, no trace, no secret, and a usage error sends nothing`, { timeout: 120_000 }, async () => {
    const samples = fc.sample(argvArbitrary, { numRuns: runs, seed: Number(process.env.PKGS_FUZZ_SEED ?? 20240615) })
    let i = 0
    const slots = 8
    const failures: string[] = []
    const worker = async () => {
      while (i < samples.length) {
        const k = i++
        const argv = samples[k]
        const id = `f${k}`
        const sandbox = sandboxFor(id)
        const res = await runPkgs(argv, sandbox, { input: '', timeoutMs: 30_000 })
        try {
          expect([0, 1, 2, 3, 4]).toContain(res.code)
          const before = (flag: string) => argv.includes(flag) && !argv.slice(0, argv.indexOf(flag)).includes('--')
          // doctor's failed checklist is its own message (a ✖ line), with no error line after it
          const checklist = argv[0] === 'doctor' && res.code === 1 && !before('--json') && /^✖ /m.test(res.stdout)
          if (res.code !== 0 && !checklist) expectCleanFailure(res, before('--json'), before('--verbose'))
          else expect(res.stderr).not.toMatch(/^\s+at .+[:(]\d+/m)
          expect(res.stdout + res.stderr).not.toContain(token)
          if (res.code === 2) expect(recorder.requestsFor(id)).toEqual([])
        } catch (err) {
          failures.push(`${JSON.stringify(argv)} → ${res.code}\n${res.stdout}${res.stderr}\n${(err as Error).message}`)
        }
      }
    }
    await Promise.all(Array.from({ length: slots }, worker))
    expect(failures, failures.join('\n\n')).toEqual([])
  })
})
