# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The topology schema (tests/lab/labkit/topology.py) without the lab: no root, no podman, nothing built.

Every topology the repo ships passes; each kind of bad input is refused with one line naming the field (the messages
labctl has always given); the first failure is the first field in the order they are checked; `labctl up` on a bad
topology stops before anything is built.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import glob
import os
import sys

import jsonschema
import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import labctl  # noqa: E402  pylint: disable=wrong-import-position,import-error
from labkit import topology  # noqa: E402  pylint: disable=wrong-import-position,import-error
from labkit.common import LabError  # noqa: E402  pylint: disable=wrong-import-position,import-error

CARD = {'bdf': '0000:03:00.0', 'preset': 'MCX354A-QCBT', 'slot_speed': 8, 'slot_width': 8, 'netdevs': ['ens1', 'ens1d1']}
BASE = {
    'target_image': 'MCX354A-FCBT',
    'management_subnet': '198.19.0.0/24',
    'hosts': {
        'h1': {'group': 'proxmox', 'management': '198.19.0.20', 'cards': [dict(CARD)],
               'interfaces': [{'name': 'ens1', 'address': '198.18.1.1/30'}]},
        'h2': {'group': 'linux_hosts', 'management': '198.19.0.21', 'login': 'cxadmin', 'cards': [dict(CARD)],
               'vars': {'connectx_iperf3': True}},
    },
    'cables': [{'name': 'h1-h2', 'a': 'h1:ens1', 'b': 'h2:ens1', 'speed_mbps': 56000,
                'module': {'vendor': 'Mellanox', 'part_number': 'MC2207130-001', 'type': 'dac'}}],
}
PRESETS = ', '.join(sorted(topology.build_image.PRESETS))
DELETE = object()


def changed(*edits):
    """BASE with each (path, value) set (DELETE removes the field)."""
    topo = copy.deepcopy(BASE)
    for path, value in edits:
        node = topo
        for part in path[:-1]:
            node = node[part]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return topo


def refusal(topo):
    with pytest.raises(LabError) as info:
        topology.check_topology(topo, '/x/topology.yml')
    return str(info.value)


@pytest.mark.parametrize('path', [os.path.join(HERE, 'topology.yml')]
                         + sorted(glob.glob(os.path.join(REPO, 'extensions', 'molecule', 'resources', 'topology-*.yml'))))
def test_the_shipped_topologies_pass(path):
    topo = topology.load_topology(path)
    assert topology.topology_errors(topo) == []


def test_the_schema_is_a_valid_json_schema_and_names_what_each_field_must_be():
    jsonschema.Draft202012Validator.check_schema(topology.TOPOLOGY_SCHEMA)
    assert topology.check_topology(copy.deepcopy(BASE)) == BASE


