# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An execution environment (AWX / Ansible Automation Platform) with this collection, as far as it can go here.

`ansible-builder create` (pinned in requirements-dev.txt) turns a minimal EE definition that installs the built
tarball into a build context; then the two steps of its Containerfile that concern this collection run here as
they would in the image: the collection installed from the tarball in the context, and the context's own
introspect script, which must list the controller dependencies that meta/execution-environment.yml declares.
Building the image itself needs a base image from a container registry, which this project cannot reach.
Skipped where ansible-builder is not installed (the compat virtualenvs of older ansible-core).
"""

import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
BUILDER = os.path.join(BIN, 'ansible-builder')

pytestmark = pytest.mark.skipif(not os.path.exists(BUILDER), reason='ansible-builder is not installed here')


def run(argv, env, cwd):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, '%s failed (rc %d):\n%s\n%s' % (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


def test_the_metadata_names_the_files_it_points_to():
    with open(os.path.join(ROOT, 'meta', 'execution-environment.yml')) as handle:
        meta = yaml.safe_load(handle)
    assert meta['version'] == 3 and sorted(meta['dependencies']) == ['python', 'system']
    for path in meta['dependencies'].values():
        assert os.path.isfile(os.path.join(ROOT, path)), path


def test_ansible_builder_create_and_the_context_lists_our_dependencies(tmp_path):
    (tmp_path / 'ansible.cfg').write_text('[defaults]\n')
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp_path / 'ansible.cfg'))
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(tmp_path), ROOT], env, str(tmp_path))
    tarball = [n for n in os.listdir(str(tmp_path)) if n.endswith('.tar.gz')][0]
    definition = {
        'version': 3,
        'images': {'base_image': {'name': 'localhost/ee-base:latest'}},
        'dependencies': {
            'ansible_core': {'package_pip': 'ansible-core'},
            'ansible_runner': {'package_pip': 'ansible-runner'},
            'galaxy': {'collections': [{'name': '/build/collections/%s' % tarball, 'type': 'file'}]},
        },
        'additional_build_files': [{'src': tarball, 'dest': 'collections'}],
    }
    (tmp_path / 'execution-environment.yml').write_text(yaml.safe_dump(definition))
    run([BUILDER, 'create', '-f', 'execution-environment.yml', '-c', 'context'], env, str(tmp_path))
    build = tmp_path / 'context' / '_build'
    assert (build / 'collections' / tarball).is_file()
    requirements = yaml.safe_load((build / 'requirements.yml').read_text())
    assert requirements['collections'][0]['name'] == '/build/collections/%s' % tarball
    containerfile = (tmp_path / 'context' / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile and 'introspect.py introspect' in containerfile

    # The image's galaxy stage, then its builder stage's introspection, on this machine.
    collections = tmp_path / 'collections'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', str(collections),
         str(build / 'collections' / tarball)], env, str(tmp_path))
    run([sys.executable, str(build / 'scripts' / 'introspect.py'), 'introspect', '--write-pip', str(tmp_path / 'pip.txt'),
         '--write-bindep', str(tmp_path / 'bindep.txt'), str(collections)], env, str(tmp_path))
    pip = (tmp_path / 'pip.txt').read_text()
    bindep = (tmp_path / 'bindep.txt').read_text()
    assert 'pywinrm>=0.4.3  # from collection homelab.connectx' in pip, pip
    assert 'openssh-client [platform:dpkg]  # from collection homelab.connectx' in bindep, bindep
    assert 'openssh-clients [platform:rpm]  # from collection homelab.connectx' in bindep, bindep
