# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reboots on a Proxmox VE cluster (the lab's stand-in, docs/lab/cluster.md), through crossflash.yml:

- 3 nodes, pve2 runs a VM that is not an HA resource: with connectx_reboot_guests refuse (the default) pve2 is
  refused before its card is touched, with the VM named; with shutdown the VM is shut down, pve2 reboots and the
  VM runs again after;
- pve1 carries an HA VM: the node enters HA maintenance for its reboot (the VM moves away) and leaves it (the VM
  comes back), the cluster is quorate at the end;
- 2 nodes without a QDevice: a reboot would lose quorum, so it is refused before any change, with the fix.

Skipped when not root or podman/debootstrap are missing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest
import yaml

from test_site import HERE, INVENTORY, LABCTL, PLAYBOOK, REPO, cards, flash_writes, sh
# The skip when the lab cannot run.
from test_site import pytestmark  # noqa: F401  pylint: disable=unused-import

CROSSFLASH = [PLAYBOOK[0], '-i', INVENTORY, os.path.join(REPO, 'playbooks', 'crossflash.yml')]


def topology(tmp_path, nodes, guests):
    with open(os.path.join(HERE, 'topology.yml')) as handle:
        topo = yaml.safe_load(handle)
    topo['cluster'] = {'name': 'homelab', 'nodes': nodes, 'guests': guests}
    path = tmp_path / 'topology.yml'
    path.write_text(yaml.safe_dump(topo))
    return str(path)


def up(path):
    sh(LABCTL + ['down'], check=False)
    sh(LABCTL + ['--topology', path, 'up'])


def on(host, *argv):
    return sh(['podman', 'exec', 'cxlab-%s' % host] + list(argv)).stdout


@pytest.fixture(scope='module')
def three_nodes(tmp_path_factory):
    path = topology(tmp_path_factory.mktemp('cluster3'), ['pve1', 'pve2', 'pve3'], [
        {'vmid': 100, 'type': 'qemu', 'name': 'web', 'node': 'pve1', 'status': 'running', 'ha': True},
        {'vmid': 102, 'type': 'qemu', 'name': 'db', 'node': 'pve2', 'status': 'running'},
    ])
    try:
        up(path)
        yield
    finally:
        sh(LABCTL + ['down'], check=False)


def node_state(host):
    """What a run could change on a node before its card: the packages (with their dpkg selection: a hold), every file
    under /etc/apt with its checksum, and the collection's directory on the host."""
    return on(host, 'sh', '-c', "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' | sort; "
                                "find /etc/apt -type f -exec sha256sum {} + | sort; "
                                "find /var/lib/connectx 2>/dev/null | sort")


def test_a_running_guest_is_refused_by_name_before_the_card_is_touched(three_nodes):
    before, state = flash_writes(), node_state('pve2')
    assert not re.search(r'^mstflint \S+ install ok installed', state, re.M)  # a fresh node: the run would install it
    res = sh(CROSSFLASH + ['--limit', 'pve2'], check=False)
    assert res.returncode != 0
    text = re.sub(r'\s+', ' ', res.stdout)
    assert 'Refused to reboot pve2: pve2 runs guests that a reboot would stop: VM 102 (db)' in text, res.stdout[-3000:]
    assert 'connectx_reboot_guests: shutdown' in text and 'Nothing has been changed' in text
    assert '(before installing the firmware tools' in text, res.stdout[-3000:]
    assert flash_writes() == before and cards()['pve2']['psid'] == 'MT_1090110018'
    # A refused node is left as it was: no package, apt file, hold or staged file (the README's promise).
    assert node_state('pve2') == state
    assert re.search(r'pve2\s*:\s*ok=\d+\s+changed=0\s', res.stdout), res.stdout[-1500:]
    assert re.search(r'^\s+102 db\s+running', on('pve2', 'qm', 'list'), re.M)


def test_with_shutdown_the_guest_is_stopped_for_the_reboot_and_started_again(three_nodes):
    boot = on('pve2', 'cat', '/proc/sys/kernel/random/boot_id')
    res = sh(CROSSFLASH + ['--limit', 'pve2', '-e', 'connectx_reboot_guests=shutdown', '-v'], check=False)
    assert res.returncode == 0, res.stdout[-4000:]
    assert on('pve2', 'cat', '/proc/sys/kernel/random/boot_id') != boot
    assert cards()['pve2']['psid'] == 'MT_1090120019'
    assert re.search(r"stopped_guests:\s*\n\s*-\s+name: db", res.stdout), res.stdout[-4000:]
    assert re.search(r'^\s+102 db\s+running', on('pve2', 'qm', 'list'), re.M)  # not onboot: started by the role
    assert 'Quorate:          Yes' in on('pve1', 'pvecm', 'status')


def test_an_ha_node_enters_maintenance_for_its_reboot_and_leaves_it(three_nodes):
    assert 'service vm:100 (pve1, started)' in on('pve1', 'ha-manager', 'status')
    res = sh(CROSSFLASH + ['--limit', 'pve1', '-v'], check=False)
    assert res.returncode == 0, res.stdout[-4000:]
    assert 'maintenance_entered: true' in res.stdout
    assert cards()['pve1']['psid'] == 'MT_1090120019'
    status = on('pve2', 'ha-manager', 'status')
    assert 'service vm:100 (pve1, started)' in status and 'maintenance mode' not in status, status
    assert 'Quorate:          Yes' in on('pve3', 'pvecm', 'status')


def test_a_two_node_cluster_refuses_a_reboot_that_would_lose_quorum(tmp_path):
    up(topology(tmp_path, ['pve1', 'pve2'], []))
    try:
        res = sh(CROSSFLASH + ['--limit', 'pve1'], check=False)
        assert res.returncode != 0
        text = re.sub(r'\s+', ' ', res.stdout)
        assert ('Refused to reboot pve1: rebooting pve1 would leave the cluster homelab with 1 of the 2 votes it needs'
                in text), res.stdout[-3000:]
        assert 'add a QDevice (pvecm qdevice setup)' in text and 'connectx_reboot: false' in text
        assert '(before installing the firmware tools' in text, res.stdout[-3000:]
        assert re.search(r'pve1\s*:\s*ok=\d+\s+changed=0\s', res.stdout), res.stdout[-1500:]
        assert all(w == 0 for w in flash_writes().values())
        assert not os.path.exists(os.path.join(REPO, '.cache', 'lab', 'backups', 'pve1'))
    finally:
        sh(LABCTL + ['down'], check=False)
