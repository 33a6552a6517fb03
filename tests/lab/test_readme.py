# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README followed word for word against the lab, as a new user would: the collection built into a tarball and
installed with the README's command (into an empty home), the README's minimal inventory in its own folder with the
image next to it, then the README's commands in order - check mode, the real run, verify.

What a user changes is kept apart from the README's text: the image's sha256 (the README says to take it with
sha256sum) and a second inventory file with the addresses of *their* nodes - here the lab's SSH connection (address,
key, known_hosts, the sudo login of pve2) and the name of its management interface. Nothing else is added.

Skipped when not root or podman/debootstrap are missing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LABCTL = [sys.executable, os.path.join(HERE, 'labctl.py')]
LAB_INVENTORY = os.path.join(REPO, '.cache', 'lab', 'inventory.yml')
BIN = os.path.dirname(sys.executable)
BDF = '0000:03:00.0'
CONNECTION = ('ansible_connection', 'ansible_host', 'ansible_user', 'ansible_become', 'ansible_ssh_private_key_file',
              'ansible_ssh_common_args', 'ansible_python_interpreter')

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('podman') or not shutil.which('debootstrap'),
                                reason='the lab needs root, podman and debootstrap (tests/lab/apt-packages.txt)')


def readme_blocks():
    """{section title: [(language, text)]} of the README's fenced code blocks."""
    with open(os.path.join(REPO, 'README.md')) as handle:
        text = handle.read()
    sections = {}
    for part in re.split(r'^## ', text, flags=re.M)[1:]:
        title, body = part.split('\n', 1)
        sections[title.strip()] = re.findall(r'^```(\w*)\n(.*?)^```', body, re.M | re.S)
    return sections


def commands(block):
    """The command lines of a sh block, without their comments."""
    out = []
    for line in block.splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            out.append(shlex.split(line))
    return out


