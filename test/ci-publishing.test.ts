// pkgs trust, pkgs publish from CI (trusted publishing), pkgs publish --stage with pkgs stage, and
// pkgs token, on the npmjs-like registry: the requests npm sends (npm runs the same operation
// beside pkgs), what pkgs does more (reads first, one approval for many, causes said), and no
// secret in any output.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startActionsIdTokenService } from './support/github-actions.js'
import { seedPublish } from './support/seed.js'
import { startNpmjsRegistry, type NpmjsRegistry, type RecordedRequest } from './support/npmjs-registry.js'
import { loggedIn, makeSandbox, nerfDart, runNpm, runPkgs, type Sandbox } from './support/sandbox.js'

let registry: NpmjsRegistry
const verdaccio = inject('verdaccio')

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'pw-alice' },
      { name: 'carol', password: 'pw-carol', tfa: true },
      // carol's staged list is compared whole with npm's: a test beside it stages as cara
      { name: 'cara', password: 'pw-cara', tfa: true },
      { name: 'wendy', password: 'pw-wendy', tfa: 'web' },
      { name: 'walt', password: 'pw-walt', tfa: 'web' },
    ],
    paidScopes: ['@alice', '@carol', '@cara', '@wendy', '@walt'],
    pageSize: 2,
  })
})
afterAll(() => registry?.close())

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const as = (user: string) => loggedIn(registry, user)
const anonymous = () => makeSandbox(`registry=${registry.url}\n`)
const escaped = (name: string) => name.replace('/', '%2f')

function json(res: { stdout: string }) {
  return JSON.parse(res.stdout)
}

/** The requests since `mark` that concern this test (tests run concurrently on one registry). */
function since(mark: number, match: (r: RecordedRequest) => boolean): RecordedRequest[] {
  return registry.requests.slice(mark).filter(match)
}

const about =
  (...names: string[]) =>
  (r: RecordedRequest) =>
    names.some((n) => r.path.includes(escaped(n)) || r.path.includes(n))
const approvalsOf = (mark: number, user: string) =>
  new Set(since(mark, (r) => r.path.startsWith('/-/v1/auth/done/') && r.headers.authorization === `Bearer ${registry.tokens[user]}`).map((r) => r.path))

function packageIn(sandbox: Sandbox, name: string, version: string): string {
  const dir = `${sandbox.cwd}/${name.replace('/', '__')}-${version}`
  sandbox.writePackageJson({ name, version, main: 'index.js' }, dir)
  return dir
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 25))
  }
}

const trustArgs = ['--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes']

/** The trusted publisher `pkgs trust github <name> ...trustArgs` makes, put straight into the registry's state. */
function trustRelease(name: string): void {
  registry.state.packages.get(name)!.trust.push({
    id: randomUUID(),
    type: 'github',
    claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } },
    permissions: ['createPackage'],
  })
}

/** A token made with the request `pkgs token create` sends, from this process: for tests of what a token does, not of how it is made. */
async function createToken(user: string, password: string, fields: { name: string; expires: number }): Promise<{ token: string; key: string }> {
  const res = await fetch(`${registry.url}-/npm/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${registry.tokens[user]}`, 'content-type': 'application/json', 'npm-otp': registry.otp },
    body: JSON.stringify({ password, packages_and_scopes_permission: 'read-only', ...fields }),
  })
  if (!res.ok) throw new Error(`token create as ${user}: ${res.status} ${await res.text()}`)
  return res.json()
}

