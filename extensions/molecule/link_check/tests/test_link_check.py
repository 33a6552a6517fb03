# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""link_check: the cabled ports run at 40000Mb/s full duplex with carrier, the peer answers, and the
report says the pve1-pve2 link is limited by pve2's PCIe 3.0 x4 slot."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re


def ethtool(host, iface):
    out = host.check_output('ethtool %s' % iface)
    return dict((k.strip(), v.strip()) for k, v in (line.split(':', 1) for line in out.splitlines() if ':' in line))


def test_port_speed_duplex_and_carrier(host):
    info = ethtool(host, 'ens1')
    assert info['Speed'] == '40000Mb/s'
    assert info['Duplex'] == 'Full'
    assert info['Link detected'] == 'yes'


def test_peer_answers_over_the_cable(host, lab_host, lab_vars, lab_hostvars):
    link = lab_vars['connectx_links'][0]
    peer = link['b'] if link['a']['host'] == lab_host else link['a']
    address = [c['address'] for c in lab_hostvars[peer['host']]['connectx_interfaces'] if c['name'] == peer['iface']][0]
    host.run_expect([0], 'ping -c 2 -W 2 -I ens1 %s' % address.split('/')[0])


def test_report_flags_the_pcie_x4_ceiling(lab):
    with open(os.path.join(lab.ephemeral, 'reports', 'links.md')) as handle:
        report = handle.read()
    assert os.path.getsize(os.path.join(lab.ephemeral, 'reports', 'links.html')) > 1000
    line = [row for row in report.splitlines() if 'pve1-pve2' in row and '|' in row][0]
    assert 'DEGRADED' in line.upper()
    assert 'PCIe 3.0 x4' in report and '31.5' in report
    # iperf3 ran both ways and its numbers are in the report.
    assert re.search(r'\d+(\.\d+)? Gb/s', report)
