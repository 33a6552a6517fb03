# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release tarball: only the collection in it, installable without Galaxy, every plugin documented.

Runs with whichever ansible-core is on the Python running pytest (make unit: the project's .venv;
make compat: each ansible-core that meta/runtime.yml claims), so the install and the ansible-doc
listings are checked on every claimed core.
"""

import glob
import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _names(pattern, strip):
    return sorted(strip(os.path.basename(p)) for p in glob.glob(os.path.join(ROOT, pattern))
                  if not os.path.basename(p).startswith('_'))


MODULES = _names('plugins/modules/*.py', lambda f: f[:-3])
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
               for p in glob.glob(os.path.join(ROOT, 'roles', '*', 'meta', 'argument_specs.yml')))
# The internal common role has no argument specs, only shared defaults: ansible-doc 2.19 lists it, 2.16 does not.
ALL_ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                   for p in glob.glob(os.path.join(ROOT, 'roles', '*', 'meta', 'main.yml')))
FILTER_RE = re.compile(r"""^\s*'(connectx_[a-z0-9_]+)':""", re.M)
FILTERS = sorted(name for path in glob.glob(os.path.join(ROOT, 'plugins', 'filter', '*.py'))
                 for name in FILTER_RE.findall(open(path, encoding='utf-8').read()))

# What a release may contain: the collection, its user docs, changelog and licences. Anything else
# (the lab's C sources or a built libfakemlx.so, bench results, Makefile, ansible.cfg, dotfiles,
# tests, molecule, pins for developers) fails the test with its name.
ALLOWED = [re.compile(p) for p in (
    r'MANIFEST\.json', r'FILES\.json', r'README\.md', r'COPYING', r'LICENSES/[A-Za-z0-9.+-]+\.txt',
    r'CHANGELOG\.(md|rst)', r'changelogs/(changelog|config)\.yaml', r'meta/runtime\.yml',
    r'meta/execution-environment\.yml', r'meta/ee-(requirements|bindep)\.txt',
    r'plugins/(modules|module_utils|plugin_utils|doc_fragments|filter|action)/[a-z0-9_]+\.py',
    r'plugins/filter/[a-z0-9_]+\.yml',
    r'roles/[a-z_]+/(README\.md|(defaults|handlers|vars|meta|tasks)/[a-z0-9_]+\.yml|templates/[a-z0-9_.]+\.j2)',
    r'playbooks/[a-z_]+\.yml', r'playbooks/inventory/[a-z_]+\.yml',
    r'docs/[A-Za-z0-9_./-]+\.(md|rst)',
)]


def run(argv, env, cwd=ROOT):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, '%s failed (rc %d):\n%s\n%s' % (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('collection')
    # An empty config: the repo's ansible.cfg points at the working tree, which must not be used here.
    (tmp / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp / 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=str(tmp / 'collections'))
    env.pop('ANSIBLE_COLLECTIONS_PATHS', None)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(tmp / 'dist'), ROOT], env)
    tarballs = os.listdir(str(tmp / 'dist'))
    assert len(tarballs) == 1 and tarballs[0].startswith('homelab-connectx-')
    return tmp, env, tmp / 'dist' / tarballs[0]


@pytest.fixture(scope='module')
def installed(built):
    tmp, env, tarball = built
    # --offline: dependencies (community.general) are resolved from what is installed, i.e. the
    # collections of the `ansible` package; nothing is fetched from Galaxy.
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline',
         '-p', str(tmp / 'collections'), str(tarball)], env)
    return tmp, env


def test_tarball_holds_only_the_collection(built):
    _tmp, _env, tarball = built
    with tarfile.open(str(tarball)) as tar:
        names = [m.name for m in tar.getmembers() if not m.isdir()]
    stray = [n for n in names if not any(p.fullmatch(n) for p in ALLOWED)]
    assert not stray, 'files outside the release allowlist in %s: %s' % (tarball.name, stray)
    for required in ('README.md', 'COPYING', 'meta/runtime.yml', 'changelogs/changelog.yaml',
                     'CHANGELOG.md', 'CHANGELOG.rst'):
        assert required in names, '%s is missing from %s' % (required, tarball.name)


def test_galaxy_dependencies_are_what_the_default_path_needs():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        galaxy = yaml.safe_load(handle)
    deps = galaxy.get('dependencies') or {}
    assert not any('<' in spec for spec in deps.values()), 'no upper bounds: %r' % deps
    # Every collection the roles and playbooks name is either a dependency, ansible.builtin, this
    # collection, or ansible.windows (optional: windows_host only).
    used = set()
    for path in glob.glob(os.path.join(ROOT, 'roles', '**', '*.yml'), recursive=True) + \
            glob.glob(os.path.join(ROOT, 'playbooks', '*.yml')):
        text = open(path, encoding='utf-8').read()
        for fqcn in re.findall(r'^\s*-?\s*([a-z_]+\.[a-z_]+)\.[a-z_]+:', text, re.M):
            if fqcn == 'ansible.windows':
                assert '/windows_host/' in path, '%s uses ansible.windows outside windows_host' % path
            used.add(fqcn)
    # Exactly those: the default path needs nothing else (the mlx4 driver files are the mlx4_driver module's).
    assert used - {'ansible.builtin', 'homelab.connectx', 'ansible.windows'} == set(deps), (used, deps)


def test_tarball_installs_into_a_clean_path_without_galaxy(installed):
    tmp, _env = installed
    dest = tmp / 'collections' / 'ansible_collections' / 'homelab' / 'connectx'
    assert (dest / 'MANIFEST.json').is_file()
    assert (dest / 'plugins' / 'module_utils' / 'runner.py').is_file()


def _listed(out):
    # A set: ansible-core < 2.19 lists a role once per entry point.
    return sorted(set(line.split()[0].rsplit('.', 1)[1].rstrip(':') for line in out.splitlines()
                  if line.startswith('homelab.connectx.')))


def test_installed_collection_lists_every_module(installed):
    tmp, env = installed
    out = run([os.path.join(BIN, 'ansible-doc'), '-t', 'module', '-l', 'homelab.connectx'], env, cwd=str(tmp))
    assert _listed(out) == MODULES


def test_installed_collection_lists_every_role(installed):
    tmp, env = installed
    out = run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', '-l', 'homelab.connectx'], env, cwd=str(tmp))
    listed = _listed(out)
    assert set(ROLES) <= set(listed) <= set(ALL_ROLES), listed


def test_installed_collection_lists_every_filter_documented(installed):
    tmp, env = installed
    out = run([os.path.join(BIN, 'ansible-doc'), '-t', 'filter', '-l', 'homelab.connectx'], env, cwd=str(tmp))
    assert _listed(out) == FILTERS
    assert 'UNDOCUMENTED' not in out, out


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_module(installed, module):
    tmp, env = installed
    out = run([os.path.join(BIN, 'ansible-doc'), 'homelab.connectx.%s' % module], env, cwd=str(tmp))
    assert 'OPTIONS' in out and 'RETURN VALUES' in out and 'EXAMPLES' in out
