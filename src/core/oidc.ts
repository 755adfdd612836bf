// Trusted publishing from CI, as npm 11's lib/utils/oidc.js does it: get the job's ID token
// (NPM_ID_TOKEN, or GitHub's ID-token service with audience npm:<registry host>), exchange it
// (POST /-/npm/v1/oidc/token/exchange/package/<pkg>, the ID token as bearer) for a short-lived
// publish token. Unlike npm, a failure is never silent: it is returned as its cause in words.
import type { RegistryClient } from './client.js'
import type { Config } from './config.js'
import { Exit, PkgsError, RegistryError } from './errors.js'
import { registryMessage } from './explain.js'
import { redactInLog, retryPolicy } from './registry.js'
import { escapedName } from '../package/names.js'

export type CiProvider = 'github' | 'gitlab' | 'circleci'

export const ciNames: Record<CiProvider, string> = { github: 'GitHub Actions', gitlab: 'GitLab CI/CD', circleci: 'CircleCI' }

/**
 * The CI the job runs in, by the variables ci-info reads for npm (GITHUB_ACTIONS, GITLAB_CI,
 * CIRCLECI). Three lines of our own: ci-info reads process.env once when loaded, where pkgs
 * takes the environment it was given.
 */
export function ciProvider(env: NodeJS.ProcessEnv): CiProvider | undefined {
  if (env.GITHUB_ACTIONS) return 'github'
  if (env.GITLAB_CI) return 'gitlab'
  if (env.CIRCLECI) return 'circleci'
  return undefined
}

