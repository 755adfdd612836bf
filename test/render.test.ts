// Text renderings in-process: each command's render() on a result, as a pipe and as a terminal.
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { IO } from '../src/io/io.js'
import type { AnyCommand } from '../src/commands/command.js'
import owners from '../src/commands/owners.js'
import ls from '../src/commands/ls.js'
import share from '../src/commands/share.js'
import unshare from '../src/commands/unshare.js'
import visibility from '../src/commands/make-private.js'
import doctor from '../src/commands/doctor.js'
import stage from '../src/commands/stage.js'
import trust from '../src/commands/trust.js'
import { stoppedBy } from '../src/commands/packages.js'
import { PkgsError } from '../src/core/errors.js'

function fakeIO(tty: boolean): { io: IO; stdout: () => string; stderr: () => string } {
  const out = Object.assign(new PassThrough(), { isTTY: tty })
  const err = Object.assign(new PassThrough(), { isTTY: false })
  let stdout = ''
  let stderr = ''
  out.on('data', (c) => (stdout += c))
  err.on('data', (c) => (stderr += c))
  const io = new IO({ stdin: new PassThrough(), stdout: out, stderr: err, env: { NO_COLOR: '1' } })
  return { io, stdout: () => stdout, stderr: () => stderr }
}

function render(def: AnyCommand, result: unknown, tty = false) {
  const t = fakeIO(tty)
  def.render?.(result, t.io)
  return { stdout: t.stdout(), stderr: t.stderr() }
}

describe('renderings', () => {
  it("owners: npm owner ls's lines in a pipe, a table on a terminal", () => {
    const result = {
      package: '@acme/widgets',
      registry: 'https://r/',
      owners: [
        { name: 'alice', email: 'alice@example.com' },
        { name: 'bob', email: null },
      ],
    }
    expect(render(owners, result).stdout).toBe('alice <alice@example.com>\nbob <>\n')
    expect(render(owners, result, true).stdout).toBe('OWNER  EMAIL\nalice  alice@example.com\nbob    \n')
  })

  it('ls with nothing to list says so on a terminal and prints nothing in a pipe', () => {
    const result = { entity: 'alice', kind: 'user', registry: 'https://r/', packages: {} }
    expect(render(ls, result, true)).toEqual({ stdout: 'No packages.\n', stderr: '' })
    expect(render(ls, result)).toEqual({ stdout: '', stderr: '' })
    expect(render(ls, { ...result, packages: { '@acme/a': 'read-write' } })).toEqual({ stdout: '@acme/a: read-write\n', stderr: '' })
  })

  it('share and unshare say what changed, for a user and a team', () => {
    const base = { package: '@acme/widgets', registry: 'https://r/' }
    expect(render(share, { ...base, grantee: 'bob', permissions: 'read-write', changed: true }).stdout).toBe(
      '@acme/widgets: bob is now an owner (read-write).\n',
    )
    expect(render(share, { ...base, grantee: '@acme:devs', permissions: 'read-write', changed: true, previous: 'read-only' }).stdout).toBe(
      '@acme/widgets: @acme:devs now has read-write (was read-only).\n',
    )
    expect(render(share, { ...base, grantee: '@acme:devs', permissions: 'read-only', changed: false }).stdout).toBe(
      '@acme/widgets: @acme:devs already has read-only; nothing changed.\n',
    )
    expect(render(unshare, { ...base, grantee: 'bob', permissions: null, changed: false }).stdout).toBe(
      '@acme/widgets: bob is not an owner; nothing changed.\n',
    )
  })

  it("make-private sums up a run over several packages on stderr, and its failure is the run's", () => {
    const results: { package: string; registry: string; changed: boolean; error?: { code: string; message: string } }[] = [
      { package: '@acme/a', registry: 'https://r/', changed: true },
      { package: '@acme/b', registry: 'https://r/', changed: false, error: { code: 'E403', message: 'no' } },
    ]
    const doc = { access: 'private' as const, results, changed: 1, unchanged: 0, failed: 1, skipped: 0, [stoppedBy]: undefined }
    // a run with failures shows no success mark
    expect(render(visibility, doc).stderr).toBe('1 made private, 0 already private, 1 failed.\n')
    expect(render(visibility, { ...doc, results: [results[0], { ...results[1], error: undefined }], failed: 0 }).stderr).toBe(
      '✔ 1 made private, 0 already private.\n',
    )
    expect(visibility.failure?.(doc)).toMatchObject({ code: 'EPARTIAL', message: '1 of 2 packages failed.' })
    const stopped = { ...doc, [stoppedBy]: new PkgsError('EOTP', 'asks for a one-time password.') }
    expect(visibility.failure?.(stopped)).toMatchObject({ code: 'EOTP', message: 'Stopped: asks for a one-time password.' })
  })

  it('stage approve and trust sum up several with a success mark only when nothing failed', () => {
    const sub = (group: typeof stage | typeof trust, name: string) => group.commands.find((c) => c.name === name) as AnyCommand
    const approve = sub(stage, 'approve')
    const results = [
      { id: 'a', package: '@acme/a', registry: 'https://r/', changed: true },
      { id: 'b', package: '@acme/b', registry: 'https://r/', changed: true },
    ]
    expect(render(approve, { results, changed: 2, failed: 0, skipped: 0 }).stderr).toBe('✔ 2 approved.\n')
    expect(render(approve, { results, changed: 1, failed: 1, skipped: 0 }).stderr).toBe('1 approved, 1 failed.\n')
    const github = sub(trust, 'github')
    expect(render(github, { results, changed: 2, unchanged: 0, failed: 0, dryRun: false }).stderr).toBe('✔ 2 trusted, 0 already trusted.\n')
    expect(render(github, { results, changed: 0, unchanged: 0, failed: 2, dryRun: false }).stderr).toBe('0 trusted, 0 already trusted, 2 failed.\n')
  })

  it('doctor: a mark per check, the hint of what is not ok, exit 1 when one is an error', () => {
    const report = {
      ok: false,
      registry: 'https://r/',
      kind: 'npmjs' as const,
      checks: [
        { id: 'node', status: 'ok' as const, message: 'Node.js 20' },
        { id: 'login', status: 'error' as const, message: 'Not logged in.', hint: 'pkgs login' },
      ],
    }
    expect(render(doctor, report).stdout).toBe('✔ Node.js 20\n✖ Not logged in.\n    → pkgs login\n1 problem to fix.\n')
    expect(doctor.failure?.(report)).toBe(1)
    expect(doctor.failure?.({ ...report, ok: true })).toBeUndefined()
  })
})
