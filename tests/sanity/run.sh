#!/usr/bin/env bash
# Run `ansible-test sanity` locally (no containers) on a copy of the collection.
#
# ansible-test needs the collection at .../ansible_collections/homelab/connectx, so the files git
# knows about (tracked, or untracked and not ignored) are copied there first. Its pip bootstrap
# would download get-pip.py from outside the package registries; tests/sanity/get_pip_standin.py
# replaces it with ensurepip + pip from the configured registry.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
venv=${VENV:-$repo/.venv}
work=${CONNECTX_SANITY_DIR:-${TMPDIR:-/tmp}/connectx-sanity-$(id -u)}
dest=$work/ansible_collections/homelab/connectx

# ansible-test names the cache file after the pip version it bootstraps (python_requirements.py).
pip_version=$(grep -ho "pip='[0-9.]*'" "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -1 | tr -dc '0-9.')
mkdir -p "$HOME/.ansible/test/cache"
cp "$repo/tests/sanity/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

rm -rf "$work"
mkdir -p "$dest"
cd "$repo"
# A link is copied only when it points inside the copied tree (never into .cache/ or out of the
# repo): molecule's resources/inventory/lab.yml points at the lab's generated inventory, which
# exists only after `make demo` and would be a broken link in the copy ("broken symlinks are not
# allowed"). It is not part of the collection (galaxy.yml build_ignore), so sanity skips it too.
inside() {
  local target
  target=$(readlink -f -- "$1") || return 1
  case "$target" in
    "$repo"/.cache/*|"$repo"/.venv/*) return 1 ;;
    "$repo"/*) [ -e "$target" ] ;;
    *) return 1 ;;
  esac
}
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  if [ -L "$f" ]; then
    inside "$f" || { echo "sanity: skipping $f (a link out of the collection)"; continue; }
  fi
  [ -e "$f" ] || continue            # deleted in the work tree but not yet in git
  mkdir -p "$dest/$(dirname "$f")"
  cp -P "$f" "$dest/$f"
done

cd "$dest"
"$venv/bin/ansible-test" sanity --python 3.11 --color no "$@"
