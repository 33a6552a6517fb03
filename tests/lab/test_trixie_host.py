# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Proxmox VE 9 (Debian 13 "trixie") lab host: the real Debian 13 mstflint 4.31 and the bookworm route.

The built-in lab's pve2 is such a host (topology ``os: pve9``; the inventory marks it ``cxlab_os: pve9``):
- its image is ``debootstrap trixie`` with the same packages as the Proxmox VE 8 hosts (labctl ensure_image);
- its mirror (tests/lab/mirror.py ``trixie/``) offers Debian 13's real mstflint 4.31.0+1-4 and no stand-in; it
  resolves deb.debian.org to the lab mirror, whose ``debian/`` is bookworm as the Debian archive serves it (Debian's
  signed InRelease and indexes, the real .deb files of mstflint 4.21.0+1-1, libboost-filesystem1.74.0 and
  libjsoncpp25): the tools role's defaults work unchanged and apt checks Debian's signature;
- its card has the vendor-specific PCI capability of a real card (``vsc: true``), on which 4.30+ crash.
Outputs to compare with: tests/unit/fixtures/local/trixie-*.txt (the same tools, recorded in a Debian 13 root
filesystem under chroot). Skipped when the lab has no such host.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil
import sys

import pytest
import yaml

from labkit.shell import shell

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
INVENTORY = os.path.join(REPO, '.cache', 'lab', 'inventory.yml')
TOPOLOGY = os.path.join(HERE, 'topology.yml')
LABCTL = [sys.executable, os.path.join(HERE, 'labctl.py')]
BIN = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(BIN, 'ansible-playbook')
TOOLS = os.path.join(HERE, 'playbooks', 'tools.yml')
ENV = dict(os.environ, LC_ALL='C.UTF-8', ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_FORCE_COLOR='0')
SOURCES = '/etc/apt/sources.list.d/connectx-mstflint-bookworm.sources'
PREFERENCES = '/etc/apt/preferences.d/connectx-mstflint-bookworm.pref'


def pve9_hosts():
    """The Proxmox VE 9 hosts of the built-in lab's topology (os: pve9)."""
    with open(TOPOLOGY) as handle:
        topo = yaml.safe_load(handle)
    return sorted(name for name, host in topo['hosts'].items() if host.get('os') == 'pve9')


pytestmark = [pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('podman') or not shutil.which('debootstrap'),
                                 reason='the lab needs root, podman and debootstrap (tests/lab/apt-packages.txt)'),
              pytest.mark.skipif(not pve9_hosts(), reason='no Proxmox VE 9 host (os: pve9) in tests/lab/topology.yml')]


sh = shell(timeout=900, base_env=ENV, tail=(3000, 2000))


def ex(host, *argv, **kw):
    return sh(['podman', 'exec', 'cxlab-%s' % host] + list(argv), **kw)


def tools_role(host, *extra):
    return sh([PLAYBOOK, '-i', INVENTORY, TOOLS, '--limit', host] + list(extra), check=False)


def installed(host, package):
    res = ex(host, 'dpkg-query', '--show', '--showformat=${db:Status-Status} ${Version}', package, check=False)
    return res.stdout.split()[1] if res.stdout.startswith('installed ') else None


def cards(host):
    """{bdf: pci device id} of the host's emulated cards."""
    out = ex(host, 'sh', '-c', 'for d in /sys/bus/pci/devices/*; do echo ${d##*/} $(cat $d/device); done').stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


@pytest.fixture(scope='module')
def host():
    """A fresh lab (a kept one has its tools installed), down at the end; its first Proxmox VE 9 host."""
    try:
        sh(LABCTL + ['down'], check=False)
        sh(LABCTL + ['up'], timeout=1800)
        yield pve9_hosts()[0]
    finally:
        sh(LABCTL + ['down'], check=False)


def test_the_host_is_debian_13_and_its_mirror_has_the_real_4_31(host):
    assert 'VERSION_ID="13"' in ex(host, 'cat', '/etc/os-release').stdout
    ex(host, 'apt-get', 'update', '-q')
    policy = ex(host, 'apt-cache', 'policy', 'mstflint').stdout
    assert '4.31.0+1-4' in policy and '4.21.0+1-1' not in policy, policy  # no bookworm source until the role adds it


