// Who may install a package, as init records it and publish sends it, and what that means on
// the registry it goes to: npm's access where the registry uses it, else the registry's own rules.
import { kindNames, workflowsFor, type RegistryIdentity } from '../core/registry.js'

export type Access = 'restricted' | 'public'

export const accessMeaning: Record<Access, string> = {
  restricted: 'private: only you and those you share it with can install it',
  public: 'everyone can install it',
}

/** The choice init and publish offer, restricted first. */
export const accessChoices: { name: string; value: Access }[] = [
  { name: 'restricted: only you and the people and teams you share it with', value: 'restricted' },
  { name: 'public: everyone', value: 'public' },
]

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
