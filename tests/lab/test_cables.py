# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cables, ports and the report (issue 20) on two small labs of their own, through playbooks/site.yml:

- a 56G cable with a generic module trains at 40G (labctl's trained_speed): the link is DEGRADED with the 56G sentence;
  with a Mellanox MC2207130 in both cages it runs 56G and is OK;
- `labctl swap pve1 ens1 ens1d1` (and the same at the far end): DOWN with "the cable is on ens1d1";
- an unplugged cable: exactly one reason in the report;
- a 10G cable on a link declared 40G between an unburned QCBT card (firmware: false) and an FCBT: the QCBT firmware is
  the first likely cause.

Each lab is its own topology (tests/lab/topology.yml's pve1 and pve2, as linux_hosts without a cluster, only ens1
configured, so that ens1d1 is free for the swaps), built once for its tests and removed after. Skipped when not root or
podman/debootstrap are missing.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import shutil
import sys

import pytest
import yaml

from labkit.shell import ANSIBLE_SETTINGS, shell

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LABCTL = [sys.executable, os.path.join(HERE, 'labctl.py')]
CARDCTL = os.path.join(HERE, 'emulator', 'cardctl.py')
INVENTORY = os.path.join(REPO, '.cache', 'lab', 'inventory.yml')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
SITE = os.path.join(REPO, 'playbooks', 'site.yml')
REPORT = os.path.join(REPO, 'reports', 'links.md')
BDF = '0000:03:00.0'
GENERIC = {'vendor': 'Generic', 'part_number': 'QSFP-40G-DAC1M', 'type': 'dac'}
MELLANOX_56G = {'vendor': 'Mellanox', 'part_number': 'MC2207130-001', 'type': 'dac'}
SENTENCE_56G = '56GbE needs a Mellanox DAC (e.g. MC2207130-xxx); this is Generic QSFP-40G-DAC1M'

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('podman') or not shutil.which('debootstrap'),
                                reason='the lab needs root, podman and debootstrap (tests/lab/apt-packages.txt)')


sh = shell(timeout=1800, cwd=REPO, set_env=ANSIBLE_SETTINGS, tail=(6000, 3000), sep='\n')


def site(*extra):
    """site.yml on the lab's inventory; a link that is not as declared fails the run (after the report is written)."""
    return sh([ANSIBLE_PLAYBOOK, '-i', INVENTORY, SITE] + list(extra), check=False)


def report_row(link):
    """The link's row of reports/links.md: {status, declared, negotiated, cable, reasons (the Why column, one reason per <br>)}."""
    with open(REPORT, encoding='utf-8') as handle:
        text = handle.read()
    for line in text.splitlines():
        cells = [c.strip() for c in line.split('|')[1:-1]]
        if len(cells) == 8 and cells[0] == link:
            reasons = [] if cells[7] == '-' else cells[7].split('<br>')
            return {'status': cells[1], 'declared': cells[2], 'negotiated': cells[3], 'cable': cells[4], 'reasons': reasons,
                    'line': line}
    raise AssertionError('no row for %s in\n%s' % (link, text))


def topology(path, pve1_preset='MCX354A-FCBT', speed_mbps=56000, module=None):
    """A two-host topology: pve1:ens1 - pve2:ens1, both hosts' ens1d1 free (a place to swap a cable end to)."""
    with open(os.path.join(HERE, 'topology.yml')) as handle:
        base = yaml.safe_load(handle)
    hosts = {}
    for name, preset in (('pve1', pve1_preset), ('pve2', 'MCX354A-FCBT')):
        host = dict(base['hosts'][name])
        host.update({'group': 'linux_hosts', 'firmware': False, 'vars': {}})
        host['cards'] = [dict(host['cards'][0], preset=preset, slot_width=8)]
        host['interfaces'] = [i for i in host['interfaces'] if i['name'] == 'ens1']
        hosts[name] = host
    topo = {'target_image': base['target_image'], 'management_subnet': base['management_subnet'], 'hosts': hosts,
            'cables': [{'name': 'pve1-pve2', 'a': 'pve1:ens1', 'b': 'pve2:ens1', 'speed_mbps': speed_mbps,
                        'module': module or GENERIC}]}
    with open(path, 'w') as handle:
        yaml.safe_dump(topo, handle)
    return path


@pytest.fixture(scope='module')
def pair(tmp_path_factory):
    """The 56G lab: pve1 and pve2 (MCX354A-FCBT, not burned), one cable declared 56000 with a generic DAC."""
    path = topology(str(tmp_path_factory.mktemp('cables') / 'pair.yml'))
    try:
        sh(LABCTL + ['down'], check=False)
        sh(LABCTL + ['--topology', path, 'up'])
        yield path
    finally:
        sh(LABCTL + ['--topology', path, 'down'], check=False)


def test_a_56g_cable_with_a_generic_module_is_degraded_with_the_56g_sentence(pair):
    """The first run converges the hosts, then link_check fails the link: it trains at 40G over the generic DAC."""
    status = json.loads(sh(LABCTL + ['--topology', pair, 'status']).stdout)
    assert status['cables']['pve1-pve2']['trained_mbps'] == 40000
    res = site()
    assert res.returncode != 0
    assert 'link pve1-pve2, end a (pve1:ens1): speed is 40000 Mb/s, expected 56000 Mb/s' in res.stdout, res.stdout[-4000:]
    row = report_row('pve1-pve2')
    assert (row['status'], row['declared'], row['negotiated']) == ('DEGRADED', '56.0 Gb/s', '40.0 Gb/s'), row
    assert row['cable'] == 'Generic QSFP-40G-DAC1M (DAC, 1 m)', row
    assert len(row['reasons']) == 1 and row['reasons'][0].startswith(SENTENCE_56G), row


