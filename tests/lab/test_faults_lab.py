# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault matrix, play side, in the podman lab: a bad stanza makes ifreload fail (own file rolled back,
management still up), a reboot that never comes back (the host is named, the others carry on), a card
removed from one host (that host is reported, the others are crossflashed).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from test_site import LABCTL, INVENTORY, REPO, PLAYBOOK, pytestmark, sh, cards  # noqa: F401  pylint: disable=unused-import

ANSIBLE_PLAYBOOK = PLAYBOOK[0]


@pytest.fixture
def fresh_lab():
    sh(LABCTL + ['down'], check=False)
    sh(LABCTL + ['up'])
    yield
    sh(LABCTL + ['down'], check=False)


def play(tmp_path, text, *extra):
    path = tmp_path / 'play.yml'
    path.write_text(text)
    return sh([ANSIBLE_PLAYBOOK, '-i', INVENTORY, str(path)] + list(extra), check=False)


def test_ifreload_failure_rolls_back_and_keeps_management(fresh_lab, tmp_path):
    # Somebody else's broken file: ifupdown2 cannot parse it, ifreload --all exits 1.
    sh(['podman', 'exec', 'cxlab-pve1', 'sh', '-c', 'echo "garbage line here" > /etc/network/interfaces.d/zz-broken'])
    res = play(tmp_path, '- hosts: pve1\n  gather_facts: true\n  roles: [homelab.connectx.interfaces]\n')
    assert res.returncode != 0
    assert 'Applying the ConnectX interfaces on pve1 failed; the role\'s files were put back' in res.stdout, res.stdout[-3000:]
    files = sh(['podman', 'exec', 'cxlab-pve1', 'ls', '/etc/network/interfaces.d']).stdout.split()
    assert files == ['zz-broken'], files
    mgmt = sh(['podman', 'exec', 'cxlab-pve1', 'ip', '-br', 'addr', 'show', 'vmbr0']).stdout
    assert ' UP ' in mgmt and '198.19.0.11/24' in mgmt, mgmt
    assert 'master vmbr0' in sh(['podman', 'exec', 'cxlab-pve1', 'ip', '-o', 'link', 'show', 'mgmt0']).stdout


def test_reboot_that_never_returns_fails_per_host_one_at_a_time(fresh_lab, tmp_path):
    res = sh([ANSIBLE_PLAYBOOK, '-i', INVENTORY, os.path.join(REPO, 'playbooks', 'crossflash.yml'), '--limit', 'pve1,pve2',
              '-e', '{"connectx_reboot_timeout": 20}', '-e', 'connectx_reboot_command=true',
              '-e', '{"connectx_boot_time_command": "cat /run/boot_id"}'], check=False)
    assert res.returncode != 0
    assert 'fatal: [pve1]' in res.stdout and 'fatal: [pve2]' in res.stdout  # both time out, one after the other
    assert 'Timed out' in res.stdout or 'timed out' in res.stdout, res.stdout[-3000:]
    state = cards()
    # The flash is burned, the card still runs the old firmware: a reboot is pending, nothing is lost.
    for host in ('pve1', 'pve2'):
        assert (state[host]['psid'], state[host]['running_fw']) == ('MT_1090120019', '2.40.5030'), host


def test_card_removed_from_one_host_the_others_go_on(fresh_lab):
    sh(LABCTL + ['fault', 'pve2', 'absent=1'])
    res = sh([ANSIBLE_PLAYBOOK, '-i', INVENTORY, os.path.join(REPO, 'playbooks', 'crossflash.yml'), '--limit', 'pve1,pve2'],
             check=False)
    assert res.returncode != 0
    assert 'No Mellanox/NVIDIA card (PCI vendor 15b3) found on pve2' in res.stdout, res.stdout[-3000:]
    recap = json.dumps(res.stdout.split('PLAY RECAP')[-1])
    assert 'pve1' in recap and 'failed=0' in res.stdout.split('PLAY RECAP')[-1].split('pve1')[1].split('\n')[0]
    state = cards()
    assert (state['pve1']['psid'], state['pve1']['running_fw']) == ('MT_1090120019', '2.42.5000')
