# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils/pve.py: the Proxmox VE outputs a reboot depends on, and the decision.

The fixtures in tests/unit/fixtures/pve/ were printed by the lab's Proxmox VE 8 stand-in (tests/lab/host/pve),
whose formats follow pve-cluster, corosync-quorumtool, pve-ha-manager, qemu-server and pve-container (sources in
docs/lab/cluster.md)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.homelab.connectx.plugins.module_utils import pve
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'fixtures', 'pve')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_pvecm_status_of_a_three_node_cluster():
    status = pve.parse_pvecm_status(fixture('pvecm-status-3-nodes.txt'))
    assert (status['name'], status['quorate'], status['expected_votes'], status['total_votes'], status['quorum']) == \
        ('homelab', True, 3, 3, 2)
    assert [(m['nodeid'], m['votes'], m['name'], m['local']) for m in status['members']] == [
        (1, 1, '198.19.0.11', True), (2, 1, '198.19.0.12', False), (3, 1, '198.19.0.13', False)]


def test_pvecm_status_not_quorate_and_with_a_qdevice():
    lost = pve.parse_pvecm_status(fixture('pvecm-status-2-nodes-not-quorate.txt'))
    assert (lost['quorate'], lost['total_votes'], lost['quorum']) == (False, 1, 2)  # "Quorum: 2 Activity blocked"
    qdev = pve.parse_pvecm_status(fixture('pvecm-status-2-nodes-qdevice.txt'))
    expected = [('198.19.0.11', False), ('198.19.0.12', False), ('Qdevice', True)]
    assert [(m['name'], m['qdevice']) for m in qdev['members']] == expected


def test_pvecm_status_without_votequorum_is_a_parse_error():
    with pytest.raises(ParseError):
        pve.parse_pvecm_status(fixture('pvecm-status-standalone.txt'))
    assert pve.NOT_IN_CLUSTER in fixture('pvecm-status-standalone.txt')


# `pvecm nodes` (corosync-quorumtool -l) as the lab's stand-in prints it: tests/lab/host/pve/pvecm membership() /
# nodes(), the outputs tests/lab/test_cluster_standin.py asserts (decimal node ids, names, '%10s ' columns).
PVECM_NODES = ('\nMembership information\n----------------------\n'
               '    Nodeid      Votes Name\n'
               '         1          1 pve1\n'
               '         2          1 pve2 (local)\n'
               '         3          1 pve3\n')
PVECM_NODES_QDEVICE = ('\nMembership information\n----------------------\n'
                       '    Nodeid      Votes    Qdevice Name\n'
                       '         1          1    A,V,NMW pve1 (local)\n'
                       '         2          1    A,V,NMW pve2\n'
                       '         0          1            Qdevice\n')


def test_pvecm_nodes_names_and_the_local_row():
    assert pve.parse_pvecm_nodes(PVECM_NODES) == [
        {'nodeid': 1, 'votes': 1, 'name': 'pve1', 'local': False, 'qdevice': False},
        {'nodeid': 2, 'votes': 1, 'name': 'pve2', 'local': True, 'qdevice': False},
        {'nodeid': 3, 'votes': 1, 'name': 'pve3', 'local': False, 'qdevice': False}]


def test_pvecm_nodes_with_a_qdevice_column_and_row():
    assert pve.parse_pvecm_nodes(PVECM_NODES_QDEVICE) == [
        {'nodeid': 1, 'votes': 1, 'name': 'pve1', 'local': True, 'qdevice': False},
        {'nodeid': 2, 'votes': 1, 'name': 'pve2', 'local': False, 'qdevice': False},
        {'nodeid': 0, 'votes': 1, 'name': 'Qdevice', 'local': False, 'qdevice': True}]


def test_pvecm_nodes_a_name_in_capitals_is_a_name():
    # Without a Qdevice column a word in capitals is the node name, never taken for a QDevice state.
    text = '    Nodeid      Votes Name\n         1          3 PVE (local)\n         2          1 NMW\n'
    assert [(r['name'], r['votes'], r['local']) for r in pve.parse_pvecm_nodes(text)] == [('PVE', 3, True), ('NMW', 1, False)]


@pytest.mark.parametrize('text', [
    'Cannot initialize CMAP service\n',
    '    Nodeid      Votes Name\n         1          1 pve1 extra (local)\n',
    '    Nodeid      Votes    Qdevice Name\n         1          1 pve1 (local)\n',
    '    Nodeid      Votes Name\n         x          1 pve1\n',
])
def test_pvecm_nodes_other_lines_are_a_parse_error(text):
    with pytest.raises(ParseError):
        pve.parse_pvecm_nodes(text)


