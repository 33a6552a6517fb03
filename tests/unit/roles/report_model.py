# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the link_check report templates the way the role does (Jinja2), from a lab-like model: the lab's cables
(modules from its real ethtool -m captures), crossflashed cards, short or FQDN-long host names."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import jinja2

from conftest import load_fixture

from ansible_collections.homelab.connectx.plugins.module_utils import parse_ethtool
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


# The topology's cable modules, as link_info reads them: the lab's real ethtool 6.1 captures.
MODULES = {'pve1-pve2': 'lab-ethtool-m-dac-generic.txt', 'pve1-pve3': 'lab-ethtool-m-dac.txt', 'pve3-ws1': 'lab-ethtool-m-aoc.txt'}
# Host names as long as a homelab gives them (FQDNs): the diagram and the tables must still fit.
LONG_NAMES = {'pve1': 'pve-node-01.homelab.example.internal', 'pve2': 'pve-node-02-in-the-garage.homelab.example.internal',
              'pve3': 'pve3.lan', 'ws1': 'windows-or-linux-workstation-upstairs.example.internal'}


def module(name):
    text = load_fixture('ethtool/%s' % name)[0]
    return parse_ethtool.module_info(text, text, 0)


def _renamed(value, names):
    """``value`` (links, interfaces) with the host names of ``names`` replaced."""
    if isinstance(value, dict):
        return dict((names.get(k, k), _renamed(v, names)) for k, v in value.items())
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def ends_and_links(unplugged=('pve3-ws1',), names=None):
    """The evaluated ends of every host (as link_check sets them) and the declared links, hosts renamed by ``names``."""
    names = names or {}
    declared, ifaces = _renamed(LINKS, names), _renamed(IFACES, names)
    ends = []
    for short in ('pve1', 'pve2', 'pve3', 'ws1'):
        host = names.get(short, short)
        for end in links.link_ends(declared, host, ifaces):
            up = end['link'] not in unplugged
            state = {'speed_mbps': end['speed_mbps'] if up else None, 'carrier': up, 'duplex': 'full' if up else None,
                     'driver': 'mlx4_en', 'mtu': 1500, 'module': module(MODULES[end['link']]),
                     'card_ports': ['ens1', 'ens1d1']}
            device = {'pci_address': '0000:03:00.0', 'netdevs': ['ens1', 'ens1d1'], 'fw_version': '2.42.5000',
                      'psid': 'MT_1090120019', 'pcie': X4 if short == 'pve2' else X8}
            ends.append(links.evaluate_end(end, state, 0 if up else 1, device))
    return declared, ends


MEASURED = [{'link': 'pve1-pve2', 'direction': 'a->b', 'gbps': 27.4}, {'link': 'pve1-pve2', 'direction': 'b->a', 'gbps': 27.9}]


def model(unplugged=('pve3-ws1',), names=None):
    declared, ends = ends_and_links(unplugged, names)
    return links.link_report(declared, ends, MEASURED)


def render(name, report=None):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    return env.get_template(name).render(_connectx_lc_model=report or model(), _connectx_lc_generated='2026-11-25T10:00:00Z')