@pytest.mark.parametrize('edits, message', [
    ([(('hosts',), {})], 'topology /x/topology.yml: field "hosts" must be a mapping of host names'),
    ([(('hosts',), DELETE)], 'topology /x/topology.yml: field "hosts" must be a mapping of host names'),
    ([(('hosts',), ['h1'])], 'topology /x/topology.yml: field "hosts" must be a mapping of host names'),
    ([(('management_subnet',), '198.19.0.1/24')], 'topology: field "management_subnet" must be an IPv4 network, got \'198.19.0.1/24\''),
    ([(('management_subnet',), '10.0.0.0/24')],
     'topology: field "management_subnet" must be inside 198.18.0.0/15 (benchmark range), got 10.0.0.0/24'),
    ([(('target_image',), 'MCX999')], 'topology: field "target_image" must be one of %s, got \'MCX999\'' % PRESETS),
    ([(('target_image',), DELETE)], 'topology: field "target_image" must be one of %s, got None' % PRESETS),
    ([(('hosts', 'Big_Host'), BASE['hosts']['h1'])],
     'topology: hosts.Big_Host: host name must be lower-case letters, digits, dashes (max 16)'),
    ([(('hosts', 'h1'), 'proxmox')], 'topology: hosts.h1: must be a mapping'),
    ([(('hosts', 'h1', 'group'), 'nas')], "topology: hosts.h1.group: must be proxmox or linux_hosts, got 'nas'"),
    ([(('hosts', 'h1', 'group'), DELETE)], 'topology: hosts.h1.group: must be proxmox or linux_hosts, got None'),
    ([(('hosts', 'h1', 'management'), '198.19.0.300')], "topology: hosts.h1.management: not an IP address: '198.19.0.300'"),
    ([(('hosts', 'h1', 'management'), '198.19.1.20')],
     'topology: hosts.h1.management: 198.19.1.20 is not in management_subnet 198.19.0.0/24'),
    ([(('hosts', 'h1', 'os'), 'pve7')], "topology: hosts.h1.os: must be one of pve8, pve9, got 'pve7'"),
    ([(('hosts', 'h2', 'login'), 'Admin')], "topology: hosts.h2.login: not a user name: 'Admin'"),
    ([(('hosts', 'h2', 'vars'), {'iperf3': True})],
     "topology: hosts.h2.vars: must map connectx_* variable names to values, got {'iperf3': True}"),
    ([(('hosts', 'h1', 'cards'), [])], 'topology: hosts.h1.cards: must be a non-empty list'),
    ([(('hosts', 'h1', 'cards', 0), 'MCX354A-QCBT')], 'topology: hosts.h1.cards[0]: must be a mapping'),
    ([(('hosts', 'h1', 'cards', 0, 'preset'), 'MCX999')],
     "topology: hosts.h1.cards[0].preset: unknown preset/PSID 'MCX999' (known: %s)" % PRESETS),
    ([(('hosts', 'h1', 'cards', 0, 'bdf'), '03:00.0')],
     "topology: hosts.h1.cards[0].bdf: not a PCI address like 0000:03:00.0: '03:00.0'"),
    ([(('hosts', 'h1', 'cards', 0, 'vsc'), 'yes')], "topology: hosts.h1.cards[0].vsc: must be true or false, got 'yes'"),
    ([(('hosts', 'h1', 'cards', 0, 'slot_speed'), 16)],
     'topology: hosts.h1.cards[0].slot_speed/slot_width: must be 2.5|5|8 GT/s and 1|2|4|8|16 lanes'),
    ([(('hosts', 'h1', 'cards', 0, 'slot_width'), DELETE)],
     'topology: hosts.h1.cards[0].slot_speed/slot_width: must be 2.5|5|8 GT/s and 1|2|4|8|16 lanes'),
    ([(('hosts', 'h1', 'interfaces', 0, 'name'), 'ens2')], "topology: hosts.h1.interfaces[0].name: 'ens2' is not a port of this host"),
    ([(('hosts', 'h1', 'interfaces', 0, 'address'), 'eth0')],
     "topology: hosts.h1.interfaces[0].address: not an address/prefix: 'eth0'"),
    ([(('cables', 0, 'name'), '')], 'topology: cables[0].name: every cable needs a name'),
    ([(('cables', 0), 'h1-h2')], 'topology: cables[0].name: every cable needs a name'),
    ([(('cables', 0, 'b'), 'h2:ens2')], "topology: cables[0].b: 'h2:ens2' is not host:port of a card in the topology"),
    ([(('cables', 0, 'b'), 'h1:ens1')], 'topology: cables[0].b: port h1:ens1 is already cabled'),
    ([(('cables', 0, 'speed_mbps'), 25000)], 'topology: cables[0].speed_mbps: must be 10000, 40000 or 56000, got 25000'),
    ([(('cables', 0, 'module'), 'MC2207130')],
     'topology: cables[0].module: must be a mapping like {vendor: Mellanox, part_number: MC2207130-001, type: dac}'),
    ([(('cables', 0, 'module', 'type'), 'cat6')],
     "topology: cables[0].module.type: unknown module type 'cat6' (known: dac, aoc, sr4, qsa)"),
    ([(('cables', 0, 'module', 'colour'), 'blue')],
     'topology: cables[0].module.colour: unknown field (known: %s)' % ', '.join(topology.emulated_cards.MODULE_KEYS)),
    ([(('cluster',), {'name': 'lab', 'nodes': ['h1', 'pve9']})], 'topology: cluster.nodes[1]: host "pve9" is not in hosts'),
])
def test_a_bad_topology_is_refused_with_the_field_named(edits, message):
    assert refusal(changed(*edits)) == message


def test_the_first_failure_is_the_first_field_checked():
    # Three things wrong: the subnet is checked before the hosts, a host's name before its fields, group before cards.
    topo = changed((('management_subnet',), '10.0.0.0/24'), (('hosts', 'h1', 'group'), 'nas'), (('hosts', 'h1', 'cards'), []))
    errors = topology.topology_errors(topo)
    assert errors[0].startswith('topology: field "management_subnet" must be inside 198.18.0.0/15')
    group = errors.index("topology: hosts.h1.group: must be proxmox or linux_hosts, got 'nas'")
    assert 0 < group < errors.index('topology: hosts.h1.cards: must be a non-empty list')
    assert refusal(topo) == errors[0]
    late = changed((('cables', 0, 'speed_mbps'), 1), (('hosts', 'h2', 'cards', 0, 'bdf'), 'x'))
    assert refusal(late).startswith('topology: hosts.h2.cards[0].bdf:')


def test_no_topology_at_all_is_refused():
    assert refusal(None) == 'topology /x/topology.yml: field "hosts" must be a mapping of host names'
    assert refusal(['hosts']) == 'topology /x/topology.yml: field "hosts" must be a mapping of host names'


def test_an_unreadable_or_broken_file_is_named(tmp_path):
    with pytest.raises(LabError, match=r'^topology .*/missing.yml: cannot read it \(No such file or directory\)$'):
        topology.load_topology(str(tmp_path / 'missing.yml'))
    broken = tmp_path / 'broken.yml'
    broken.write_text('hosts: [unclosed\n')
    with pytest.raises(LabError, match=r'^topology .*/broken.yml: not valid YAML \('):
        topology.load_topology(str(broken))


def test_labctl_up_refuses_a_bad_topology_before_anything_is_built(tmp_path, monkeypatch, capsys):
    def built(*_args, **_kw):
        raise AssertionError('labctl went on to build the lab')
    for name in ('cmd_up', 'cmd_down', 'cmd_wire', 'cmd_status', 'write_inventory', 'wire'):
        monkeypatch.setattr(labctl, name, built)
    path = tmp_path / 'topology.yml'
    path.write_text(yaml.safe_dump(changed((('cables', 0, 'module', 'type'), 'cat6'))))
    assert labctl.main(['--topology', str(path), 'up']) == 1
    assert capsys.readouterr().err == ("lab: error: topology: cables[0].module.type: unknown module type 'cat6' "
                                       "(known: dac, aoc, sr4, qsa)\n")