describe.concurrent('pkgs trust', { timeout: 90_000 }, () => {
  it("sends npm trust github's body; a second run sends nothing; ls and revoke as npm", async () => {
    registry.seedPackage('@alice/t-npm', 'alice')
    registry.seedPackage('@alice/t-pkgs', 'alice')
    const alice = as('alice')
    const npm = await runNpm(['trust', 'github', '@alice/t-npm', ...trustArgs], alice)
    expect(npm.code, npm.stderr).toBe(0)
    const mark = registry.requests.length
    const first = await runPkgs(['trust', 'github', '@alice/t-pkgs', ...trustArgs, '--json'], alice)
    expect(first.code, first.stderr).toBe(0)
    const [npmPost] = registry.requests.filter((r) => r.method === 'POST' && r.path === '/-/package/@alice%2ft-npm/trust')
    const [pkgsPost] = since(mark, (r) => r.method === 'POST' && about('@alice/t-pkgs')(r))
    expect(pkgsPost.path).toBe('/-/package/@alice%2ft-pkgs/trust')
    expect(pkgsPost.body).toEqual(npmPost.body)
    const [result] = json(first).results
    expect(result).toMatchObject({
      package: '@alice/t-pkgs',
      type: 'github',
      claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } },
      permissions: ['createPackage'],
      changed: true,
    })
    expect(result.id).toMatch(uuid)

    const again = registry.requests.length
    const second = await runPkgs(['trust', 'github', '@alice/t-pkgs', ...trustArgs, '--json'], alice)
    expect(json(second).results[0]).toMatchObject({ id: result.id, changed: false })
    expect(since(again, (r) => r.method !== 'GET' && about('@alice/t-pkgs')(r))).toEqual([])

    const ls = await runPkgs(['trust', 'ls', '@alice/t-pkgs', '--json'], alice)
    expect(json(ls).trust).toEqual([{ id: result.id, type: 'github', claims: result.claims, permissions: ['createPackage'] }])
    const npmId = registry.state.packages.get('@alice/t-npm')!.trust[0].id
    const npmRevoke = await runNpm(['trust', 'revoke', '@alice/t-npm', '--id', npmId], alice)
    expect(npmRevoke.code, npmRevoke.stderr).toBe(0)
    const revoke = await runPkgs(['trust', 'revoke', '@alice/t-pkgs', '--id', result.id, '--json'], alice)
    expect(json(revoke)).toMatchObject({ id: result.id, changed: true })
    const deletes = registry.requests
      .filter((r) => r.method === 'DELETE' && r.path.includes('/trust/') && about('@alice/t-npm', '@alice/t-pkgs')(r))
      .map((r) => r.path.replace(/trust\/.*/, 'trust/<id>'))
    expect(deletes).toEqual(['/-/package/@alice%2ft-npm/trust/<id>', '/-/package/@alice%2ft-pkgs/trust/<id>'])
    const gone = await runPkgs(['trust', 'revoke', '@alice/t-pkgs', '--id', result.id, '--json'], alice)
    expect(json(gone)).toMatchObject({ changed: false })
  })

  it('trust revoke takes the start of one id; the start of two is exit 2; an id not there names the ids there are', async () => {
    registry.seedPackage('@alice/t-ids', 'alice')
    const claims = { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } }
    const ids = ['8d3c0000-0000-4000-8000-000000000001', '8d3c0000-0000-4000-8000-000000000002', '1f2e0000-0000-4000-8000-000000000003']
    registry.state.packages
      .get('@alice/t-ids')!
      .trust.push(...ids.map((id) => ({ id, type: 'github' as const, claims, permissions: ['createPackage' as const] })))
    const alice = as('alice')
    const [ambiguous, missing, dryRun] = await Promise.all([
      runPkgs(['trust', 'revoke', '@alice/t-ids', '--id', '8d3c', '--json'], alice),
      runPkgs(['trust', 'revoke', '@alice/t-ids', '--id', 'ffff'], alice),
      runPkgs(['trust', 'github', '@alice/t-ids', '--repo', 'acme/other', '--file', 'x.yml', '--allow-publish', '--dry-run', '--json'], alice),
    ])
    // a trust not made yet has no id: the field is there, null
    expect(json(dryRun).results).toEqual([expect.objectContaining({ package: '@alice/t-ids', id: null, changed: false })])
    expect(ambiguous.code).toBe(2)
    expect(json(ambiguous).error.message).toContain(`is the start of 2 trust ids of @alice/t-ids: ${ids[0]}, ${ids[1]}`)
    expect(missing.code, missing.stderr).toBe(0)
    expect(missing.stdout).toBe(`@alice/t-ids: no trust with id ffff (its trusts: ${ids.join(', ')}); nothing changed.\n`)
    const revoked = await runPkgs(['trust', 'revoke', '@alice/t-ids', '--id', '1f2e', '--json'], alice)
    expect(json(revoked)).toMatchObject({ id: ids[2], changed: true, present: true })
    expect(registry.state.packages.get('@alice/t-ids')!.trust.map((t) => t.id)).toEqual(ids.slice(0, 2))
  })

  it('takes the repository from package.json; one on another host is exit 2 saying so, before any request', async () => {
    registry.seedPackage('@alice/from-repo', 'alice')
    const alice = as('alice')
    const onGithub = packageIn(alice, '@alice/from-repo', '1.0.0')
    alice.writePackageJson(
      { name: '@alice/from-repo', version: '1.0.0', repository: { type: 'git', url: 'git+https://github.com/acme/from-repo.git' } },
      onGithub,
    )
    const onGitlab = packageIn(alice, '@alice/from-lab', '1.0.0')
    alice.writePackageJson({ name: '@alice/from-lab', version: '1.0.0', repository: 'https://gitlab.com/acme/from-lab' }, onGitlab)
    const args = ['trust', 'github', '--file', 'release.yml', '--allow-publish', '--dry-run', '--json']
    const mark = registry.requests.length
    const [github, gitlab] = await Promise.all([runPkgs(args, alice, { cwd: onGithub }), runPkgs(args, alice, { cwd: onGitlab })])
    expect(github.code, github.stderr).toBe(0)
    expect(github.stderr).toContain('Trusting GitHub Actions in acme/from-repo (the repository in package.json).')
    expect(json(github).results[0].claims).toMatchObject({ repository: 'acme/from-repo' })
    expect(gitlab.code).toBe(2)
    expect(json(gitlab).error).toMatchObject({
      message: '--repo is required: the repository in package.json (https://gitlab.com/acme/from-lab) is not on GitHub.',
      hint: 'Name the GitHub repository: --repo owner/repo',
    })
    expect(since(mark, about('@alice/from-lab'))).toEqual([])
  })

  it("sends npm trust gitlab's and npm trust circleci's bodies", async () => {
    const alice = as('alice')
    const ids = [
      '11111111-2222-4333-8444-555555555555',
      '21111111-2222-4333-8444-555555555555',
      '31111111-2222-4333-8444-555555555555',
      '41111111-2222-4333-8444-555555555555',
    ]
    const circle = [
      '--org-id',
      ids[0],
      '--project-id',
      ids[1],
      '--pipeline-definition-id',
      ids[2],
      '--vcs-origin',
      'github.com/acme/circle',
      '--context-id',
      ids[3],
      '--allow-stage-publish',
      '--yes',
    ]
    const gitlab = ['--project', 'acme/lab', '--file', '.gitlab-ci.yml', '--env', 'release', '--allow-publish', '--yes']
    for (const name of ['@alice/gl-npm', '@alice/gl-pkgs', '@alice/cc-npm', '@alice/cc-pkgs']) registry.seedPackage(name, 'alice')
    for (const [provider, args, npmName, pkgsName] of [
      ['gitlab', gitlab, '@alice/gl-npm', '@alice/gl-pkgs'],
      ['circleci', circle, '@alice/cc-npm', '@alice/cc-pkgs'],
    ] as const) {
      const npm = await runNpm(['trust', provider, npmName, ...args], alice)
      expect(npm.code, npm.stderr).toBe(0)
      const ours = await runPkgs(['trust', provider, pkgsName, ...args], alice)
      expect(ours.code, ours.stderr).toBe(0)
      const body = (name: string) => registry.requests.find((r) => r.method === 'POST' && r.path === `/-/package/${escaped(name)}/trust`)?.body
      expect(body(pkgsName)).toEqual(body(npmName))
      expect(body(pkgsName)).toBeDefined()
    }
  })

  it('checks its flags before any request, and says what a registry without trust does instead', async () => {
    const alice = as('alice')
    const mark = registry.requests.length
    const runs = await Promise.all([
      runPkgs(['trust', 'github', '@alice/x', '--repo', 'acme', '--file', 'release.yml', '--allow-publish', '--yes', '--json'], alice),
      runPkgs(
        ['trust', 'github', '@alice/x', '--repo', 'acme/widgets', '--file', '.github/workflows/release.yml', '--allow-publish', '--yes', '--json'],
        alice,
      ),
      runPkgs(['trust', 'github', '@alice/x', '--repo', 'acme/widgets', '--file', 'release.txt', '--allow-publish', '--yes', '--json'], alice),
      runPkgs(['trust', 'github', '@alice/x', ...trustArgs.filter((a) => a !== '--allow-publish'), '--json'], alice),
      runPkgs(
        [
          'trust',
          'circleci',
          '@alice/x',
          '--org-id',
          'nope',
          '--project-id',
          'x',
          '--pipeline-definition-id',
          'y',
          '--vcs-origin',
          'github.com/a/b',
          '--allow-publish',
          '--json',
        ],
        alice,
      ),
    ])
    for (const res of runs) expect(res.code, res.stdout).toBe(2)
    expect(json(runs[0]).error.message).toContain('owner/repo')
    expect(json(runs[1]).error.message).toContain('not a path')
    expect(json(runs[3]).error.message).toContain('--allow-publish')
    expect(since(mark, about('@alice/x'))).toEqual([])
    const onVerdaccio = await runPkgs(['trust', 'github', '@acme/x', ...trustArgs, '--json'], loggedIn(verdaccio, 'alice'))
    expect(onVerdaccio.code).toBe(4)
    expect(json(onVerdaccio).error.hint).toContain('token')
  })

  it('trusts a whole scope of 20 packages under one browser approval; a second run changes nothing', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `@wendy/p${String(i).padStart(2, '0')}`)
    for (const name of names) registry.seedPackage(name, 'wendy')
    const wendy = as('wendy')
    const mark = registry.requests.length
    const run = runPkgs(['trust', 'github', '--scope', '@wendy', '--repo', 'acme/mono', '--file', 'release.yml', '--allow-publish', '--yes', '--json'], wendy)
    await until(() => approvalsOf(mark, 'wendy').size > 0)
    registry.completeWebOtp('wendy')
    const res = await run
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ changed: 20, unchanged: 0, failed: 0 })
    expect(approvalsOf(mark, 'wendy').size).toBe(1)
    for (const name of names) expect(registry.state.packages.get(name)!.trust).toHaveLength(1)
    const again = registry.requests.length
    const second = await runPkgs(
      ['trust', 'github', '--scope', '@wendy', '--repo', 'acme/mono', '--file', 'release.yml', '--allow-publish', '--yes', '--json'],
      wendy,
    )
    expect(json(second), second.stderr).toMatchObject({ changed: 0, unchanged: 20 })
    expect(since(again, (r) => r.method !== 'GET' && about(...names)(r))).toEqual([])
  })
})

