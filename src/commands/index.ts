// Every command, in the order `pkgs --help` lists them.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import { register as access } from './access.js'
import { register as collaborators } from './collaborators.js'
import { register as doctor } from './doctor.js'
import { register as init } from './init.js'
import { register as login } from './login.js'
import { register as logout } from './logout.js'
import { register as ls } from './ls.js'
import { register as makePrivate } from './make-private.js'
import { register as makePublic } from './make-public.js'
import { register as mfa } from './mfa.js'
import { register as org } from './org.js'
import { register as owners } from './owners.js'
import { register as publish } from './publish.js'
import { register as scope } from './scope.js'
import { register as share } from './share.js'
import { register as team } from './team.js'
import { register as unshare } from './unshare.js'
import { register as whoami } from './whoami.js'

export type Register = (program: Command, run: Runner) => void

export const commands: Register[] = [init, scope, login, logout, publish, share, unshare, owners, collaborators, ls, makePublic, makePrivate, access, mfa, team, org, doctor, whoami]
