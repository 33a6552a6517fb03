#!/usr/bin/env bash
# Unit and packaging tests on every ansible-core that meta/runtime.yml claims (requires_ansible):
# one venv per tests/compat/ansible-core-<version>.txt (exact pins: that core's `ansible` package,
# as a user installs it, and the test runner), under .cache/compat/, rebuilt when its pins change.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
python=${PYTHON:-python3}
cd "$repo"
for pins in tests/compat/ansible-core-*.txt; do
  name=$(basename "$pins" .txt)
  venv=.cache/compat/$name
  stamp=$venv/.pins.sha256
  if ! sha256sum --status -c "$stamp" 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q -r "$pins"
    sha256sum "$pins" > "$stamp"
  fi
  core=$("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)')
  echo "compat: $name (ansible-core $core): unit and packaging tests"
  # The project's ansible.cfg points ansible at this tree; the tests set their own config where they need one.
  ANSIBLE_CONFIG="$repo/ansible.cfg" "$venv/bin/python" -m pytest tests/unit tests/packaging -q -p no:cacheprovider
done