describe.concurrent('pkgs publish in CI (trusted publishing)', { timeout: 90_000 }, () => {
  /** `pkgs publish` of name@2.0.0 in a job with this environment, as an anonymous user (no token of its own). */
  function publish(name: string, env: Record<string, string>, extra: string[] = []) {
    const sandbox = anonymous()
    return runPkgs(['publish', ...extra, '--yes', '--json'], sandbox, { cwd: packageIn(sandbox, name, '2.0.0'), env })
  }

  async function job(workflow: string, repository = 'acme/widgets') {
    return startActionsIdTokenService((audience) => registry.idToken({ provider: 'github', repository, workflow, audience }))
  }

  it('in a GitHub Actions job: exchanges the ID token, then publishes with the token it gives, as npm does; no token printed', async () => {
    registry.seedPackage('@alice/ci', 'alice')
    trustRelease('@alice/ci')
    const actions = await job('release.yml')
    try {
      const npmJob = anonymous()
      const npmMark = registry.requests.length
      const npm = await runNpm(['publish'], npmJob, { cwd: packageIn(npmJob, '@alice/ci', '1.1.0'), env: actions.env })
      expect(npm.code, npm.stderr).toBe(0)
      const ours = about('@alice/ci')
      const npmSent = since(npmMark, ours).map((r) => `${r.method} ${r.path.split('?')[0]}`)

      const pkgsJob = anonymous()
      const mark = registry.requests.length
      const res = await runPkgs(['publish', '--yes', '--json', '--verbose'], pkgsJob, { cwd: packageIn(pkgsJob, '@alice/ci', '1.2.0'), env: actions.env })
      expect(res.code, res.stderr).toBe(0)
      expect(json(res)).toMatchObject({ name: '@alice/ci', version: '1.2.0', published: true })
      const sent = since(mark, ours).map((r) => `${r.method} ${r.path.split('?')[0]}`)
      // npm's requests in npm's order; what pkgs adds is a read
      expect(sent.filter((s) => npmSent.includes(s))).toEqual(npmSent)
      expect(sent.filter((s) => !npmSent.includes(s)).every((s) => s.startsWith('GET '))).toBe(true)
      expect(registry.state.packages.get('@alice/ci')!.doc.versions['1.2.0']._npmUser).toMatchObject({ name: 'GitHub Actions' })
      const secrets = [...registry.state.trustTokens.keys(), actions.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN]
      for (const secret of secrets) expect(res.stdout + res.stderr).not.toContain(secret)
      expect(pkgsJob.readNpmrc()).not.toContain('_authToken')
    } finally {
      await actions.close()
    }
  })

  it("says when GitHub's ID-token service cannot be reached, in seconds (exit 3)", async () => {
    const sandbox = anonymous()
    const env = { GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token-secret' }
    const res = await runPkgs(['publish', '--yes', '--json'], sandbox, { cwd: packageIn(sandbox, '@alice/unreachable', '1.0.0'), env, timeoutMs: 15_000 })
    expect(res.code, res.stdout).toBe(3)
    expect(json(res).error).toMatchObject({ code: 'EOIDC', message: "GitHub's ID-token service (127.0.0.1:9) could not be reached (ECONNREFUSED)." })
    expect(res.stdout + res.stderr).not.toContain('request-token-secret')
  })

  it('names what is wrong with a refused ID token: expired, made for another registry, or trusted to publish but not to stage (exit 3)', async () => {
    registry.seedPackage('@alice/lab', 'alice')
    registry.seedPackage('@alice/staging', 'alice')
    trustRelease('@alice/staging')
    const gitlabJob = (spec: { ttlSeconds?: number; audience?: string }) => {
      const idToken = registry.idToken({ provider: 'gitlab', project: 'acme/lab', file: '.gitlab-ci.yml', ...spec })
      return { GITLAB_CI: 'true', NPM_ID_TOKEN: idToken }
    }
    const actions = await job('release.yml')
    try {
      const expiredJob = gitlabJob({ ttlSeconds: -60 })
      const elsewhereJob = gitlabJob({ audience: 'npm:registry.npmjs.org' })
      const [expired, elsewhere, stage] = await Promise.all([
        publish('@alice/lab', expiredJob),
        publish('@alice/lab', elsewhereJob),
        publish('@alice/staging', actions.env, ['--stage']),
      ])
      for (const res of [expired, elsewhere, stage]) {
        expect(res.code, res.stdout).toBe(3)
        expect(json(res).error.code).toBe('EOIDC')
      }
      expect(json(expired).error.message).toMatch(/refused the ID token \(401.*\): the ID token expired at \d{4}-\d{2}-\d{2}T/)
      expect(json(expired).error.hint).toContain('ID tokens last minutes')
      expect(json(elsewhere).error.message).toContain(`the ID token is for npm:registry.npmjs.org, not npm:127.0.0.1`)
      expect(json(elsewhere).error.hint).toContain('id_tokens: { NPM_ID_TOKEN: { aud: "npm:127.0.0.1" } }')
      expect(json(stage).error.hint).toContain('pkgs trust github @alice/staging --repo acme/widgets --file release.yml --allow-stage-publish')
      for (const [res, idToken] of [
        [expired, expiredJob.NPM_ID_TOKEN],
        [elsewhere, elsewhereJob.NPM_ID_TOKEN],
      ] as const)
        expect(res.stdout + res.stderr).not.toContain(idToken)
    } finally {
      await actions.close()
    }
  })

  it('says why it cannot: no id-token permission, no trust for this workflow, a package not there yet (exit 3)', async () => {
    registry.seedPackage('@alice/public-one', 'alice', 'public')
    registry.seedPackage('@alice/trusted-elsewhere', 'alice')
    trustRelease('@alice/trusted-elsewhere')
    const nightly = await job('nightly.yml')
    try {
      const mark = registry.requests.length
      const [noPermission, untrusted, mismatch, absent] = await Promise.all([
        publish('@alice/public-one', { GITHUB_ACTIONS: 'true' }),
        publish('@alice/public-one', nightly.env),
        publish('@alice/trusted-elsewhere', nightly.env),
        publish('@alice/not-yet', nightly.env),
      ])
      for (const res of [noPermission, untrusted, mismatch, absent]) {
        expect(res.code, res.stdout).toBe(3)
        expect(json(res).error.code).toBe('EOIDC')
      }
      expect(json(noPermission).error.message).toContain('lacks `permissions: id-token: write`')
      const trustHint = (name: string) => `pkgs trust github ${name} --repo acme/widgets --file nightly.yml --allow-publish`
      expect(json(untrusted).error.message).toContain('no trusted publisher of @alice/public-one matches this job')
      expect(json(untrusted).error.hint).toContain(trustHint('@alice/public-one'))
      expect(json(mismatch).error.message).toMatch(/refused the ID token \(403: .+\)/)
      expect(json(mismatch).error.hint).toContain(trustHint('@alice/trusted-elsewhere'))
      expect(json(absent).error.message).toContain('does not exist there yet')
      expect(json(absent).error.hint).toContain('first version with a token')
      expect(since(mark, (r) => r.method === 'PUT' && about('@alice/public-one', '@alice/trusted-elsewhere', '@alice/not-yet')(r))).toEqual([])

      const gitlab = anonymous()
      const noIdToken = await runPkgs(['publish', '--yes', '--json'], gitlab, {
        cwd: packageIn(gitlab, '@alice/public-one', '2.0.1'),
        env: { GITLAB_CI: 'true' },
      })
      expect(noIdToken.code).toBe(3)
      expect(json(noIdToken).error.hint).toContain('id_tokens')

      // with a token of its own, the cause is a warning and the publish goes on with that token
      const withToken = as('alice')
      const fallback = await runPkgs(['publish', '--yes'], withToken, { cwd: packageIn(withToken, '@alice/public-one', '2.1.0'), env: nightly.env })
      expect(fallback.code, fallback.stderr).toBe(0)
      expect(fallback.stderr).toContain('Trusted publishing did not work')
      expect(fallback.stderr).toContain('Publishing with the configured token instead')
    } finally {
      await nightly.close()
    }
  })
})

describe.concurrent('pkgs publish --stage and pkgs stage', { timeout: 90_000 }, () => {
  it('stages a version (not installable), lists it as npm does, approves it with a one-time password', async () => {
    registry.seedPackage('@carol/st', 'carol')
    const carol = as('carol')
    const res = await runPkgs(['publish', '--stage', '--yes', '--json'], carol, { cwd: packageIn(carol, '@carol/st', '1.1.0') })
    expect(res.code, res.stderr).toBe(0)
    const staged = json(res)
    expect(staged).toMatchObject({ name: '@carol/st', version: '1.1.0', published: false })
    expect(staged.stageId).toMatch(uuid)
    expect((await runNpm(['view', '@carol/st@1.1.0', 'version'], carol)).stdout.trim()).toBe('')

    const ls = await runPkgs(['stage', 'ls', '--json'], carol)
    const npmLs = await runNpm(['stage', 'list', '--json'], carol)
    expect(json(ls).map((i: { id: string }) => i.id)).toEqual(JSON.parse(npmLs.stdout).map((i: { id: string }) => i.id))
    expect(json(ls)).toContainEqual(expect.objectContaining({ id: staged.stageId, packageName: '@carol/st', version: '1.1.0' }))

    const download = await runPkgs(['stage', 'download', '@carol/st@1.1.0', '--json'], carol)
    expect(json(download)).toMatchObject({ id: staged.stageId, name: '@carol/st', version: '1.1.0', file: `carol-st-1.1.0-${staged.stageId}.tgz` })

    const refused = await runPkgs(['stage', 'approve', '@carol/st@1.1.0', '--json'], carol)
    expect(refused.code).toBe(1)
    expect(json(refused).error.code).toBe('EOTP')
    const approved = await runPkgs(['stage', 'approve', '@carol/st@1.1.0', '--otp', registry.otp, '--json'], carol)
    expect(approved.code, approved.stderr).toBe(0)
    expect(json(approved)).toMatchObject({ changed: 1, results: [{ id: staged.stageId, package: '@carol/st', version: '1.1.0', changed: true }] })
    expect(registry.requests.some((r) => r.method === 'POST' && r.path === `/-/stage/${staged.stageId}/approve`)).toBe(true)
    expect((await runNpm(['view', '@carol/st@1.1.0', 'version'], carol)).stdout.trim()).toBe('1.1.0')
  })

  it('says what to do first: stage only a package that exists; approve with two-factor authentication turned on; an id nothing is staged with', async () => {
    registry.seedPackage('@alice/pending', 'alice')
    await seedPublish(registry.url, registry.tokens.alice, '@alice/pending', '1.1.0', { stage: true })
    const alice = as('alice')
    const unknown = randomUUID()
    const [fresh, approve, view] = await Promise.all([
      runPkgs(['publish', '--stage', '--yes', '--json'], alice, { cwd: packageIn(alice, '@alice/fresh', '1.0.0') }),
      runPkgs(['stage', 'approve', '@alice/pending@1.1.0', '--json'], alice),
      runPkgs(['stage', 'view', unknown, '--json'], alice),
    ])
    expect(view.code).toBe(1)
    expect(json(view).error).toMatchObject({
      code: 'E404',
      message: expect.stringContaining(`Nothing is staged with the id ${unknown}`),
      hint: 'See what is staged with: pkgs stage ls',
    })
    expect(fresh.code).toBe(1)
    expect(json(fresh).error).toMatchObject({
      message: expect.stringContaining('@alice/fresh cannot be staged'),
      hint: expect.stringContaining('Publish its first version'),
    })
    expect(approve.code).toBe(1)
    expect(json(approve).error).toMatchObject({ code: 'E403', hint: expect.stringContaining('Turn on two-factor authentication for your account') })
  })

  it('two versions of one package named: its staged list is asked for once, and both are rejected', async () => {
    // deciding needs an account with two-factor authentication, as on npmjs.com
    registry.seedPackage('@cara/twice', 'cara')
    const cara = as('cara')
    for (const version of ['1.1.0', '1.2.0']) await seedPublish(registry.url, registry.tokens.cara, '@cara/twice', version, { stage: true })
    const mark = registry.requests.length
    const res = await runPkgs(['stage', 'reject', '@cara/twice@1.1.0', '@cara/twice@1.2.0', '--yes', '--otp', registry.otp, '--json'], cara)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({
      changed: 2,
      failed: 0,
      results: [
        { version: '1.1.0', changed: true },
        { version: '1.2.0', changed: true },
      ],
    })
    expect(since(mark, (r) => r.method === 'GET' && r.path.startsWith('/-/stage?') && r.path.includes('twice'))).toHaveLength(1)
  })

  it('approves several versions of one package lowest first, one after another, so the highest ends as latest: given in any order, by id or package@version', async () => {
    registry.seedPackage('@cara/order', 'cara')
    const cara = as('cara')
    for (const version of ['1.3.0', '1.4.0', '1.5.0']) await seedPublish(registry.url, registry.tokens.cara, '@cara/order', version, { stage: true })
    const ids = new Map([...registry.state.staged.values()].filter((s) => s.packageName === '@cara/order').map((s) => [s.version, s.id]))
    const idOf = (version: string) => ids.get(version)!
    const mark = registry.requests.length
    const res = await runPkgs(['stage', 'approve', idOf('1.5.0'), '@cara/order@1.3.0', idOf('1.4.0'), '--yes', '--otp', registry.otp, '--json'], cara)
    expect(res.code, res.stderr).toBe(0)
    expect(json(res).results.map((r: { version: string }) => r.version)).toEqual(['1.3.0', '1.4.0', '1.5.0'])
    const approvals = since(
      mark,
      (r) => r.method === 'POST' && r.path.endsWith('/approve') && r.headers.authorization === `Bearer ${registry.tokens.cara}`,
    ).map((r) => r.path)
    expect(approvals).toEqual(['1.3.0', '1.4.0', '1.5.0'].map((v) => `/-/stage/${idOf(v)}/approve`))
    expect(registry.state.packages.get('@cara/order')!.doc['dist-tags'].latest).toBe('1.5.0')
  })

  it("approves a scope's staged versions under one browser approval; asks for --yes without a terminal; checks ids first", async () => {
    const walt = as('walt')
    for (const name of ['@walt/s1', '@walt/s2', '@walt/s3']) {
      registry.seedPackage(name, 'walt')
      await seedPublish(registry.url, registry.tokens.walt, name, '1.1.0', { stage: true })
    }
    const mark = registry.requests.length
    const [noYes, badId] = await Promise.all([
      runPkgs(['stage', 'approve', '--scope', '@walt', '--json'], walt),
      runPkgs(['stage', 'view', 'not-an-id', '--json'], walt),
    ])
    expect([noYes.code, badId.code]).toEqual([2, 2])
    expect(json(noYes).error.hint).toContain('--yes')
    // the example in the hint is of the command that was run
    expect(json(badId).error.hint).toContain('pkgs stage view @acme/widgets@1.2.0')
    expect(since(mark, (r) => r.method !== 'GET' && r.headers.authorization === `Bearer ${registry.tokens.walt}`)).toEqual([])

    const run = runPkgs(['stage', 'approve', '--scope', '@walt', '--yes', '--json'], walt)
    await until(() => approvalsOf(mark, 'walt').size > 0)
    registry.completeWebOtp('walt')
    const res = await run
    expect(res.code, res.stderr).toBe(0)
    expect(json(res)).toMatchObject({ changed: 3, failed: 0 })
    expect(approvalsOf(mark, 'walt').size).toBe(1)
    const again = await runPkgs(['stage', 'approve', '--scope', '@walt', '--yes', '--json'], walt)
    expect(json(again)).toMatchObject({ changed: 0, results: [] })
  })
})

describe.concurrent('pkgs token', { timeout: 90_000 }, () => {
  it("sends npm token create's body, prints the token once with the .npmrc line, and the token installs but cannot publish", async () => {
    const alice = as('alice')
    registry.seedPackage('@alice/private-lib', 'alice')
    const npm = await runNpm(
      [
        'token',
        'create',
        '--name',
        'ci',
        '--scopes',
        '@alice',
        '--packages-and-scopes-permission',
        'read-only',
        '--expires',
        '30',
        '--password',
        'pw-alice',
        '--json',
      ],
      alice,
    )
    expect(npm.code, npm.stderr).toBe(0)
    const mark = registry.requests.length
    const res = await runPkgs(
      ['token', 'create', '--name', 'ci', '--read-only', '--scope', '@alice', '--expires', '30', '--password-stdin', '--verbose'],
      alice,
      { input: 'pw-alice\n' },
    )
    expect(res.code, res.stderr).toBe(0)
    const [npmPost, pkgsPost] = registry.requests.filter(
      (r) => r.method === 'POST' && r.path === '/-/npm/v1/tokens' && (r.body as { name?: string }).name === 'ci',
    )
    expect(pkgsPost.body).toEqual(npmPost.body)
    expect(mark).toBeLessThan(registry.requests.indexOf(pkgsPost))
    const token = res.stdout.trim()
    expect(res.stdout).toBe(`${token}\n`)
    expect(res.stderr).not.toContain(token)
    expect(res.stderr).not.toContain('pw-alice')
    // the scope's registry line too: without it a CI job asks the default registry for @alice/…
    expect(res.stderr).toContain(`  @alice:registry=${registry.url}\n  ${nerfDart(registry.url)}:_authToken=\${NPM_TOKEN}`)

    const withIt = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=\${NPM_TOKEN}\n`)
    const view = await runNpm(['view', '@alice/private-lib', 'version'], withIt, { env: { NPM_TOKEN: token } })
    expect(view.stdout.trim()).toBe('1.0.0')
    const dir = packageIn(withIt, '@alice/private-lib', '9.0.0')
    const publish = await runPkgs(['publish', '--yes', '--json'], withIt, { cwd: dir, env: { NPM_TOKEN: token } })
    expect(publish.code).toBe(1)

    const [jsonCreate, coversNothing] = await Promise.all([
      runPkgs(['token', 'create', '--read-only', '--scope', '@alice', '--password-stdin', '--json'], alice, { input: 'pw-alice' }),
      runPkgs(['token', 'create', '--read-only', '--password-stdin', '--json'], alice, { input: 'pw-alice' }),
    ])
    expect(json(jsonCreate).token).toMatch(/^npm_/)
    expect(json(jsonCreate).npmrc).toBe(`@alice:registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=\${NPM_TOKEN}`)
    expect(jsonCreate.stderr).not.toContain('covers no package')
    expect(coversNothing.code, coversNothing.stderr).toBe(0)
    expect(coversNothing.stderr).toContain('This token covers no package, scope or organisation')
    expect(coversNothing.stderr).toContain(`pkgs token revoke ${json(coversNothing).key}`)
    const wrong = await runPkgs(['token', 'create', '--read-only', '--password-stdin', '--json'], alice, { input: 'nope' })
    expect(wrong.code).toBe(3)
    const noPassword = await runPkgs(['token', 'create', '--json'], alice)
    expect(noPassword.code).toBe(2)
    expect(json(noPassword).error.hint).toContain('--password-stdin')
    const badCidr = await runPkgs(['token', 'create', '--cidr', '2001:db8::/32', '--password-stdin', '--json'], alice, { input: 'pw-alice' })
    expect(badCidr.code).toBe(2)
  })

  it("asks the registry of the package or org named; a write token past the registry's longest gets the days to give; read-write orgs are not warned about", async () => {
    // the default registry does not answer: only @alice's mapping leads to the registry
    const mapped = makeSandbox(
      `registry=http://127.0.0.1:9/\n@alice:registry=${registry.url}\n@acme:registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${registry.tokens.alice}\n`,
    )
    const [byPackage, long, org] = await Promise.all([
      runPkgs(['token', 'create', '--read-only', '--package', '@alice/lib', '--password-stdin', '--json'], mapped, { input: 'pw-alice' }),
      runPkgs(['token', 'create', '--read-write', '--package', '@alice/lib', '--expires', '100', '--password-stdin', '--json'], mapped, { input: 'pw-alice' }),
      runPkgs(['token', 'create', '--org', 'acme', '--org-permission', 'read-write', '--password-stdin', '--json'], mapped, { input: 'pw-alice' }),
    ])
    expect(byPackage.code, byPackage.stderr).toBe(0)
    expect(json(byPackage)).toMatchObject({ registry: registry.url, packages: ['@alice/lib'] })
    expect(long.code).toBe(1)
    expect(json(long).error).toMatchObject({
      code: 'E400',
      message: `${registry.url} refused a token that lasts 100 days (400): Tokens with write access can expire in at most 90 days.`,
      hint: 'Ask for 90 days or fewer: --expires 90',
    })
    expect(org.code, org.stderr).toBe(0)
    expect(json(org)).toMatchObject({ registry: registry.url, orgs: ['acme'], orgs_permission: 'read-write', readonly: false })
    expect(org.stderr).not.toContain('ignored the request for a read-only one')
  })

  it('on Verdaccio 6, a read-only request gets a read-write token: said so, with the command that revokes it', async () => {
    const alice = loggedIn(verdaccio, 'alice')
    const res = await runPkgs(['token', 'create', '--read-only', '--password-stdin', '--json'], alice, { input: verdaccio.users.alice.password })
    expect(res.code, res.stderr).toBe(0)
    const made = json(res)
    expect(made.readonly).toBe(false)
    expect(res.stderr).toContain('made a read-write token: it ignored the request for a read-only one, so this token can publish.')
    expect(res.stderr).toContain(`pkgs token revoke ${made.key}`)
    expect(res.stderr).not.toContain(made.token)
    // and it can: the token publishes
    const withIt = makeSandbox(`registry=${verdaccio.url}\n${nerfDart(verdaccio.url)}:_authToken=${made.token}\n`)
    const name = `@acme/rw-token-${Math.random().toString(36).slice(2, 8)}`
    const published = await runNpm(['publish', '--fetch-retries=0'], withIt, { cwd: packageIn(withIt, name, '1.0.0') })
    expect(published.code, published.stderr).toBe(0)
    const revoked = await runPkgs(['token', 'revoke', made.key, '--json'], alice)
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(json(revoked).revoked).toEqual([expect.objectContaining({ key: made.key })])
  })

  it('lists every page sorted by expiry, revokes by id, and refuses an ambiguous prefix (exit 2) listing the matches', async () => {
    const carol = as('carol')
    const make = (days: number) => createToken('carol', 'pw-carol', { name: `d${days}`, expires: days })
    for (const days of [60, 5, 20]) await make(days)
    const ls = await runPkgs(['token', 'ls', '--json'], carol)
    expect(ls.code, ls.stderr).toBe(0)
    const tokens = json(ls).tokens as { id: string; key: string; name: string; expires: string }[]
    const named = tokens.filter((t) => /^d\d+$/.test(t.name)).map((t) => t.name)
    expect(named).toEqual(['d5', 'd20', 'd60'])
    // pages of 2: npm's urls.next followed to the end
    expect(registry.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/-/npm/v1/tokens?page=')).length).toBeGreaterThan(0)

    let keys = tokens.map((t) => t.key)
    while (!keys.some((k, i) => keys.findIndex((o) => o[0] === k[0]) !== i)) keys = [...keys, (await make(7)).key]
    const shared = keys.find((k, i) => keys.findIndex((o) => o[0] === k[0]) !== i)![0]
    const ambiguous = await runPkgs(['token', 'revoke', shared, '--json'], carol)
    expect(ambiguous.code).toBe(2)
    expect(json(ambiguous).error.message).toMatch(/is the start of \d+ tokens/)
    const target = tokens.find((t) => t.name === 'd60')!
    const revoked = await runPkgs(['token', 'revoke', target.id, '--otp', registry.otp, '--json'], carol)
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(json(revoked).revoked).toEqual([{ id: target.id, key: target.key, name: 'd60' }])
    expect(registry.requests.some((r) => r.method === 'DELETE' && r.path === `/-/npm/v1/tokens/token/${target.key}`)).toBe(true)
  })

  it('revokes a token given by its value, as npm token revoke does, and never shows the value; a token not of yours is exit 1', async () => {
    const alice = as('alice')
    const made = await createToken('alice', 'pw-alice', { name: 'by-value', expires: 30 })
    const stranger = (await createToken('cara', 'pw-cara', { name: 'not-alices', expires: 30 })).token
    const twice = await createToken('alice', 'pw-alice', { name: 'named-twice', expires: 30 })
    const [wrong, revoked, once] = await Promise.all([
      runPkgs(['token', 'revoke', stranger, '--verbose'], alice),
      runPkgs(['token', 'revoke', made.token, '--json', '--verbose'], alice),
      // by its value and by its key: one token, revoked once
      runPkgs(['token', 'revoke', twice.token, twice.key, '--json'], alice),
    ])
    // the token this login uses: revoked, and said so with the way back in
    const own = await createToken('alice', 'pw-alice', { name: 'this-login', expires: 30 })
    const withOwn = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${own.token}\n`)
    const self = await runPkgs(['token', 'revoke', own.key.slice(0, 16), '--json'], withOwn)
    expect(self.code, self.stderr).toBe(0)
    expect(self.stderr).toContain(`That was the token you are logged in with (set in ~/.npmrc): commands for ${registry.url} fail until you log in again.`)
    expect(self.stderr).toContain('hint: Log in again: pkgs login')
    expect(self.stdout + self.stderr).not.toContain(own.token)
    expect(once.stderr).not.toContain('logged in with')
    const typo = await runPkgs(['token', 'revoke', 'zzzzzz', '--json'], alice)
    expect(typo.code).toBe(1)
    expect(json(typo).error.message).toBe('No token of yours has the id "zzzzzz".')
    expect(once.code, once.stderr).toBe(0)
    expect(json(once).revoked).toEqual([expect.objectContaining({ key: twice.key, name: 'named-twice' })])
    expect(registry.requests.filter((r) => r.method === 'DELETE' && r.path === `/-/npm/v1/tokens/token/${twice.key}`)).toHaveLength(1)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain('The token given is not one of yours on this registry.')
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(json(revoked).revoked).toEqual([expect.objectContaining({ key: made.key, name: 'by-value' })])
    expect(registry.requests.some((r) => r.method === 'DELETE' && r.path === `/-/npm/v1/tokens/token/${made.key}`)).toBe(true)
    for (const res of [wrong, revoked]) for (const secret of [made.token, stranger]) expect(res.stdout + res.stderr).not.toContain(secret)
  })
})

describe.concurrent('pkgs doctor on the 2026 rules', { timeout: 90_000 }, () => {
  it('warns about a token that expires within 7 days', async () => {
    const { token } = await createToken('alice', 'pw-alice', { name: 'expiring', expires: 5 })
    const sandbox = makeSandbox(`registry=${registry.url}\n${nerfDart(registry.url)}:_authToken=${token}\n`)
    const doctor = await runPkgs(['doctor', '--json'], sandbox)
    const check = json(doctor).checks.find((c: { id: string }) => c.id === 'token-expiry')
    expect(check).toMatchObject({ status: 'warn', message: expect.stringMatching(/expires on \d{4}-\d{2}-\d{2}, in [45] days/) })
    expect(doctor.stdout + doctor.stderr).not.toContain(token)
    const fresh = await runPkgs(['doctor', '--json'], as('alice'))
    expect(json(fresh).checks.find((c: { id: string }) => c.id === 'token-expiry')?.status ?? 'ok').toBe('ok')
  })

  it('in a GitHub Actions job: the ID token, its repository and workflow, the trust command; a leftover token warned about', async () => {
    const actions = await startActionsIdTokenService((audience) =>
      registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', audience }),
    )
    try {
      const job = anonymous()
      job.writePackageJson({ name: '@alice/doc', version: '1.0.0' })
      const doctor = await runPkgs(['doctor', '--json'], job, { env: actions.env })
      const checks = json(doctor).checks as { id: string; status: string; message: string }[]
      expect(checks.find((c) => c.id === 'ci')).toMatchObject({ status: 'ok', message: expect.stringContaining('acme/widgets') })
      expect(checks.find((c) => c.id === 'ci-trust')?.message).toContain('pkgs trust github @alice/doc --repo acme/widgets --file release.yml --allow-publish')
      // no token is needed where the ID token is exchanged: not a problem to fix
      expect(checks.find((c) => c.id === 'credentials')).toMatchObject({ status: 'ok', message: expect.stringContaining('none needed to publish') })
      expect(doctor.code, doctor.stdout).toBe(0)
      expect(doctor.stdout).not.toContain(actions.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
      const noPermission = await runPkgs(['doctor', '--json'], job, { env: { GITHUB_ACTIONS: 'true', NODE_AUTH_TOKEN: 'x' } })
      const failing = json(noPermission).checks as { id: string; status: string; message: string }[]
      expect(failing.find((c) => c.id === 'ci')).toMatchObject({ status: 'error', message: expect.stringContaining('id-token: write') })
      expect(failing.find((c) => c.id === 'ci-token')).toMatchObject({ status: 'warn', message: expect.stringContaining('NODE_AUTH_TOKEN') })
    } finally {
      await actions.close()
    }
  })
})