@pytest.mark.parametrize('host, end', [('pve1', 'a'), ('pve2', 'b')])
def test_the_cable_on_the_cards_other_port_is_named(pair, host, end):
    """`labctl swap HOST ens1 ens1d1`: ens1's cage is empty, the cable (and its module) is in ens1d1 - at this end or at
    the far end, the link is DOWN with one reason that says where the cable is."""
    sh(LABCTL + ['--topology', pair, 'swap', host, 'ens1', 'ens1d1'])
    try:
        res = site('--tags', 'links')
        assert res.returncode != 0
        row = report_row('pve1-pve2')
        assert row['status'] == 'DOWN', row
        assert row['reasons'] == [u'link pve1-pve2, end %s (%s:ens1): the cable is on ens1d1, not ens1 \u2014 move it back or '
                                  u'change connectx_links' % (end, host)], row
        assert 'the cable is on ens1d1' in res.stdout  # the host's own assertion says it too
    finally:
        sh(LABCTL + ['--topology', pair, 'swap', host, 'ens1d1', 'ens1'])


def replug(host, spec, speed):
    """The cable's module in the host's ens1 cage changed (cardctl, the emulated EEPROM) and the port retrained."""
    root = os.path.join(REPO, '.cache', 'lab', 'hosts', host, 'fakemlx')
    sh([sys.executable, CARDCTL, '--root', root, 'module', '--bdf', BDF, '--port', 'ens1', '--spec', json.dumps(spec)])
    sh(['ip', 'netns', 'exec', 'cxlab-%s' % host, 'ethtool', '-s', 'ens1', 'speed', str(speed), 'duplex', 'full',
        'autoneg', 'off'])


def test_a_56g_cable_that_is_a_mellanox_mc2207130_is_ok(pair):
    """The generic DAC replaced by a Mellanox MC2207130-001 at both ends: the link trains at 56G and is OK."""
    for host in ('pve1', 'pve2'):
        replug(host, MELLANOX_56G, 56000)
    res = site('--tags', 'links')
    assert res.returncode == 0, res.stdout[-4000:]
    row = report_row('pve1-pve2')
    assert (row['status'], row['negotiated'], row['reasons']) == ('OK', '56.0 Gb/s', []), row
    assert row['cable'] == 'Mellanox MC2207130-001 (DAC, 1 m)', row


def test_an_unplugged_cable_is_exactly_one_reason(pair):
    """`labctl unplug`: no carrier at either end, the modules still in the cages - one sentence, not four."""
    sh(LABCTL + ['--topology', pair, 'unplug', 'pve1-pve2'])
    try:
        res = site('--tags', 'links')
        assert res.returncode != 0
        row = report_row('pve1-pve2')
        assert row['status'] == 'DOWN', row
        assert row['reasons'] == ['carrier is down at both ends (pve1:ens1 and pve2:ens1) with a module in both cages '
                                  '(Mellanox MC2207130-001 (DAC, 1 m)): the cable is broken, a fibre is unplugged, or a '
                                  'port is down'], row
        # Each host still fails on its own end, by name.
        assert 'link pve1-pve2, end a (pve1:ens1): carrier is down (cable unplugged or peer port down)' in res.stdout
    finally:
        sh(LABCTL + ['--topology', pair, 'plug', 'pve1-pve2'])


@pytest.fixture(scope='module')
def qcbt(tmp_path_factory, pair):  # pylint: disable=redefined-outer-name,unused-argument
    """The 10G lab (after the 56G lab is down): pve1 an MCX354A-QCBT left unburned, a 10G cable between the two."""
    path = topology(str(tmp_path_factory.mktemp('cables') / 'qcbt.yml'), pve1_preset='MCX354A-QCBT', speed_mbps=10000)
    try:
        sh(LABCTL + ['--topology', pair, 'down'], check=False)
        sh(LABCTL + ['--topology', path, 'up'])
        yield path
    finally:
        sh(LABCTL + ['--topology', path, 'down'], check=False)


def test_10g_on_a_40g_link_with_an_unburned_qcbt_card_names_the_qcbt_firmware_first(qcbt):  # pylint: disable=redefined-outer-name,unused-argument
    """The link declared 40000 in the inventory (the cable trains at 10G): the likely causes start with pve1's QCBT
    firmware, which runs 10 GbE only, and the fix (the crossflash to MCX354A-FCBT)."""
    declared = [{'name': 'pve1-pve2', 'a': {'host': 'pve1', 'iface': 'ens1'}, 'b': {'host': 'pve2', 'iface': 'ens1'},
                 'speed_mbps': 40000}]
    res = site('-e', json.dumps({'connectx_links': declared}))
    assert res.returncode != 0
    row = report_row('pve1-pve2')
    assert (row['status'], row['declared'], row['negotiated']) == ('DEGRADED', '40.0 Gb/s', '10.0 Gb/s'), row
    assert len(row['reasons']) == 1, row
    reason = row['reasons'][0]
    assert reason.startswith('runs at 10000 Mb/s instead of the declared 40000 Mb/s; likely cause'), reason
    first = re.split(r'; \(2\) ', reason)[0]  # the only cause, or cause (1) of a list
    assert "pve1's card is an MCX354A-QCBT (MT_1090110018), whose firmware runs 10000 Mb/s at most in Ethernet: " \
           'crossflash it to MCX354A-FCBT (MT_1090120019)' in first, reason
