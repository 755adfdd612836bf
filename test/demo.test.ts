// npm run demo as a newcomer runs it: exit 0 with every step of the workflow shown; afterwards
// its temporary folder is gone, no registry is left answering, and the user's own ~/.npmrc is
// untouched. And Ctrl-C part way through: the same clean-up, exit 130.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { makeSandbox, repoRoot, run, type Sandbox } from './support/sandbox.js'

// what a developer's ~/.npmrc might hold: were the demo to read it, its registry would not answer
const ownNpmrc = 'registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=npm_mine\nscope=@mine\n'

/** A HOME with its own .npmrc and an empty TMPDIR, for one run of the demo. */
function newcomer(): { sandbox: Sandbox; tmp: string; env: NodeJS.ProcessEnv } {
  const sandbox = makeSandbox(ownNpmrc)
  const tmp = join(sandbox.root, 'tmp')
  mkdirSync(tmp)
  return { sandbox, tmp, env: { TMPDIR: tmp, NO_COLOR: '1' } }
}

async function answers(url: string): Promise<boolean> {
  return fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  )
}

/** After a run: its folder is gone, nothing it started answers, ~/.npmrc is as it was. */
async function expectCleanedUp(output: string, { sandbox, tmp }: ReturnType<typeof newcomer>, npmrcTime: number): Promise<void> {
  const folder = /HOME of their own in (\S+)/.exec(output)?.[1]
  expect(folder, output).toMatch(/pkgs-demo-/)
  expect(existsSync(folder!)).toBe(false)
  // Node 22+ keeps its compiled-code cache there (bin/pkgs.cjs turns it on): Node's, not the demo's
  expect(readdirSync(tmp).filter((f) => f !== 'node-compile-cache')).toEqual([])
  const registries = [...new Set(output.match(/http:\/\/127\.0\.0\.1:\d+\//g))]
  expect(registries.length).toBeGreaterThan(0)
  for (const url of registries) expect(await answers(url), url).toBe(false)
  expect(readFileSync(sandbox.userconfig, 'utf8')).toBe(ownNpmrc)
  expect(statSync(sandbox.userconfig).mtimeMs).toBe(npmrcTime)
}

it('npm run demo: every step, exit 0, nothing left behind', async () => {
  const run1 = newcomer()
  const npmrcTime = statSync(run1.sandbox.userconfig).mtimeMs
  const res = await run('npm', ['run', 'demo'], run1.sandbox, { cwd: repoRoot, env: run1.env, timeoutMs: 110_000 })
  expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0)
  const steps = [...res.stdout.matchAll(/^\$ (.*?)(?: {3}# as \w+)?$/gm)].map((m) => m[1].replace(/http:\S+/, 'URL'))
  expect(steps).toEqual([
    'pkgs scope set @acme --registry URL',
    'pkgs doctor',
    'echo "$ALICE_TOKEN" | pkgs login --token-stdin',
    'pkgs whoami',
    'pkgs init --yes',
    'pkgs publish',
    'npm install @acme/widgets',
    'npm install @acme/widgets',
    'pkgs make-public',
    'pkgs scope set @acme --registry URL',
    'echo "$ALICE_NPM_TOKEN" | pkgs login --token-stdin',
    'pkgs doctor',
    'pkgs publish',
    'npm view @acme/widgets version',
    'pkgs share bob',
    'npm install @acme/widgets',
    'pkgs owners',
    'pkgs unshare bob',
    'pkgs make-public --yes',
    'npm view @acme/widgets version',
    'pkgs make-private',
    'npm view @acme/widgets version',
    'pkgs team create @acme:readers',
    'pkgs team add @acme:readers bob',
    'pkgs share @acme:readers',
    'npm view @acme/widgets version',
    'npm version minor --no-git-tag-version',
    'pkgs publish --stage',
    'pkgs stage ls',
    'pkgs stage approve @acme/widgets@1.1.0 --otp 123456',
    'npm view @acme/widgets version',
  ])
  expect(res.stdout).toContain('does not support package visibility')
  expect(res.stdout).toMatch(/Done in [\d.]+ s: both registries stopped/)
  // a token is only ever fed on stdin, never shown
  expect(res.stdout).not.toMatch(/npm_[A-Za-z0-9]{20,}/)
  await expectCleanedUp(res.stdout, run1, npmrcTime)
}, 120_000)

it('Ctrl-C part way through: exit 130, the registries stopped, the folder removed', async () => {
  const run2 = newcomer()
  const npmrcTime = statSync(run2.sandbox.userconfig).mtimeMs
  const child = spawn(process.execPath, [join(repoRoot, 'demo', 'start.mjs')], {
    cwd: repoRoot,
    env: { ...run2.sandbox.env, ...run2.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let interrupted = false
  const onData = (d: string) => {
    output += d
    // once the package is published to Verdaccio: both registries are up, a folder is full
    if (!interrupted && output.includes('$ npm install')) {
      interrupted = true
      child.kill('SIGINT')
    }
  }
  child.stdout.setEncoding('utf8').on('data', onData)
  child.stderr.setEncoding('utf8').on('data', onData)
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(timer)
  expect(code, output).toBe(130)
  expect(output).toContain('demo: interrupted; stopping the registries and removing')
  await expectCleanedUp(output, run2, npmrcTime)
}, 90_000)
