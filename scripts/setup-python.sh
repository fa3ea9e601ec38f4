#!/usr/bin/env bash
# Creates (once) and links the project's Python venvs: .venvs/<name> -> a cached venv keyed by its requirements.
# The cache lives outside the clone (SAGEMAKER_MLOPS_CACHE, default ~/.cache/sagemaker-mlops) so a fresh clone
# on the same machine reuses it; on a new machine the same command builds it from the registries.
#   bash scripts/setup-python.sh [ml|parity|labelstudio|moto|lint|cfnlint|all]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SAGEMAKER_MLOPS_CACHE:-$HOME/.cache/sagemaker-mlops}
python=${PYTHON:-python3}
# Every venv `all` sets up (npm test needs each of them).
ALL_VENVS="ml parity labelstudio moto lint cfnlint"

requirements_of() {
  case "$1" in
    ml) echo "$root/apps/demo/ml/requirements.txt" ;;
    parity) echo "$root/packages/pipeline-sdk/test/parity/requirements.txt" ;;
    labelstudio) echo "$root/packages/labeling-bridge/test/integration/requirements.txt" ;;
    moto) echo "$root/tools/test-services/moto-requirements.txt" ;;
    cfnlint) echo "$root/packages/cdk/test/requirements.txt" ;;
    lint) echo "$root/tools/lint/requirements.txt" ;;
    *) echo "unknown venv '$1' (expected one of: $ALL_VENVS, or all)" >&2; exit 2 ;;
  esac
}

setup_one() {
  local name=$1 req
  req=$(requirements_of "$name")
  if [ ! -f "$req" ]; then echo "setup-python: $name has no requirements file yet ($req), skipped"; return 0; fi
  local hash venv
  hash=$( (cat "$req"; "$python" --version) | sha256sum | cut -c1-16)
  venv="$cache/venvs/$name-$hash"
  mkdir -p "$cache/venvs" "$root/.venvs"
  # A venv is usable only once its marker is written: an interrupted install is rebuilt, never half-used.
  exec 9>"$cache/venvs/.$name.lock"
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo "setup-python: building venv '$name' at $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet -r "$req"
    touch "$venv/.complete"
  fi
  flock -u 9
  ln -sfn "$venv" "$root/.venvs/$name"
  echo "setup-python: .venvs/$name ready"
}

target=${1:-all}
if [ "$target" = all ]; then
  for name in $ALL_VENVS; do setup_one "$name"; done
else
  setup_one "$target"
fi
