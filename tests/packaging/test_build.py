# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection builds, installs into a clean path, and ansible-doc renders every module from it."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                 if f.endswith('.py') and not f.startswith('_'))


def run(argv, env, cwd=ROOT):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, '%s failed (rc %d):\n%s\n%s' % (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('collection')
    # An empty config: the repo's ansible.cfg points at the working tree, which must not be used here.
    (tmp / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp / 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=str(tmp / 'collections'))
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(tmp / 'dist'), ROOT], env)
    tarballs = os.listdir(str(tmp / 'dist'))
    assert len(tarballs) == 1 and tarballs[0].startswith('homelab-connectx-')
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '--no-deps',
         '-p', str(tmp / 'collections'), str(tmp / 'dist' / tarballs[0])], env)
    return tmp, env


def test_tarball_installs_into_a_clean_path(installed):
    tmp, _env = installed
    dest = tmp / 'collections' / 'ansible_collections' / 'homelab' / 'connectx'
    assert (dest / 'MANIFEST.json').is_file()
    assert (dest / 'plugins' / 'module_utils' / 'runner.py').is_file()
    # Development-only trees stay out of the artifact.
    assert not (dest / '.venv').exists() and not (dest / 'tests' / 'output').exists()


def test_installed_collection_lists_every_module(installed):
    tmp, env = installed
    out = run([os.path.join(BIN, 'ansible-doc'), '-t', 'module', '-l', 'homelab.connectx'], env, cwd=str(tmp))
    listed = sorted(line.split()[0].rsplit('.', 1)[1] for line in out.splitlines() if line.startswith('homelab.connectx.'))
    assert listed == MODULES


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_module(installed, module):
    tmp, env = installed
    out = run([os.path.join(BIN, 'ansible-doc'), 'homelab.connectx.%s' % module], env, cwd=str(tmp))
    assert 'OPTIONS' in out and 'RETURN VALUES' in out and 'EXAMPLES' in out
