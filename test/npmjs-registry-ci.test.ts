// npmjs's publishing API for CI, checked as test/npmjs-registry.test.ts checks the rest: the real
// npm does each operation against the registry (npm trust, npm publish from a simulated GitHub
// Actions job or GitLab pipeline, npm stage, npm token), and the test reads both npm's output and
// the registry's state.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startActionsIdTokenService } from './support/github-actions.js'
import { seedPublish } from './support/seed.js'
import { startNpmjsRegistry, type NpmjsRegistry, type RecordedRequest } from './support/npmjs-registry.js'
import { makeSandbox, nerfDart, runNpm, type RunOptions, type RunResult, type Sandbox } from './support/sandbox.js'

let registry: NpmjsRegistry

beforeAll(async () => {
  registry = await startNpmjsRegistry({
    users: [
      { name: 'alice', password: 'pw-alice' },
      { name: 'bob', password: 'pw-bob' },
      { name: 'carol', password: 'pw-carol', tfa: true },
      { name: 'tina', password: 'pw-tina' },
      { name: 'wendy', password: 'pw-wendy', tfa: 'web' },
    ],
    paidScopes: ['@alice', '@carol', '@tina', '@wendy'],
    // small pages, so that npm token list has to follow urls.next
    pageSize: 2,
  })
})
afterAll(() => registry?.close())

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/

function as(user?: string, token = user && registry.tokens[user]): Sandbox {
  return makeSandbox(`registry=${registry.url}\n${token ? `${nerfDart(registry.url)}:_authToken=${token}\n` : ''}`)
}

function npm(sandbox: Sandbox, args: string[], opts: RunOptions & { loglevel?: string } = {}): Promise<RunResult> {
  return runNpm([...args, '--registry', registry.url, `--loglevel=${opts.loglevel ?? 'warn'}`], sandbox, opts)
}

function packageIn(sandbox: Sandbox, name: string, version = '1.0.0'): string {
  const dir = join(sandbox.cwd, `${name.replace('/', '__')}-${version}`)
  sandbox.writePackageJson({ name, version, main: 'index.js' }, dir)
  return dir
}

/** A package published in-process with npm's own libraries, where the publish is not what a test is about. */
function seed(user: string, name: string, version = '1.0.0'): Promise<void> {
  return seedPublish(registry.url, registry.tokens[user], name, version, { otp: registry.otp })
}

