// Every command, in the order `pkgs --help` lists them; each module is loaded only when needed.
import type { Definition } from './command.js'

type Module = () => Promise<{ default: Definition }>

export const commandModules: Record<string, Module> = {
  init: () => import('./init.js'),
  scope: () => import('./scope.js'),
  login: () => import('./login.js'),
  logout: () => import('./logout.js'),
  publish: () => import('./publish.js'),
  share: () => import('./share.js'),
  unshare: () => import('./unshare.js'),
  owners: () => import('./owners.js'),
  collaborators: () => import('./collaborators.js'),
  ls: () => import('./ls.js'),
  'make-public': () => import('./make-public.js'),
  'make-private': () => import('./make-private.js'),
  access: () => import('./access.js'),
  mfa: () => import('./mfa.js'),
  trust: () => import('./trust.js'),
  stage: () => import('./stage.js'),
  token: () => import('./token.js'),
  team: () => import('./team.js'),
  org: () => import('./org.js'),
  offboard: () => import('./offboard.js'),
  report: () => import('./report.js'),
  policy: () => import('./policy.js'),
  doctor: () => import('./doctor.js'),
  whoami: () => import('./whoami.js'),
}