/** The claims of an ID token (a JWT's payload), read without checking its signature: the registry does that. */
export function idTokenClaims(idToken: string): Record<string, unknown> {
  try {
    const payload = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function oidcError(message: string, hint: string, cause?: unknown): PkgsError {
  return new PkgsError('EOIDC', message, { hint, exitCode: Exit.auth, cause })
}

/** The job's ID token for this registry, or why there is none. */
export async function getIdToken(env: NodeJS.ProcessEnv, provider: CiProvider, registry: string, config: Config): Promise<string> {
  if (env.NPM_ID_TOKEN) return env.NPM_ID_TOKEN
  const audience = audienceFor(registry)
  if (provider === 'gitlab') {
    throw oidcError(
      `The GitLab CI/CD job has no ID token for ${registry}: NPM_ID_TOKEN is not set.`,
      `Give the job one: id_tokens: { NPM_ID_TOKEN: { aud: "${audience}" } }`,
    )
  }
  if (provider === 'circleci') {
    throw oidcError(
      `The CircleCI job has no ID token for ${registry}: NPM_ID_TOKEN is not set.`,
      `Set it in the job: export NPM_ID_TOKEN=$(circleci run oidc get --claims '{"aud": "${audience}"}')`,
    )
  }
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!url || !requestToken) {
    throw oidcError(
      'The GitHub Actions job cannot get an ID token: the workflow lacks `permissions: id-token: write`.',
      'Add to the publishing job (or the workflow): permissions: { id-token: write, contents: read }',
    )
  }
  redactInLog(requestToken)
  const request = new URL(url)
  request.searchParams.append('audience', audience)
  const { default: fetch } = await import('make-fetch-happen')
  let status: number
  try {
    // npm passes its retry settings; pkgs's quicker default where none are set, as for the registry
    const res = await fetch(request.href, { retry: retryPolicy(config), headers: { Accept: 'application/json', Authorization: `Bearer ${requestToken}` } })
    status = res.status
    const body = (await res.json().catch(() => ({}))) as { value?: unknown }
    if (res.ok && typeof body.value === 'string' && body.value) {
      redactInLog(body.value)
      return body.value
    }
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'no answer'
    throw oidcError(
      `GitHub's ID-token service (${request.host}) could not be reached (${code}).`,
      "It is GitHub's own service, named by ACTIONS_ID_TOKEN_REQUEST_URL: re-run the job; GitHub's status page tells of outages.",
    )
  }
  throw oidcError(
    `GitHub's ID-token service gave no ID token (${status}).`,
    "Check the job's `permissions: id-token: write`, then re-run it; GitHub's status page tells of outages.",
  )
}

/** The `pkgs trust …` command that would let this job publish (or stage), from its ID token's claims. */
export function trustCommand(provider: CiProvider, name: string, claims: Record<string, unknown>, command: 'publish' | 'stage' = 'publish'): string {
  const file = (ref: unknown) => (typeof ref === 'string' ? (ref.split('@')[0].split('/').pop() ?? '') : '')
  const allow = command === 'stage' ? '--allow-stage-publish' : '--allow-publish'
  if (provider === 'github') {
    const env = typeof claims.environment === 'string' ? ` --env ${claims.environment}` : ''
    return `pkgs trust github ${name} --repo ${String(claims.repository ?? '<owner/repo>')} --file ${file(claims.workflow_ref) || '<workflow.yml>'}${env} ${allow}`
  }
  if (provider === 'gitlab') {
    const env = typeof claims.environment === 'string' ? ` --env ${claims.environment}` : ''
    return `pkgs trust gitlab ${name} --project ${String(claims.project_path ?? '<group/project>')} --file ${file(claims.ci_config_ref_uri) || '.gitlab-ci.yml'}${env} ${allow}`
  }
  const c = (key: string) => String(claims[`oidc.circleci.com/${key}`] ?? `<${key}>`)
  return `pkgs trust circleci ${name} --org-id ${c('org-id')} --project-id ${c('project-id')} --pipeline-definition-id ${c('pipeline-definition-id')} --vcs-origin ${c('vcs-origin')} ${allow}`
}

/** The audience npm asks for, and a registry checks: `npm:<registry host name>`. */
function audienceFor(registry: string): string {
  return `npm:${new URL(registry).hostname}`
}

/**
 * What the ID token itself shows is wrong with it, when the registry refuses it: expired, or
 * made for another audience. Its claims are readable (a JWT's payload), so the cause is named
 * instead of guessed.
 */
export function idTokenProblem(
  claims: Record<string, unknown>,
  provider: CiProvider,
  registry: string,
  now = Date.now(),
): { reason: string; hint: string } | undefined {
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) {
    return {
      reason: `the ID token expired at ${new Date(claims.exp * 1000).toISOString()}`,
      hint: 'ID tokens last minutes: make it in the job that publishes, just before `pkgs publish` (a re-run of the job makes a new one).',
    }
  }
  const audience = audienceFor(registry)
  const given = [claims.aud].flat().filter((a): a is string => typeof a === 'string')
  if (claims.aud !== undefined && !given.includes(audience)) {
    const hint =
      provider === 'gitlab'
        ? `Give it that audience in .gitlab-ci.yml: id_tokens: { NPM_ID_TOKEN: { aud: "${audience}" } }`
        : provider === 'circleci'
          ? `Make it with that audience: export NPM_ID_TOKEN=$(circleci run oidc get --claims '{"aud": "${audience}"}')`
          : `Unset NPM_ID_TOKEN to let pkgs ask GitHub for one with that audience, or make it with audience ${audience}.`
    return { reason: `the ID token is for ${given.join(', ') || 'no audience'}, not ${audience} (the audience ${registry} accepts)`, hint }
  }
  return undefined
}

/** POST /-/npm/v1/oidc/token/exchange/package/<pkg> with the ID token as bearer, as npm sends it (at the registry host's root). */
async function exchange(client: RegistryClient, name: string, idToken: string, command: 'publish' | 'stage'): Promise<string> {
  const { target } = client
  const { default: fetch } = await import('npm-registry-fetch')
  const registry = new URL(target.registry.url)
  const authKey = `//${registry.host}${registry.pathname}:_authToken`
  const url = new URL(`/-/npm/v1/oidc/token/exchange/package/${escapedName(name)}`, registry).href
  const body = await client.call(
    (opts) => fetch.json(url, { ...opts, [authKey]: idToken, method: 'POST', npmCommand: command }) as Promise<{ token?: unknown }>,
    { packageName: name },
  )
  if (typeof body?.token !== 'string' || !body.token) {
    throw oidcError(
      `${target.registry.url} accepted the ID token but sent no publish token.`,
      'Try again; if it persists, publish with a token (NPM_TOKEN) and report it to the registry.',
    )
  }
  redactInLog(body.token)
  return body.token
}