/** A request to the registry as npm would make it, with a token (or a user's own) as the bearer. */
function call(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'npm-otp': registry.otp }
  return fetch(`${registry.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
}

/** A GitHub Actions trusted publisher made through the API (npm trust itself is tested on its own). */
async function trustGithub(user: string, name: string, file: string, permissions = ['createPackage']): Promise<string> {
  const res = await call('POST', `-/package/${escaped(name)}/trust`, registry.tokens[user], [
    { type: 'github', claims: { repository: 'acme/widgets', workflow_ref: { file } }, permissions },
  ])
  const [config] = (await res.json()) as { id: string }[]
  return config.id
}

function escaped(name: string): string {
  return name.replace('/', '%2f')
}

function requestsTo(path: string): RecordedRequest[] {
  return registry.requests.filter((r) => r.path.split('?')[0] === path)
}

function claimsOf(bearer: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(bearer).split(' ')[1].split('.')[1], 'base64url').toString('utf8'))
}

describe.concurrent('npmjs trusted publishing, staged publishing and granular tokens, as npm sees them', { timeout: 90_000 }, () => {
  it('creates, lists and revokes trusted publishers as npm trust does; only maintainers may', async ({ expect }) => {
    const alice = as('alice')
    await seed('alice', '@alice/widgets')
    const created = await npm(alice, ['trust', 'github', '@alice/widgets', '--repo', 'acme/widgets', '--file', 'release.yml', '--allow-publish', '--yes'])
    expect(created.code, created.stderr).toBe(0)
    const [config] = registry.state.packages.get('@alice/widgets')!.trust
    expect(config).toEqual({
      id: expect.stringMatching(uuid),
      type: 'github',
      claims: { repository: 'acme/widgets', workflow_ref: { file: 'release.yml' } },
      permissions: ['createPackage'],
    })
    expect(requestsTo('/-/package/@alice%2fwidgets/trust')[0].body).toEqual([{ type: 'github', claims: config.claims, permissions: ['createPackage'] }])
    expect(created.stdout).toContain('Trust configuration created successfully for @alice/widgets')
    expect(created.stdout).toContain(`id: ${config.id}`)

    const [gitlab, bobList, bobCreate] = await Promise.all([
      npm(alice, [
        'trust',
        'gitlab',
        '@alice/widgets',
        '--project',
        'acme/tools/widgets',
        '--file',
        '.gitlab-ci.yml',
        '--env',
        'production',
        '--allow-stage-publish',
        '--yes',
      ]),
      call('GET', '-/package/@alice%2fwidgets/trust', registry.tokens.bob),
      npm(as('bob'), ['trust', 'github', '@alice/widgets', '--repo', 'bob/fork', '--file', 'release.yml', '--allow-publish', '--yes']),
    ])
    expect(gitlab.code, gitlab.stderr).toBe(0)
    const gitlabConfig = registry.state.packages.get('@alice/widgets')!.trust[1]
    expect(gitlabConfig).toMatchObject({
      type: 'gitlab',
      claims: { project_path: 'acme/tools/widgets', ci_config_ref_uri: { file: '.gitlab-ci.yml' }, environment: 'production' },
      permissions: ['createStagedPackage'],
    })
    // the restricted package does not exist for bob
    expect([bobList.status, bobCreate.stderr]).toEqual([404, expect.stringContaining('E404')])
    expect(registry.state.packages.get('@alice/widgets')!.trust).toHaveLength(2)

    const [list, json] = await Promise.all([npm(alice, ['trust', 'list', '@alice/widgets']), npm(alice, ['trust', 'list', '@alice/widgets', '--json'])])
    expect(list.stdout).toContain(`type: github\nid: ${config.id}\nfile: release.yml\nrepository: acme/widgets\npermissions: publish`)
    expect(list.stdout).toContain(
      `type: gitlab\nid: ${gitlabConfig.id}\nfile: .gitlab-ci.yml\nproject: acme/tools/widgets\nenvironment: production\npermissions: stage publish`,
    )
    // --json prints one object per configuration, a blank line between them (not an array)
    expect(JSON.parse(`[${json.stdout.trim().replace(/\}\s+\{/g, '},{')}]`)).toEqual([
      { id: config.id, type: 'github', file: 'release.yml', repository: 'acme/widgets', permissions: ['createPackage'] },
      {
        id: gitlabConfig.id,
        type: 'gitlab',
        file: '.gitlab-ci.yml',
        project: 'acme/tools/widgets',
        environment: 'production',
        permissions: ['createStagedPackage'],
      },
    ])

    const revoked = await npm(alice, ['trust', 'revoke', '@alice/widgets', '--id', config.id])
    expect(revoked.code, revoked.stderr).toBe(0)
    // npm's output redaction takes the UUID for a secret
    expect(revoked.stdout).toContain('Revoked trusted configuration for package @alice/widgets with id ***')
    expect(registry.state.packages.get('@alice/widgets')!.trust.map((t) => t.type)).toEqual(['gitlab'])
    const again = await npm(alice, ['trust', 'revoke', '@alice/widgets', '--id', config.id])
    expect(again.stderr).toContain('E404')
  })

  it('asks for a one-time password to change trusted publishers (EOTP, --otp, web 2FA)', async ({ expect }) => {
    await Promise.all([seed('carol', '@carol/app'), seed('wendy', '@wendy/app')])
    const args = (name: string) => ['trust', 'github', name, '--repo', 'acme/app', '--file', 'release.yml', '--allow-publish', '--yes']
    const [without, web] = await Promise.all([npm(as('carol'), args('@carol/app')), npm(as('wendy'), args('@wendy/app'))])
    expect(without.stderr).toContain('EOTP')
    expect(web.stderr).toContain('EOTP')
    expect(web.stderr).toContain('/-/v1/auth/done/')
    expect(registry.state.packages.get('@carol/app')!.trust).toEqual([])
    expect(registry.state.packages.get('@wendy/app')!.trust).toEqual([])
    // npm trust's subcommands do not declare --otp, so only --otp=<code> reaches the config
    const withOtp = await npm(as('carol'), [...args('@carol/app'), `--otp=${registry.otp}`])
    expect(withOtp.code, withOtp.stderr).toBe(0)
    expect(registry.state.packages.get('@carol/app')!.trust).toHaveLength(1)
    expect(requestsTo('/-/package/@carol%2fapp/trust').map((r) => [r.headers['npm-otp'], r.status])).toEqual([
      [undefined, 401],
      [registry.otp, 201],
    ])
  })

  it('publishes from a GitHub Actions job: npm exchanges the ID token, publishes with the short-lived token, saves nothing', async ({ expect }) => {
    await seed('alice', '@alice/ci')
    const configId = await trustGithub('alice', '@alice/ci', 'release.yml')
    // a public repository makes npm ask the package's visibility for provenance; a private package has none
    const actions = await startActionsIdTokenService((audience) =>
      registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', visibility: 'public', audience }),
    )
    try {
      const job = as()
      const res = await npm(job, ['publish'], { cwd: packageIn(job, '@alice/ci', '1.1.0'), env: actions.env })
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain('+ @alice/ci@1.1.0')
      expect(actions.requests).toEqual([{ audience: 'npm:127.0.0.1', authorized: true }])

      const [exchange] = requestsTo('/-/npm/v1/oidc/token/exchange/package/@alice%2fci')
      expect(exchange.status).toBe(201)
      expect(claimsOf(exchange.headers.authorization)).toMatchObject({
        iss: 'https://token.actions.githubusercontent.com',
        aud: 'npm:127.0.0.1',
        repository: 'acme/widgets',
      })
      const put = requestsTo('/@alice%2fci')
        .filter((r) => r.method === 'PUT')
        .at(-1)!
      const token = String(put.headers.authorization).split(' ')[1]
      const issued = registry.state.trustTokens.get(token)
      expect(issued).toMatchObject({ package: '@alice/ci', configId })
      expect(issued!.expiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000)
      const [visibility] = requestsTo('/-/package/@alice%2fci/visibility')
      expect([visibility.status, visibility.headers.authorization]).toEqual([200, `Bearer ${token}`])
      expect(registry.state.packages.get('@alice/ci')!.doc.versions['1.1.0']._npmUser).toEqual({
        name: 'GitHub Actions',
        email: 'npm-oidc-no-reply@github.com',
        trustedPublisher: { id: 'github', oidcConfigId: `oidc:${configId}` },
      })
      expect(job.readNpmrc()).not.toContain('_authToken')

      // the token publishes that package only, and not for long
      await seed('alice', '@alice/other')
      const [whoami, other, tag] = await Promise.all([
        call('GET', '-/whoami', token),
        call('PUT', '@alice%2fother', token, { versions: {} }),
        call('PUT', '-/package/@alice%2fci/dist-tags/next', token, '1.1.0'),
      ])
      expect([whoami.status, other.status, tag.status]).toEqual([403, 403, 403])
      issued!.expiresAt = Date.now() - 1
      expect((await call('GET', '@alice%2fci', token)).status).toBe(401)
    } finally {
      await actions.close()
    }
  })

  it('refuses the exchange when no trusted publisher matches; npm then says only ENEEDAUTH (the reason is verbose)', async ({ expect }) => {
    await Promise.all([seed('alice', '@alice/guarded'), seed('alice', '@alice/untrusted')])
    await trustGithub('alice', '@alice/guarded', 'release.yml')
    const actions = await startActionsIdTokenService((audience) =>
      registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'nightly.yml', audience }),
    )
    try {
      const job = as()
      const run = (name: string, loglevel?: string) => npm(job, ['publish'], { cwd: packageIn(job, name, '1.1.0'), env: actions.env, loglevel })
      const [mismatch, verbose] = await Promise.all([run('@alice/guarded'), run('@alice/guarded', 'verbose')])
      expect(mismatch.code).not.toBe(0)
      expect(mismatch.stderr).toContain('ENEEDAUTH')
      expect(mismatch.stderr).not.toContain('OIDC')
      expect(verbose.stderr).toContain(
        'Failed token exchange request with body message: OIDC token exchange error - no trusted publisher of the package matches the token',
      )
      expect(requestsTo('/-/npm/v1/oidc/token/exchange/package/@alice%2fguarded').map((r) => r.status)).toEqual([403, 403])
      expect(registry.state.packages.get('@alice/guarded')!.doc.versions['1.1.0']).toBeUndefined()

      // a package without trusted publishers, or none at all: "package not found"
      const idToken = registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml' })
      const notFound = await Promise.all(
        ['@alice%2funtrusted', '@alice%2fnothing-here'].map((name) => call('POST', `-/npm/v1/oidc/token/exchange/package/${name}`, idToken)),
      )
      expect(await Promise.all(notFound.map(async (a) => [a.status, await a.json()]))).toEqual(
        Array(2).fill([404, { message: 'OIDC token exchange error - package not found' }]),
      )
      expect([...registry.state.trustTokens.values()].some((t) => t.package === '@alice/guarded')).toBe(false)

      // a token for another registry, or expired, is unauthorized whatever the claims
      const forged = [
        registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', audience: 'npm:registry.npmjs.org' }),
        registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', claims: { exp: 1 } }),
        registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', claims: { iss: 'https://example.com' } }),
      ]
      const answers = await Promise.all(forged.map((t) => call('POST', '-/npm/v1/oidc/token/exchange/package/@alice%2fguarded', t)))
      expect(await Promise.all(answers.map(async (a) => [a.status, await a.json()]))).toEqual(
        Array(3).fill([401, { message: 'OIDC token exchange error - unauthorized' }]),
      )
    } finally {
      await actions.close()
    }
  })

  it('publishes from GitLab CI with NPM_ID_TOKEN, matching the project, pipeline file and environment', async ({ expect }) => {
    await seed('tina', '@tina/lab')
    await call('POST', '-/package/@tina%2flab/trust', registry.tokens.tina, [
      {
        type: 'gitlab',
        claims: { project_path: 'acme/lab', ci_config_ref_uri: { file: '.gitlab-ci.yml' }, environment: 'release' },
        permissions: ['createPackage'],
      },
    ])
    const job = as()
    const idToken = (environment: string) => registry.idToken({ provider: 'gitlab', project: 'acme/lab', file: '.gitlab-ci.yml', environment })
    const [wrongEnvironment, res] = await Promise.all([
      npm(job, ['publish'], { cwd: packageIn(job, '@tina/lab', '2.0.0'), env: { GITLAB_CI: 'true', NPM_ID_TOKEN: idToken('staging') } }),
      npm(job, ['publish'], { cwd: packageIn(job, '@tina/lab', '1.1.0'), env: { GITLAB_CI: 'true', NPM_ID_TOKEN: idToken('release') } }),
    ])
    expect(wrongEnvironment.stderr).toContain('ENEEDAUTH')
    expect(res.code, res.stderr).toBe(0)
    expect(Object.keys(registry.state.packages.get('@tina/lab')!.doc.versions)).toEqual(['1.0.0', '1.1.0'])
    expect(registry.state.packages.get('@tina/lab')!.doc.versions['1.1.0']._npmUser).toMatchObject({ name: 'GitLab CI/CD', trustedPublisher: { id: 'gitlab' } })
  })

  it('trusts a CircleCI pipeline as npm trust circleci describes it, contexts included', async ({ expect }) => {
    await seed('tina', '@tina/circle')
    const [org, project, pipeline, context] = Array.from({ length: 4 }, () => randomUUID())
    const created = await npm(as('tina'), [
      'trust',
      'circleci',
      '@tina/circle',
      '--org-id',
      org,
      '--project-id',
      project,
      '--pipeline-definition-id',
      pipeline,
      '--vcs-origin',
      'github.com/acme/circle',
      '--context-id',
      context,
      '--allow-publish',
      '--yes',
    ])
    expect(created.code, created.stderr).toBe(0)
    expect(registry.state.packages.get('@tina/circle')!.trust[0].claims).toEqual({
      'oidc.circleci.com/org-id': org,
      'oidc.circleci.com/project-id': project,
      'oidc.circleci.com/pipeline-definition-id': pipeline,
      'oidc.circleci.com/vcs-origin': 'github.com/acme/circle',
      'oidc.circleci.com/context-ids': [context],
    })
    const idToken = (contextIds: string[]) =>
      registry.idToken({
        provider: 'circleci',
        orgId: org,
        projectId: project,
        pipelineDefinitionId: pipeline,
        vcsOrigin: 'github.com/acme/circle',
        contextIds,
      })
    const exchange = (token: string) => call('POST', '-/npm/v1/oidc/token/exchange/package/@tina%2fcircle', token)
    const [inContext, outside] = await Promise.all([exchange(idToken([context, randomUUID()])), exchange(idToken([]))])
    const { token } = (await inContext.json()) as { token: string }
    expect([inContext.status, registry.state.trustTokens.get(token)?.package, outside.status]).toEqual([201, '@tina/circle', 403])
  })

  it('stages with npm stage publish (no OTP), lists, views and downloads it; approval needs the OTP and makes it installable', async ({ expect }) => {
    const carol = as('carol')
    await seed('carol', '@carol/staged')
    const staged = await npm(carol, ['stage', 'publish'], { cwd: packageIn(carol, '@carol/staged', '1.1.0') })
    expect(staged.code, staged.stderr).toBe(0)
    const [item] = [...registry.state.staged.values()].filter((s) => s.packageName === '@carol/staged')
    expect(staged.stdout).toContain(`+ @carol/staged@1.1.0 (staged with id ${item.id})`)
    expect(item).toMatchObject({ id: expect.stringMatching(uuid), version: '1.1.0', tag: 'latest', actor: 'carol', actorType: 'user' })
    const [post] = requestsTo('/-/stage/package/@carol%2fstaged')
    expect([post.method, post.headers['npm-otp'], post.status]).toEqual(['POST', undefined, 201])
    expect(registry.state.packages.get('@carol/staged')!.doc.versions['1.1.0']).toBeUndefined()

    const download = as('carol')
    const [list, json, view, fetched, bob] = await Promise.all([
      npm(carol, ['stage', 'list']),
      npm(carol, ['stage', 'list', '@carol/staged', '--json']),
      npm(carol, ['stage', 'view', item.id]),
      npm(download, ['stage', 'download', item.id]),
      call('GET', `-/stage/${item.id}`, registry.tokens.bob),
    ])
    expect(list.stdout).toContain(`id: ${item.id}\npackage name: @carol/staged\nversion: 1.1.0\ntag: latest`)
    expect(JSON.parse(json.stdout)).toEqual([
      {
        id: item.id,
        packageName: '@carol/staged',
        version: '1.1.0',
        tag: 'latest',
        createdAt: item.createdAt,
        actor: 'carol',
        actorType: 'user',
        shasum: item.shasum,
      },
    ])
    expect(requestsTo('/-/stage').map((r) => r.path)).toContain('/-/stage?page=0&perPage=100&package=%40carol%2Fstaged')
    expect(view.stdout).toContain('staged by: carol (user)')
    const file = `carol-staged-1.1.0-${item.id}.tgz`
    expect(fetched.stdout).toContain(file)
    const attachment = Object.values(item.body._attachments as Record<string, { data: string }>)[0]
    expect(readFileSync(join(download.cwd, file)).equals(Buffer.from(attachment.data, 'base64'))).toBe(true)
    expect(bob.status).toBe(404)

    const [without, bobApproves] = await Promise.all([
      npm(carol, ['stage', 'approve', item.id]),
      call('POST', `-/stage/${item.id}/approve`, registry.tokens.bob),
    ])
    expect(without.stderr).toContain('EOTP')
    // bob has no 2FA: no proof of presence to give
    expect([bobApproves.status, await bobApproves.json()]).toEqual([
      403,
      { error: 'This operation requires two-factor authentication to be enabled on your account.' },
    ])
    expect(registry.state.staged.has(item.id)).toBe(true)
    const approved = await npm(carol, ['stage', 'approve', item.id, '--otp', registry.otp])
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.stdout).toContain(`Staged package ${item.id} approved and published successfully.`)
    expect(registry.state.staged.has(item.id)).toBe(false)
    expect(registry.state.packages.get('@carol/staged')!.doc['dist-tags'].latest).toBe('1.1.0')
    carol.writePackageJson({ name: 'consumer', version: '1.0.0' })
    const install = await npm(carol, ['install', '@carol/staged@1.1.0', '--no-package-lock'])
    expect(install.code, install.stderr).toBe(0)
    expect(JSON.parse(readFileSync(join(carol.cwd, 'node_modules/@carol/staged/package.json'), 'utf8')).version).toBe('1.1.0')
  })

  it('rejects a staged version with npm stage reject; a staged version cannot be staged or published again', async ({ expect }) => {
    const carol = as('carol')
    await seed('carol', '@carol/maybe')
    const dir = packageIn(carol, '@carol/maybe', '1.2.0')
    expect((await npm(carol, ['stage', 'publish'], { cwd: dir })).code).toBe(0)
    const [again, publishOver] = await Promise.all([
      npm(carol, ['stage', 'publish'], { cwd: dir }),
      npm(carol, ['publish', '--otp', registry.otp], { cwd: dir }),
    ])
    for (const res of [again, publishOver]) expect(res.stderr).toContain('You cannot publish over the previously published versions: 1.2.0.')
    const [item] = [...registry.state.staged.values()].filter((s) => s.packageName === '@carol/maybe')
    const rejected = await npm(carol, ['stage', 'reject', item.id, '--otp', registry.otp])
    expect(rejected.code, rejected.stderr).toBe(0)
    expect(rejected.stdout).toContain(`Staged package ${item.id} has been rejected.`)
    expect([...registry.state.staged.values()].filter((s) => s.packageName === '@carol/maybe')).toEqual([])
    expect(registry.state.packages.get('@carol/maybe')!.doc.versions['1.2.0']).toBeUndefined()
    expect((await npm(carol, ['stage', 'list', '@carol/maybe'])).stdout).toContain('No staged versions of package name "@carol/maybe".')
  })

  it('stages from GitHub Actions when the trusted publisher allows only stage publish; npm publish is refused', async ({ expect }) => {
    await seed('alice', '@alice/cautious')
    await trustGithub('alice', '@alice/cautious', 'release.yml', ['createStagedPackage'])
    const actions = await startActionsIdTokenService((audience) =>
      registry.idToken({ provider: 'github', repository: 'acme/widgets', workflow: 'release.yml', audience }),
    )
    try {
      const job = as()
      const dir = packageIn(job, '@alice/cautious', '1.1.0')
      const [published, staged] = await Promise.all([
        npm(job, ['publish'], { cwd: dir, env: actions.env }),
        npm(job, ['stage', 'publish'], { cwd: dir, env: actions.env }),
      ])
      expect(published.stderr).toContain('ENEEDAUTH')
      expect(staged.code, staged.stderr).toBe(0)
      const exchanges = requestsTo('/-/npm/v1/oidc/token/exchange/package/@alice%2fcautious')
      expect(exchanges.map((r) => [r.headers['npm-command'], r.status]).sort()).toEqual([
        ['publish', 403],
        ['stage', 201],
      ])
      const [item] = [...registry.state.staged.values()].filter((s) => s.packageName === '@alice/cautious')
      expect(item).toMatchObject({ version: '1.1.0', actor: 'GitHub Actions', actorType: 'trusted-publisher' })
      // the short-lived token cannot run npm stage's other commands
      const token = String(requestsTo('/-/stage/package/@alice%2fcautious')[0].headers.authorization).split(' ')[1]
      expect((await call('POST', `-/stage/${item.id}/approve`, token)).status).toBe(403)
      expect((await call('GET', `-/stage/${item.id}`, token)).status).toBe(403)
    } finally {
      await actions.close()
    }
  })

  it('creates granular tokens with npm token create: they read what they cover, and write only with read-write', async ({ expect }) => {
    await Promise.all([seed('tina', '@tina/private'), seed('tina', '@tina/elsewhere')])
    const tina = as('tina')
    const created = await npm(
      tina,
      [
        'token',
        'create',
        '--name',
        'ci-read',
        '--token-description',
        'reads @tina/private',
        '--packages',
        '@tina/private',
        '--packages-and-scopes-permission',
        'read-only',
        '--expires',
        '7',
        '--cidr',
        '127.0.0.1/32',
      ],
      { input: 'pw-tina\n' },
    )
    expect(created.code, created.stderr).toBe(0)
    const token = /Created token (\S+)/.exec(created.stdout)?.[1] ?? ''
    expect(created.stdout).toContain('with IP whitelist: 127.0.0.1/32')
    const grant = registry.state.grants.get(token)!
    expect(created.stdout).toContain(`expires: ${grant.expires}`)
    expect(Date.parse(grant.expires) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000)
    expect(grant).toMatchObject({
      name: 'ci-read',
      description: 'reads @tina/private',
      packages: ['@tina/private'],
      packages_and_scopes_permission: 'read-only',
      cidr_whitelist: ['127.0.0.1/32'],
    })
    expect(requestsTo('/-/npm/v1/tokens').find((r) => r.method === 'POST')?.body).toEqual({
      name: 'ci-read',
      password: 'pw-tina',
      description: 'reads @tina/private',
      packages: ['@tina/private'],
      packages_and_scopes_permission: 'read-only',
      expires: 7,
      cidr_whitelist: ['127.0.0.1/32'],
    })

    const reader = as('tina', token)
    const [reads, other, publishes, wrongPassword] = await Promise.all([
      npm(reader, ['view', '@tina/private', 'version']),
      npm(reader, ['view', '@tina/elsewhere', 'version']),
      npm(reader, ['publish'], { cwd: packageIn(reader, '@tina/private', '1.1.0') }),
      npm(tina, ['token', 'create', '--name', 'nope', '--password', 'wrong']),
    ])
    expect(reads.stdout.trim()).toBe('1.0.0')
    expect(other.stderr).toContain('E404')
    expect(publishes.stderr).toContain('E403')
    expect(wrongPassword.stderr).toContain('E401')

    const writerRes = await npm(tina, [
      'token',
      'create',
      '--name',
      'ci-write',
      '--password',
      'pw-tina',
      '--scopes',
      'tina',
      '--packages-and-scopes-permission',
      'read-write',
      '--json',
    ])
    const writer = JSON.parse(writerRes.stdout) as { token: string; readonly: boolean; scopes: string[] }
    expect([writer.readonly, writer.scopes]).toEqual([false, ['@tina']])
    const write = as('tina', writer.token)
    expect((await npm(write, ['publish'], { cwd: packageIn(write, '@tina/private', '1.1.0') })).code).toBe(0)
    expect(registry.state.packages.get('@tina/private')!.doc.versions['1.1.0']._npmUser).toEqual({ name: 'tina', email: 'tina@example.com' })
  })

  it('asks for the OTP to create a token; a token made with --bypass-2fa publishes without one', async ({ expect }) => {
    const carol = as('carol')
    await seed('carol', '@carol/auto')
    const args = ['token', 'create', '--name', 'release', '--password', 'pw-carol', '--packages-all', '--packages-and-scopes-permission', 'read-write']
    const [without, bypass, plain] = await Promise.all([
      npm(carol, args),
      npm(carol, [...args, '--bypass-2fa', '--otp', registry.otp, '--json']),
      npm(carol, [...args, '--otp', registry.otp, '--json']),
    ])
    expect(without.stderr).toContain('EOTP')
    const bypassToken = (JSON.parse(bypass.stdout) as { token: string }).token
    const plainToken = (JSON.parse(plain.stdout) as { token: string }).token
    expect(registry.state.grants.get(bypassToken)?.bypass_2fa).toBe(true)
    const viaBypass = as('carol', bypassToken)
    const viaPlain = as('carol', plainToken)
    const [automated, prompted] = await Promise.all([
      npm(viaBypass, ['publish'], { cwd: packageIn(viaBypass, '@carol/auto', '1.1.0') }),
      npm(viaPlain, ['publish'], { cwd: packageIn(viaPlain, '@carol/auto', '1.2.0') }),
    ])
    expect(automated.code, automated.stderr).toBe(0)
    expect(prompted.stderr).toContain('EOTP')
    expect(Object.keys(registry.state.packages.get('@carol/auto')!.doc.versions)).toEqual(['1.0.0', '1.1.0'])
  })

  it('lists tokens page by page as npm token list does, and revokes them; CIDR and expiry are enforced', async ({ expect }) => {
    const bob = as('bob')
    const viaApi = async (body: object) =>
      ((await (await call('POST', '-/npm/v1/tokens', registry.tokens.bob, { password: 'pw-bob', ...body })).json()) as { token: string }).token
    // npm token create, --cidr too, has a test of its own: here the tokens only have to exist
    const [far, orgs, three] = await Promise.all([
      viaApi({ name: 'one', cidr_whitelist: ['10.0.0.0/8'] }),
      viaApi({ name: 'two', orgs: ['acme'], orgs_permission: 'read-only' }),
      viaApi({ name: 'three' }),
    ])

    const [list, json, fromFar] = await Promise.all([npm(bob, ['token', 'list']), npm(bob, ['token', 'list', '--json']), call('GET', '-/whoami', far)])
    for (const name of ['one', 'two', 'three']) expect(list.stdout).toContain(`name ${name} created`)
    expect(list.stdout).toContain('with IP whitelist: 10.0.0.0/8')
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[]
    expect(listed).toHaveLength(4) // bob's own token too
    expect(listed.find((t) => t.name === 'two')).toMatchObject({
      orgs: ['acme'],
      orgs_permission: 'read-only',
      packages_and_scopes_permission: 'no-access',
      readonly: true,
      expires: registry.state.grants.get(orgs)!.expires,
    })
    expect(
      requestsTo('/-/npm/v1/tokens')
        .filter((r) => r.method === 'GET')
        .map((r) => r.path),
    ).toEqual(expect.arrayContaining(['/-/npm/v1/tokens', '/-/npm/v1/tokens?page=1&perPage=2']))
    expect([fromFar.status, await fromFar.json()]).toEqual([403, { error: 'This token cannot be used from your IP address.' }])

    const id = String(listed.find((t) => t.name === 'three')!.key).slice(0, 12)
    const revoked = await npm(bob, ['token', 'revoke', id])
    expect(revoked.stdout).toContain('Removed 1 token')
    expect(registry.state.tokens.has(three)).toBe(false)
    expect((await call('GET', '-/whoami', three)).status).toBe(401)

    expect((await call('GET', '-/whoami', orgs)).status).toBe(200)
    registry.state.grants.get(orgs)!.expires = new Date(Date.now() - 1000).toISOString()
    expect((await call('GET', '-/whoami', orgs)).status).toBe(401)
  })
})
