// pkgs make-public: everyone can install the packages; asks for the name (or the count) on a
// terminal, needs --yes without one. Shares its run with make-private.
import type { Command } from 'commander'
import type { Runner } from '../cli.js'
import { registerVisibility } from './make-private.js'

export function register(program: Command, run: Runner): void {
  registerVisibility(program, run, 'public')
}
