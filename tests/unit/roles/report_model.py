# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the link_check report templates the way the role does (Jinja2), from a lab-like model."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import jinja2

from ansible_collections.homelab.connectx.plugins.plugin_utils import links

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATES = os.path.join(REPO, 'roles', 'link_check', 'templates')

# The lab's default topology: pve2 sits in a PCIe 3.0 x4 slot; the pve3-ws1 cable is unplugged.
LINKS = [
    {'name': 'pve1-pve2', 'a': {'host': 'pve1', 'iface': 'ens1'}, 'b': {'host': 'pve2', 'iface': 'ens1'}, 'speed_mbps': 40000},
    {'name': 'pve1-pve3', 'a': {'host': 'pve1', 'iface': 'ens1d1'}, 'b': {'host': 'pve3', 'iface': 'ens1'}, 'speed_mbps': 56000},
    {'name': 'pve3-ws1', 'a': {'host': 'pve3', 'iface': 'ens1d1'}, 'b': {'host': 'ws1', 'iface': 'ens1'}, 'speed_mbps': 40000},
]
IFACES = {
    'pve1': [{'name': 'ens1', 'address': '198.18.1.1/30'}, {'name': 'ens1d1', 'address': '198.18.2.1/30'}],
    'pve2': [{'name': 'ens1', 'address': '198.18.1.2/30'}],
    'pve3': [{'name': 'ens1', 'address': '198.18.2.2/30'}, {'name': 'ens1d1', 'address': '198.18.3.1/30'}],
    'ws1': [{'name': 'ens1', 'address': '198.18.3.2/30'}],
}
X8 = {'speed_gts': 8.0, 'width': 8, 'max_speed_gts': 8.0, 'max_width': 8, 'ceiling_gbps': 63.0, 'usable_gbps': 57.6,
      'degraded': False, 'warnings': []}
X4 = {'speed_gts': 8.0, 'width': 4, 'max_speed_gts': 8.0, 'max_width': 8, 'ceiling_gbps': 31.5, 'usable_gbps': 28.8,
      'degraded': True, 'warnings': ['PCIe link runs at x4, the card can do x8: the slot limits it to 31.5 Gb/s']}


def model(unplugged=('pve3-ws1',)):
    ends = []
    for host in ('pve1', 'pve2', 'pve3', 'ws1'):
        for end in links.link_ends(LINKS, host, IFACES):
            up = end['link'] not in unplugged
            state = {'speed_mbps': end['speed_mbps'] if up else None, 'carrier': up, 'duplex': 'full' if up else None,
                     'driver': 'mlx4_en', 'mtu': 1500}
            device = {'pci_address': '0000:03:00.0', 'netdevs': ['ens1', 'ens1d1'], 'fw_version': '2.42.5000',
                      'pcie': X4 if host == 'pve2' else X8}
            ends.append(links.evaluate_end(end, state, 0 if up else 1, device))
    return links.link_report(LINKS, ends, [{'link': 'pve1-pve2', 'direction': 'a->b', 'gbps': 27.4},
                                           {'link': 'pve1-pve2', 'direction': 'b->a', 'gbps': 27.9}])


def render(name, report=None):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    return env.get_template(name).render(_connectx_lc_model=report or model(), _connectx_lc_generated='2026-11-25T10:00:00Z')