export interface TrustedPublishing {
  provider: CiProvider
  token: string
  claims: Record<string, unknown>
}

/**
 * A publish token for this package from the CI job's ID token, or the cause of failure as a
 * PkgsError (exit 3): no ID token, or the registry refused it (its words, and the trust command
 * that would let this job publish). `packageExists` (a read without credentials) tells a 404 for
 * a package that is there from one for a package not published yet.
 */
export async function trustedPublishing(
  client: RegistryClient,
  name: string,
  env: NodeJS.ProcessEnv,
  provider: CiProvider,
  command: 'publish' | 'stage',
  packageExists: () => Promise<boolean>,
): Promise<TrustedPublishing> {
  const { config, target } = client
  const idToken = await getIdToken(env, provider, target.registry.url, config)
  redactInLog(idToken)
  const claims = idTokenClaims(idToken)
  try {
    return { provider, token: await exchange(client, name, idToken, command), claims }
  } catch (err) {
    if (!(err instanceof RegistryError) || err.status === undefined) throw err
    const said = registryMessage(err.body)
    const trust = trustCommand(provider, name, claims, command)
    const quoted = said ? ` (${err.status}: ${said})` : ` (${err.status})`
    const problem = idTokenProblem(claims, provider, target.registry.url)
    if (problem) throw oidcError(`${target.registry.url} refused the ID token${quoted}: ${problem.reason}.`, problem.hint, err)
    if (err.status === 404) {
      if (await packageExists()) {
        throw oidcError(
          `${target.registry.url} refused the ID token${quoted}: no trusted publisher of ${name} matches this job (${describeJob(provider, claims)}).`,
          `Trust this job, logged in: ${trust}`,
          err,
        )
      }
      throw oidcError(
        `${target.registry.url} refused the ID token${quoted}: ${name} does not exist there yet (its first version must be published with a token), or no trusted publisher of it matches this job (${describeJob(provider, claims)}).`,
        `A new package: publish its first version with a token (NPM_TOKEN), then trust this job. Either way, logged in: ${trust}`,
        err,
      )
    }
    throw oidcError(
      `${target.registry.url} refused the ID token${quoted} for ${describeJob(provider, claims)}.`,
      `Check what is trusted (pkgs trust ls ${name}); to trust this job: ${trust}`,
      err,
    )
  }
}

/** The job as its claims name it: "acme/widgets, workflow release.yml". */
function describeJob(provider: CiProvider, claims: Record<string, unknown>): string {
  if (provider === 'github') return `${String(claims.repository ?? 'an unknown repository')}, workflow ${String(claims.workflow_ref ?? 'unknown')}`
  if (provider === 'gitlab') return `${String(claims.project_path ?? 'an unknown project')}, pipeline ${String(claims.ci_config_ref_uri ?? 'unknown')}`
  return `${String(claims['oidc.circleci.com/vcs-origin'] ?? 'an unknown repository')}`
}

/** npm turns provenance on for trusted publishing from a public repository of a public package (not on CircleCI). */
export function provenanceByDefault(t: TrustedPublishing, env: NodeJS.ProcessEnv, packagePublic: boolean): boolean {
  if (!packagePublic) return false
  if (t.provider === 'github') return t.claims.repository_visibility === 'public'
  if (t.provider === 'gitlab') return t.claims.project_visibility === 'public' && Boolean(env.SIGSTORE_ID_TOKEN)
  return false
}
