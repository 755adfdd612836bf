// What a package's access means on the registry it goes to: npm's access where the registry uses
// it, else the registry's own rules, as init and publish say it.
import { kindNames, workflowsFor, type RegistryIdentity } from './registry.js'
import { accessMeaning, type Access } from '../package/access.js'

/** The registry's own rules for who can install, when its kind does not use npm's access. */
export function accessIgnoredBy(identity: RegistryIdentity): string | undefined {
  return workflowsFor(identity).installs
}

/**
 * The access and what it means on this registry, as init, publish's summary and its success line
 * say it: "restricted (private: …)" where the registry uses access, "restricted (not used by
 * Verdaccio: who can install it is set by …)" where it does not. `looked` is false when the kind
 * comes from the URL alone (init sends no request): an unrecognised registry may then still have
 * rules of its own, which is said rather than promising privacy.
 */
export function accessOn(access: Access, identity: RegistryIdentity, looked = true): string {
  const own = accessIgnoredBy(identity)
  if (own) return `${access} (not used by ${kindNames[identity.kind]}: ${own})`
  if (identity.kind === 'unknown' && !looked) {
    return `${access} (${accessMeaning[access]}, where the registry uses access; one such as Verdaccio decides by rules of its own)`
  }
  return `${access} (${accessMeaning[access]})`
}
