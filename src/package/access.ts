// Who may install a package, as init records it and publish sends it (core/access.ts says what
// it means on a given registry).

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