def run(argv, cwd, home):
    """A user's shell: the project's ansible on PATH, an empty home, no ansible.cfg of this repository."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=home, PATH=BIN + os.pathsep + env.get('PATH', ''), LC_ALL='C.UTF-8', LANG='C.UTF-8',
               ANSIBLE_FORCE_COLOR='0')
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False)


def recap(output):
    hosts = {}
    for host, counts in re.findall(r'^(\S+)\s+:\s+(ok=.*)$', output, re.M):
        hosts[host] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', counts))
    return hosts


def card(host):
    out = json.loads(subprocess.run(LABCTL + ['status'], capture_output=True, text=True, check=True).stdout)
    return out['hosts'][host]['cards'][BDF]


@pytest.fixture(scope='module')
def fresh_lab():
    try:
        subprocess.run(LABCTL + ['down'], capture_output=True, check=False)
        subprocess.run(LABCTL + ['up'], capture_output=True, check=True)
        yield
    finally:
        subprocess.run(LABCTL + ['down'], capture_output=True, check=False)


def test_the_readme_word_for_word_from_the_tarball(fresh_lab, tmp_path):  # pylint: disable=redefined-outer-name,unused-argument
    blocks = readme_blocks()
    home, folder = str(tmp_path / 'home'), str(tmp_path / 'homelab')
    os.makedirs(home)
    os.makedirs(folder)

    # Install: the tarball (make build's command), then the README's install lines.
    res = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', folder, REPO],
              folder, home)
    assert res.returncode == 0, res.stdout + res.stderr
    tarball = [n for n in os.listdir(folder) if n.endswith('.tar.gz')][0]
    install = commands(blocks['Install'][0][1])
    assert install[0][:4] == ['python3', '-m', 'pip', 'install'] and install[0][4] == 'ansible'
    # pip install ansible: the project's virtualenv has the pinned ansible package (requirements.txt) on PATH.
    galaxy = [tarball if arg == 'homelab-connectx-<version>.tar.gz' else arg for arg in install[1]]
    res = run(galaxy, folder, home)
    assert res.returncode == 0 and 'homelab.connectx' in res.stdout, res.stdout + res.stderr
    assert os.path.isdir(os.path.join(home, '.ansible', 'collections', 'ansible_collections', 'homelab', 'connectx'))

    # The inventory, as the README writes it; the image next to it; its sha256 as sha256sum gives it.
    language, text = blocks['A minimal inventory'][0]
    assert language == 'yaml'
    inventory = yaml.safe_load(text)
    image = inventory['connectx_hosts']['vars']['connectx_firmware_image']
    assert not os.path.isabs(image), 'the README inventory keeps the image next to itself'
    with open(LAB_INVENTORY) as handle:
        lab = yaml.safe_load(handle)
    lab_image = lab['all']['vars']['connectx_firmware_image']
    assert os.path.basename(lab_image) == os.path.basename(image)
    os.makedirs(os.path.join(folder, os.path.dirname(image)), exist_ok=True)
    shutil.copy(lab_image, os.path.join(folder, image))
    with open(os.path.join(folder, image), 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    assert '"<sha256sum of the image>"' in text
    with open(os.path.join(folder, 'inventory.yml'), 'w') as handle:
        handle.write(text.replace('<sha256sum of the image>', digest))
    # The addresses of the user's nodes: here the lab's SSH connection and management interface.
    lab_hosts = lab['all']['children']['connectx_hosts']['children']['proxmox']['hosts']
    overlay = {'connectx_hosts': {'hosts': dict(
        (host, dict((k, v) for k, v in lab_hosts[host].items() if k in CONNECTION))
        for host in inventory['connectx_hosts']['hosts'])}}
    with open(os.path.join(folder, 'my-addresses.yml'), 'w') as handle:
        yaml.safe_dump(overlay, handle)

    # The README's commands, in order (restore needs a backup named on its command line: not part of a first run).
    runs = [argv for argv in commands(blocks['Run it'][0][1]) if not argv[-1].endswith('.restore')]
    assert [argv[3] for argv in runs] == ['homelab.connectx.site', 'homelab.connectx.site', 'homelab.connectx.verify']
    outputs = []
    for argv in runs:
        assert argv[1:3] == ['-i', 'inventory.yml']
        res = run(argv[:3] + ['-i', 'my-addresses.yml'] + argv[3:], folder, home)
        outputs.append(res)
        with open(os.path.join(folder, 'run-%d.log' % len(outputs)), 'w') as handle:
            handle.write(res.stdout + res.stderr)
        counts = recap(res.stdout)
        assert res.returncode == 0 and set(counts) == {'pve1', 'pve2'}, ' '.join(argv) + res.stdout[-5000:] + res.stderr[-2000:]
        if len(outputs) == 1:  # check mode: a plan, nothing on the controller, nothing burned
            assert 'pve1: would install mstflint=4.21.0+1-1' in res.stdout
            assert not os.path.exists(os.path.join(folder, 'connectx-backups'))
            assert (card('pve1')['psid'], card('pve2')['psid']) == ('MT_1090110018', 'MT_1090110018')
    real, verify = outputs[1:]
    assert (card('pve1')['psid'], card('pve2')['psid']) == ('MT_1090120019', 'MT_1090120019')
    for host in ('pve1', 'pve2'):
        names = os.listdir(os.path.join(folder, 'connectx-backups', host))
        assert 'SHA256SUMS' in names and [n for n in names if n.startswith('MT_1090110018_')], names
    assert all(c['changed'] == 0 for c in recap(verify.stdout).values()), verify.stdout[-3000:]
    with open(os.path.join(folder, 'reports', 'links.md')) as handle:
        report = handle.read()
    assert re.search(r'^\| pve1-pve2 \| (OK|DEGRADED) \| 40.0 Gb/s \| 40.0 Gb/s \|', report, re.M), report
    assert '| pve1 | Debian GNU/Linux 12 (bookworm) | mstflint 4.21.0 (package mstflint 4.21.0+1-1, held) |' in report
    # What the README's "What to expect" section quotes from these runs.
    for quoted in ('burned MT_1090120019 2.42.5000 (runs after the reboot)', 'MT_1090120019 2.42.5000 running',
                   'pve1-pve2 end a pve1:ens1 -> pve2:ens1: 40000 Mb/s full, carrier True, mlx4_en, MTU 9000',
                   'Link report: %s/reports/links.md and links.html' % folder):
        assert quoted in real.stdout, quoted
    assert re.search(r'pve1: 0000:03:00.0 MCX354A-QCBT PSID MT_1090110018 FW 2.40.5030;\s+tool mstflint 4.21.0', real.stdout)
