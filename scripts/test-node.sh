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
# Every step runs even when one before it failed; the last lines say which failed, and the exit
# code is 1 when any did.
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

summary=()
failed=()

# step LABEL COMMAND...: runs it, notes 'LABEL: passed|FAILED (N s)'
step() {
  local label=$1 start=$SECONDS code=0
  shift
  "$@" || code=$?
  if ((code == 0)); then
    summary+=("$label: passed ($((SECONDS - start)) s)")
  else
    summary+=("$label: FAILED, exit code $code ($((SECONDS - start)) s)")
    failed+=("$label")
  fi
}

# suite NODE_BINARY [VITEST_OPTION...]: vitest under that Node, which is also the first `node` on PATH
suite() {
  local node=$1
  shift
  echo
  echo "=== vitest on Node $("$node" -p process.versions.node): $node"
  PATH="$(dirname "$node"):$PATH" npm version --json | grep -E '"(node|npm)"' | sed 's/^ */    npm under it: /'
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run "$@" "${vitest_args[@]}"
}

suite_of_processes() {
  PKGS_TEST_PROCESSES=1 suite "$@"
}

if ((build)); then
  npm run build || { echo "test:node: the build failed: nothing to test"; exit 1; }
fi

# the other Nodes are fetched (npx, into npm's cache) while the lint and the first suite run:
# the download waits on the network, not on the machine's cores
fetch_dir=$(mktemp -d "${TMPDIR:-/tmp}/pkgs-test-node-XXXXXX")
trap 'rm -rf "$fetch_dir"' EXIT
for version in "${other_nodes[@]}"; do
  (npx --yes -p "node@$version" node -p process.execPath </dev/null >"$fetch_dir/$version" 2>"$fetch_dir/$version.err") &
done

machine_node=$(command -v node)
if ((machine)); then
  step "lint" npm run lint
  step "Node $(node -p process.versions.node) (this machine's)" suite "$machine_node"
fi

# the test registry's parity tests against npm (never run pkgs; out of the suite, vitest.config.ts):
# once, on the machine's Node
echo
echo "=== the test registry against npm (npm run test:registry)"
step "test registry against npm" env PKGS_TEST_SUITE=registry "$machine_node" node_modules/vitest/vitest.mjs run --passWithNoTests "${vitest_args[@]}"

for version in "${other_nodes[@]}"; do
  echo
  echo "=== Node $version from the npm registry (npx -p node@$version)"
  wait
  node_bin=$(cat "$fetch_dir/$version")
  cat "$fetch_dir/$version.err" >&2
  if [[ -n $node_bin && -x $node_bin ]]; then
    step "Node $version" suite "$node_bin"
  else
    summary+=("Node $version: FAILED, could not be installed (npx -p node@$version)")
    failed+=("Node $version")
  fi
done

# every run of pkgs a process of its own, once, on the machine's Node (the oldest line pkgs supports;
# on Node 24 it cost as much: its compile cache saves ~15% of each start, which the noise hid)
if ((processes_once)); then
  echo
  echo "=== every run of pkgs a process of its own (PKGS_TEST_PROCESSES=1)"
  step "Node $(node -p process.versions.node), every run a process" suite_of_processes "$machine_node"
fi

echo
echo "=== test:node summary"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "test:node: FAILED: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
  exit 1
fi
echo "test:node: passed on every Node"