def test_pvecm_nodes_empty_output_has_no_rows():
    assert pve.parse_pvecm_nodes('') == []


def test_ha_status_services_and_lrm_modes():
    ha = pve.parse_ha_status(fixture('ha-manager-status.txt'))
    assert ha['quorum_ok'] and ha['services'] == [{'sid': 'vm:100', 'node': 'pve1', 'state': 'started'}]
    assert ha['lrm'] == {'pve1': 'active', 'pve2': 'idle', 'pve3': 'idle'}
    moved = pve.parse_ha_status(fixture('ha-manager-status-maintenance.txt'))
    assert moved['lrm']['pve1'] == 'maintenance mode' and moved['services'][0]['node'] == 'pve2'


def test_qm_and_pct_lists():
    assert pve.parse_qm_list(fixture('qm-list.txt')) == [
        {'vmid': 100, 'name': 'web', 'status': 'running', 'type': 'qemu'},
        {'vmid': 101, 'name': 'build', 'status': 'stopped', 'type': 'qemu'},
        {'vmid': 103, 'name': 'VM 103', 'status': 'running', 'type': 'qemu'},  # the default name has a space
    ]
    assert pve.parse_pct_list(fixture('pct-list.txt')) == [
        {'vmid': 201, 'status': 'running', 'lock': '', 'name': 'CT201', 'type': 'lxc'}]
    assert pve.parse_qm_list('') == [] and pve.parse_pct_list('') == []
    with pytest.raises(ParseError):
        pve.parse_qm_list('garbage line\n')


def guests():
    return pve.parse_qm_list(fixture('qm-list.txt')) + pve.parse_pct_list(fixture('pct-list.txt'))


def test_decide_refuses_running_guests_by_name_and_lets_ha_ones_move():
    cluster = pve.parse_pvecm_status(fixture('pvecm-status-3-nodes.txt'))
    ha = pve.parse_ha_status(fixture('ha-manager-status.txt'))
    plan = pve.decide('pve1', cluster, ha, guests())
    assert not plan['ok'] and plan['reason'] == 'guests_running'
    assert plan['message'] == 'pve1 runs guests that a reboot would stop: VM 103 (VM 103), CT 201 (CT201)'
    assert 'connectx_reboot_guests: shutdown' in plan['fix']
    plan = pve.decide('pve1', cluster, ha, guests(), policy='shutdown')
    assert plan['ok'] and plan['maintenance']
    assert [g['vmid'] for g in plan['shutdown']] == [103, 201] and [g['vmid'] for g in plan['ha_guests']] == [100]


def test_decide_already_in_maintenance_does_not_enter_it_again():
    cluster = pve.parse_pvecm_status(fixture('pvecm-status-3-nodes.txt'))
    ha = pve.parse_ha_status(fixture('ha-manager-status-maintenance.txt'))
    ha['services'].append({'sid': 'ct:300', 'node': 'pve1', 'state': 'started'})
    assert pve.decide('pve1', cluster, ha, [])['maintenance'] is False


def test_decide_quorum():
    three = pve.parse_pvecm_status(fixture('pvecm-status-3-nodes.txt'))
    assert pve.decide('pve1', three, None, [])['ok']
    plan = pve.decide('pve1', three, None, [], parallel=2)
    assert plan['reason'] == 'quorum_loss' and 'together with 1 other node(s)' in plan['message']
    assert 'lower connectx_reboot_parallel' in plan['fix']
    down = pve.parse_pvecm_status(fixture('pvecm-status-3-nodes-one-down.txt'))
    plan = pve.decide('pve1', down, None, [])
    assert plan['reason'] == 'quorum_loss'
    assert plan['message'] == ('rebooting pve1 would leave the cluster homelab with 1 of the 2 votes it needs '
                               '(expected 3, online 2)')
    assert 'QDevice' in plan['fix'] and 'connectx_reboot: false' in plan['fix']
    lost = pve.parse_pvecm_status(fixture('pvecm-status-2-nodes-not-quorate.txt'))
    assert pve.decide('pve1', lost, None, [])['reason'] == 'not_quorate'
    qdev = pve.parse_pvecm_status(fixture('pvecm-status-2-nodes-qdevice.txt'))
    assert pve.decide('pve1', qdev, None, [])['ok']
    assert pve.decide('pve1', qdev, None, [], parallel=2)['reason'] == 'quorum_loss'


def test_decide_standalone_node_checks_guests_only():
    assert pve.decide('pve9', None, None, [])['ok']
    assert pve.decide('pve9', None, None, guests())['reason'] == 'guests_running'