def test_an_unpinned_mstflint_is_debian_13s_4_31_and_the_role_refuses_it(host):
    res = tools_role(host, '-e', 'connectx_mstflint_package=mstflint', '-e', 'connectx_tools_hold=false')
    assert res.returncode != 0 and installed(host, 'mstflint') == '4.31.0+1-4'
    assert 'does not support ConnectX-3' in res.stdout and 'Nothing has been changed on the cards' in res.stdout
    assert not any(ex(host, 'test', '-e', path, check=False).returncode == 0 for path in (SOURCES, PREFERENCES))
    assert ex(host, 'mstflint', '--version').stdout == 'mstflint, mstflint 4.31.0, Git SHA Hash: e94e92f\n'
    # What the real 4.31 does on each card: as recorded (fixtures local/trixie-*): mstconfig refuses a card without
    # the vendor-specific capability, everything crashes on one with it (topology vsc: true).
    for bdf in cards(host):
        res = ex(host, 'mstconfig', '-d', bdf, 'query', check=False)
        assert (res.returncode, res.stdout) in ((3, '-E- Unsupported device\n'), (-11, ''), (139, '')), (bdf, res)


def test_with_bookworm_unreachable_the_role_refuses_with_the_fix_and_leaves_4_31(host):
    res = tools_role(host, '-e', 'connectx_mstflint_bookworm_uri=http://127.0.0.1:9/debian', '-e',
                     'connectx_tools_hold=false')
    assert res.returncode != 0 and installed(host, 'mstflint') == '4.31.0+1-4'
    assert "Debian 12's mstflint 4.21.0+1-1 could not be installed from bookworm" in res.stdout, res.stdout[-3000:]
    assert 'NVIDIA MFT 4.32 or earlier (connectx_tool: mft' in res.stdout and 'were removed' in res.stdout
    assert not any(ex(host, 'test', '-e', path, check=False).returncode == 0 for path in (SOURCES, PREFERENCES))


def packages(host):
    out = ex(host, 'dpkg-query', '--show', '--showformat=${db:Status-Status} ${Package} ${Version}\\n').stdout
    return dict(line.split()[1:] for line in out.splitlines() if line.startswith('installed '))


def test_the_tools_role_takes_4_21_from_bookworm_pinned_and_held(host):
    before = packages(host)
    res = tools_role(host)
    assert res.returncode == 0, res.stdout[-3000:]
    assert installed(host, 'mstflint') == '4.21.0+1-1'
    assert ex(host, 'dpkg', '--get-selections', 'mstflint').stdout.split()[1:] == ['hold']
    assert 'from Debian 12 bookworm, pinned, held' in res.stdout and 'libjsoncpp25 come from there' in res.stdout
    # What the role installed or replaced: exactly the three packages of the route, each at its bookworm version
    # (Debian 12's mstflint replacing Debian 13's 4.31 of the test above).
    after = packages(host)
    changed = dict((name, version) for name, version in after.items() if before.get(name) != version)
    assert changed == {'mstflint': '4.21.0+1-1', 'libboost-filesystem1.74.0': '1.74.0+ds1-21', 'libjsoncpp25': '1.9.5-4'}, changed
    for name in changed:
        policy = ex(host, 'apt-cache', 'policy', name).stdout
        assert re.search(r'\*\*\* %s \d+\n\s+-?\d+ http://deb.debian.org/debian bookworm/main' % re.escape(changed[name]), policy), policy
    policy = ex(host, 'apt-cache', 'policy', 'mstflint').stdout
    assert '*** 4.21.0+1-1 1001' in policy, policy
    assert 'Inst ' not in ex(host, 'apt-get', '-s', 'full-upgrade').stdout
    for bdf in cards(host):
        assert ex(host, 'mstflint', '-d', bdf, 'query', check=False).returncode == 0, bdf
        assert ex(host, 'mstconfig', '-d', bdf, 'query', check=False).returncode == 0, bdf
    again = tools_role(host)
    assert again.returncode == 0 and 'changed=0' in again.stdout, again.stdout[-3000:]
