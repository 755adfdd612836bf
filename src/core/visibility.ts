// Public or private, and the two-factor policy, with npm's libnpmaccess: one small function per
// endpoint, plus the names of a scope's packages.
import type { Config } from './config.js'
import { PkgsError } from './errors.js'
import type { OtpSession } from './otp.js'
import { isStatus, registryCall, registryOptions, requestJson, requireWorkflow, unsupportedBy, type Target } from './registry.js'
import { getPackagesOf } from './permissions.js'
import { escapedName } from '../package/names.js'

export type Visibility = 'public' | 'private'
export type MfaLevel = 'none' | 'publish' | 'automation'

/** The rule Verdaccio needs in config.yaml for this visibility. */
export function verdaccioRule(pattern: string, visibility: Visibility): string {
  return `'${pattern}': { access: ${visibility === 'public' ? '$all' : '$authenticated'}, publish: $authenticated }`
}

/** The explanation of a registry without visibility, with the config.yaml rule that does it there. */
function withFix(error: PkgsError, fix: string, cause: unknown = error.cause): PkgsError {
  return new PkgsError(error.code, error.message, { hint: `${error.hint} ${fix}`, exitCode: error.exitCode, cause })
}

function unsupported(err: unknown, target: Target, what: string, fix?: string): unknown {
  const error = unsupportedBy(err, target, 'visibility', what)
  if (!error) return err
  return fix ? withFix(error, fix, err) : error
}

/** A change through libnpmaccess, under the run's two-factor session. */
function change(config: Config, target: Target, name: string, otp: OtpSession, call: (opts: Record<string, unknown>) => Promise<unknown>): Promise<unknown> {
  return otp.run(config, target, (code) => registryCall(target, () => call(registryOptions(config, target, code ? { otp: code } : {})), { packageName: name }))
}

/** GET /-/package/<pkg>/visibility (libnpmaccess.getVisibility). */
export async function getVisibility(config: Config, target: Target, name: string, want?: Visibility): Promise<Visibility> {
  requireWorkflow(target, 'visibility', 'package visibility (public or private)')
  try {
    const res = await requestJson<{ public?: unknown }>(config, target, `/-/package/${escapedName(name)}/visibility`, { preferOnline: true })
    return res.body.public === true ? 'public' : 'private'
  } catch (err) {
    const fix = want ? `To make ${name} ${want}, write in config.yaml, above '@*/*': ${verdaccioRule(name, want)}` : undefined
    throw unsupported(err, target, 'package visibility (public or private)', fix)
  }
}

/** POST /-/package/<pkg>/access {access} (libnpmaccess.setAccess, `npm access set status=…`). */
export async function setVisibility(config: Config, target: Target, name: string, visibility: Visibility, otp: OtpSession): Promise<void> {
  const { setAccess } = await import('libnpmaccess')
  try {
    await change(config, target, name, otp, (opts) => setAccess(name, visibility === 'private' ? 'restricted' : 'public', opts))
  } catch (err) {
    if (isStatus(err, 402)) {
      throw new PkgsError('E402', `Private packages need a paid plan on ${target.registry.url}: ${name} stays public.`, {
        hint: "Upgrade the scope's account or organisation to a paid plan.",
        cause: err,
      })
    }
    throw unsupported(err, target, 'package visibility (public or private)')
  }
}

/** POST /-/package/<pkg>/access with the 2FA policy (libnpmaccess.setMfa, `npm access set mfa=…`). */
export async function setMfa(config: Config, target: Target, name: string, level: MfaLevel, otp: OtpSession): Promise<void> {
  requireWorkflow(target, 'visibility', 'two-factor policies of packages')
  const { setMfa: set } = await import('libnpmaccess')
  try {
    await change(config, target, name, otp, (opts) => set(name, level, opts))
  } catch (err) {
    throw unsupported(err, target, 'two-factor policies of packages')
  }
}

/** Every package of a scope: the org's, else the user's (libnpmaccess.getPackages), only that scope's names. */
export async function packagesOfScope(config: Config, target: Target, scope: string, want?: Visibility): Promise<string[]> {
  const what = `listing the packages of ${scope}`
  requireWorkflow(target, 'visibility', what)
  try {
    const { packages } = await getPackagesOf(config, target, { kind: 'org-or-user', name: scope }, { workflow: 'visibility', what })
    return Object.keys(packages)
      .filter((name) => name.startsWith(`${scope}/`))
      .sort()
  } catch (err) {
    if (!want || !(err instanceof PkgsError) || err.code !== 'EUNSUPPORTED') throw err
    throw withFix(err, `For every package of ${scope}, write in config.yaml, above '@*/*': ${verdaccioRule(`${scope}/*`, want)}`)
  }
}
