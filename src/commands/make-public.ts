// pkgs make-public: everyone can install the packages; asks for the name (or the count) on a
// terminal, needs --yes without one.
import { visibilityCommand } from './visibility.js'

export default visibilityCommand('public')
