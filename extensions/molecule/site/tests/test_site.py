# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""site: every host from a second-hand card to an asserted link, checked with the real tools."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os

TARGET = ('MT_1090120019', '2.42.5000')


def ethtool(host, iface):
    out = host.check_output('ethtool %s' % iface)
    return dict((k.strip(), v.strip()) for k, v in (line.split(':', 1) for line in out.splitlines() if ':' in line))


def test_firmware(host, lab_host, lab):
    query = lab.flint_query(host)
    card = lab.card_state(lab_host)
    assert (query['PSID'], query['FW Version']) == TARGET
    assert card['running_fw'] == TARGET[1]
    crossflashed = lab_host in ('pve1', 'pve2')  # the QCBT cards; pve3 and ws1 came as FCBT
    assert (card['counters']['flash_program_ops'] > 0) == crossflashed
    # A backup is taken before a burn (connectx_firmware_backup_always is off): only the
    # crossflashed cards have one, and a card at the target was not touched at all.
    sums = os.path.join(lab.state, 'backups', lab_host, 'SHA256SUMS')
    assert os.path.exists(sums) == crossflashed
    if crossflashed:
        for line in open(sums):
            digest, name = line.split()
            assert lab.sha256(os.path.join(os.path.dirname(sums), name.lstrip('*'))) == digest


def test_ports_are_ethernet(host, lab):
    config = lab.mstconfig_query(host)
    assert (config['LINK_TYPE_P1'], config['LINK_TYPE_P2']) == ('ETH(2)', 'ETH(2)')


def test_driver(host):
    modules = [line.split()[0] for line in host.file('/proc/modules').content_string.splitlines() if line.strip()]
    assert 'mlx4_en' in modules and 'mlx4_ib' not in modules
    assert 'blacklist mlx4_ib' in host.file('/etc/modprobe.d/connectx-blacklist.conf').content_string


def test_interfaces(host, lab_host, lab_hostvars):
    names = [conf['name'] for conf in lab_hostvars[lab_host]['connectx_interfaces']]
    host.run_expect([0], 'ifquery --check %s' % ' '.join(names))
    assert 'UP' in host.check_output('ip -o link show mgmt0')


def test_links(host, lab_host, lab_vars, lab_hostvars):
    for link in lab_vars['connectx_links']:
        for me, peer in ((link['a'], link['b']), (link['b'], link['a'])):
            if me['host'] != lab_host:
                continue
            info = ethtool(host, me['iface'])
            assert info['Speed'] == '%dMb/s' % link['speed_mbps'], link['name']
            assert (info['Duplex'], info['Link detected']) == ('Full', 'yes'), link['name']
            address = [c['address'] for c in lab_hostvars[peer['host']]['connectx_interfaces'] if c['name'] == peer['iface']][0]
            host.run_expect([0], 'ping -c 1 -W 2 -I %s %s' % (me['iface'], address.split('/')[0]))


def test_report(lab, lab_vars):
    with open(os.path.join(lab.ephemeral, 'reports', 'links.md')) as handle:
        rows = [row for row in handle.read().splitlines() if row.startswith('|')]
    status = {}
    for link in lab_vars['connectx_links']:
        status[link['name']] = [row for row in rows if link['name'] in row][0].upper()
    assert 'DEGRADED' in status['pve1-pve2']
    assert 'OK' in status['pve1-pve3'] and 'OK' in status['pve3-ws1']
    assert glob.glob(os.path.join(lab.ephemeral, 'reports', 'links.html'))
