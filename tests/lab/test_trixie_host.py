# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Proxmox VE 9 (Debian 13 "trixie") lab host: the real Debian 13 mstflint 4.31 and the bookworm route.

WRITTEN, NOT YET RUN: it needs a lab that labctl does not build yet. Skipped unless the lab's inventory has a host
with ``cxlab_os: pve9``. What labctl and the mirror need for it:

- topology: a host field ``os: pve8 | pve9`` (default pve8), validated like the others; a card field ``vsc: true``
  passed to ``cardctl create --vsc`` (the vendor-specific capability of a real card, on which 4.30/4.31 crash);
- the host image: ``debootstrap --variant=minbase --include=... trixie`` for pve9 (tests/lab/host/packages.txt
  installs there as it is), a separate tag and tarball per suite (the suite in image_tag's digest);
- the mirror (tests/lab/mirror.py), per suite: for pve9 the flat repository holds Debian 13's packages (mstflint
  4.31.0+1-4 and what the trixie image lacks, iperf3), downloaded with an apt whose sources are trixie
  (``apt-get -o Dir::Etc::sourcelist=... -o Dir::State::Lists=... -o Dir::Cache=...`` on the controller, or apt in
  the debootstrapped tree), no 4.26 stand-in; and a second repository ``bookworm-route/`` in the dists layout
  (``dists/bookworm/main/binary-amd64/Packages`` and a Release with ``Codename: bookworm``, made with
  apt-ftparchive) holding exactly mstflint 4.21.0+1-1, libboost-filesystem1.74.0 and libjsoncpp25, so that the
  role's source (``Suites: bookworm``, ``Components: main``) and its ``Pin: release n=bookworm`` match;
- the inventory: for a pve9 host ``cxlab_os: pve9``, ``connectx_mstflint_bookworm_uri:
  http://<mirror>/bookworm-route`` and ``connectx_mstflint_bookworm_trusted: true`` (the lab mirror is unsigned).

Outputs to compare with: tests/unit/fixtures/local/trixie-*.txt (the same tools, recorded in a Debian 13 root
filesystem under chroot).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
INVENTORY = os.path.join(REPO, '.cache', 'lab', 'inventory.yml')
BIN = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(BIN, 'ansible-playbook')
TOOLS = os.path.join(HERE, 'playbooks', 'tools.yml')
ENV = dict(os.environ, LC_ALL='C.UTF-8', ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_FORCE_COLOR='0')
SOURCES = '/etc/apt/sources.list.d/connectx-mstflint-bookworm.sources'
PREFERENCES = '/etc/apt/preferences.d/connectx-mstflint-bookworm.pref'


def pve9_hosts():
    if not os.path.exists(INVENTORY):
        return []
    with open(INVENTORY) as handle:
        inv = yaml.safe_load(handle) or {}
    found = {}

    def walk(group):
        found.update(group.get('hosts') or {})
        for child in (group.get('children') or {}).values():
            walk(child or {})
    walk(inv.get('all') or {})
    return sorted(h for h, hv in found.items() if (hv or {}).get('cxlab_os') == 'pve9')


pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason='the lab needs root (network namespaces, podman)'),
              pytest.mark.skipif(not pve9_hosts(), reason='no Proxmox VE 9 host (topology os: pve9) in the lab')]


def sh(argv, check=True, timeout=900):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, env=ENV)
    if check:
        assert res.returncode == 0, '%s: rc %s\n%s%s' % (argv, res.returncode, res.stdout[-3000:], res.stderr[-2000:])
    return res


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
    return pve9_hosts()[0]


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


def test_the_tools_role_takes_4_21_from_bookworm_pinned_and_held(host):
    res = tools_role(host)
    assert res.returncode == 0, res.stdout[-3000:]
    assert installed(host, 'mstflint') == '4.21.0+1-1'
    assert ex(host, 'dpkg', '--get-selections', 'mstflint').stdout.split()[1:] == ['hold']
    assert 'from Debian 12 bookworm, pinned, held' in res.stdout and 'libjsoncpp25 come from there' in res.stdout
    oldstable = ex(host, 'sh', '-c', 'apt list --installed 2>/dev/null | grep /bookworm\\|oldstable', check=False).stdout
    from_bookworm = sorted(line.split('/')[0] for line in oldstable.splitlines() if line.strip())
    assert from_bookworm == ['libboost-filesystem1.74.0', 'libjsoncpp25', 'mstflint'], oldstable
    policy = ex(host, 'apt-cache', 'policy', 'mstflint').stdout
    assert '*** 4.21.0+1-1 1001' in policy, policy
    assert 'Inst ' not in ex(host, 'apt-get', '-s', 'full-upgrade').stdout
    for bdf in cards(host):
        assert ex(host, 'mstflint', '-d', bdf, 'query', check=False).returncode == 0, bdf
        assert ex(host, 'mstconfig', '-d', bdf, 'query', check=False).returncode == 0, bdf
    again = tools_role(host)
    assert again.returncode == 0 and 'changed=0' in again.stdout, again.stdout[-3000:]
