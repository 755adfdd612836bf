#!/usr/bin/env bash
# The test suite on each Node line pkgs supports: the machine's Node (20), then Node 22 and 24,
# which npx installs from the npm registry as the `node` package (and keeps in its cache); the
# test registry's own parity tests against npm (npm run test:registry) once, on the machine's Node.
# The build and the lint run once; vitest runs once per Node, with that Node first on PATH and
# running vitest itself, so that everything the tests start runs under it too: the built CLI
# and Verdaccio (spawned with process.execPath) and npm (`#!/usr/bin/env node`).
#
#   npm run test:node                          build, lint, then vitest on each Node
#   bash scripts/test-node.sh --no-build       the same without the build
#   bash scripts/test-node.sh --after-npm-test only the other Nodes: npm test has just built, linted
#                                              and run the suite on the machine's Node
#   PKGS_TEST_NODES="22.9.0" npm run test:node  other versions beside the machine's
#   npm run test:node -- test/npmrc.test.ts    arguments after the options go to `vitest run`
#   PKGS_TEST_PROCESSES=1 npm run test:node    every run of pkgs a process of its own on each Node
#   bash scripts/test-node.sh --no-build --processes-once
#                                              then the suite once more with every run of pkgs a
#                                              process (PKGS_TEST_PROCESSES=1), on this machine's Node
#                                              (what CI, .ci/run, does)
#
# The steps after the build and the lint run in two lanes at once (PKGS_TEST_LANES=1: one after
# another): a suite keeps about one core of two busy, as its test files mostly wait on the
# registries and processes they start. Each step's output is kept and printed whole when the
# lanes end, in the order of the steps. Every step runs even when one before it failed; the last
# lines say which failed, and the exit code is 1 when any did.
set -uo pipefail
cd "$(dirname "$0")/.."

read -r -a other_nodes <<<"${PKGS_TEST_NODES:-22.23.3 24.21.0}"
build=1
machine=1
processes_once=0
while [[ ${1:-} == --no-build || ${1:-} == --after-npm-test || ${1:-} == --processes-once ]]; do
  [[ $1 == --no-build ]] && build=0
  [[ $1 == --after-npm-test ]] && build=0 && machine=0
  [[ $1 == --processes-once ]] && processes_once=1
  shift
done
vitest_args=("$@")

lanes=${PKGS_TEST_LANES:-2}
results=$(mktemp -d "${TMPDIR:-/tmp}/pkgs-test-node-XXXXXX")
trap 'rm -rf "$results"' EXIT

# step N LABEL COMMAND...: runs it, its output into $results/N.log, 'LABEL: passed|FAILED (N s)' into $results/N.result
step() {
  local n=$1 label=$2 start=$SECONDS code=0
  shift 2
  "$@" >"$results/$n.log" 2>&1 || code=$?
  if ((code == 0)); then
    echo "$label: passed ($((SECONDS - start)) s)" >"$results/$n.result"
  else
    echo "$label: FAILED, exit code $code ($((SECONDS - start)) s)" >"$results/$n.result"
  fi
  echo "=== done: $(cat "$results/$n.result")"
}

# suite NODE_BINARY [VITEST_OPTION...]: vitest under that Node, which is also the first `node` on PATH
suite() {
  local node=$1
  shift
  echo "=== vitest on Node $("$node" -p process.versions.node): $node"
  PATH="$(dirname "$node"):$PATH" npm version --json | grep -E '"(node|npm)"' | sed 's/^ */    npm under it: /'
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run "$@" "${vitest_args[@]}"
}

suite_of_processes() {
  PKGS_TEST_PROCESSES=1 suite "$@"
}

# node_of VERSION: that Node from the npm registry (npx, into npm's cache), its path on stdout
node_of() {
  local bin
  bin=$(npx --yes -p "node@$1" node -p process.execPath </dev/null) && [[ -x $bin ]] && echo "$bin"
}

# suite_on VERSION: the suite under that Node, once npx has it
suite_on() {
  local bin
  bin=$(node_of "$1") || { echo "Node $1 could not be installed (npx -p node@$1)"; return 1; }
  suite "$bin"
}

if ((build)); then
  npm run build || { echo "test:node: the build failed: nothing to test"; exit 1; }
fi

machine_node=$(command -v node)
machine_version=$(node -p process.versions.node)

# the steps, numbered in the order their output is printed: "WEIGHT|LABEL|COMMAND", the weight
# roughly the step's time (a suite in-process 3, every run a process 5)
steps=()
if ((machine)); then
  steps+=("1|lint|npm run lint")
  steps+=("3|Node $machine_version (this machine's)|suite $machine_node")
fi
# the test registry's parity tests against npm (never run pkgs; out of the suite, vitest.config.ts):
# once, on the machine's Node
steps+=("1|test registry against npm|env PKGS_TEST_SUITE=registry $machine_node node_modules/vitest/vitest.mjs run --passWithNoTests ${vitest_args[*]}")
for version in "${other_nodes[@]}"; do
  steps+=("3|Node $version|suite_on $version")
done
# every run of pkgs a process of its own, once, on the machine's Node (the oldest line pkgs supports;
# on Node 24 it cost as much: its compile cache saves ~15% of each start, which the noise hid)
if ((processes_once)); then
  steps+=("5|Node $machine_version, every run a process|suite_of_processes $machine_node")
fi

label_of() { local rest=${1#*|}; echo "${rest%%|*}"; }

# the lanes: each step, heaviest first, to the lane with the least weight so far
declare -a lane_steps lane_weight
for ((k = 0; k < lanes; k++)); do lane_steps[k]=''; lane_weight[k]=0; done
for n in $(for ((n = 0; n < ${#steps[@]}; n++)); do echo "${steps[n]%%|*} $n"; done | sort -k1,1nr -k2,2n | cut -d' ' -f2); do
  least=0
  for ((k = 1; k < lanes; k++)); do ((lane_weight[k] < lane_weight[least])) && least=$k; done
  lane_steps[least]+=" $n"
  lane_weight[least]=$((lane_weight[least] + ${steps[n]%%|*}))
done

# Verdaccio's next line is installed once, before suites that would each install it at once
(cd test/verdaccio-next && [[ -e node_modules/verdaccio/package.json ]] || npm ci --no-audit --no-fund --loglevel=error)

for ((k = 0; k < lanes; k++)); do
  (
    for n in ${lane_steps[k]}; do
      rest=${steps[n]#*|}
      # shellcheck disable=SC2086 # a step's command is words
      step "$n" "$(label_of "${steps[n]}")" ${rest#*|}
    done
  ) &
done
wait

failed=()
for ((n = 0; n < ${#steps[@]}; n++)); do
  echo
  cat "$results/$n.log"
done
echo
echo "=== test:node summary"
for ((n = 0; n < ${#steps[@]}; n++)); do
  result=$(cat "$results/$n.result" 2>/dev/null || echo "$(label_of "${steps[n]}"): FAILED, did not run")
  echo "$result"
  [[ $result == *FAILED* ]] && failed+=("$(label_of "${steps[n]}")")
done
if ((${#failed[@]})); then
  echo "test:node: FAILED: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
  exit 1
fi
echo "test:node: passed on every Node"
