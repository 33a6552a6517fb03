# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The card tool per host in the link report: version, package, hold."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import link_run as link_filters
from ansible_collections.homelab.connectx.plugins.plugin_utils import links

HELD = {'name': 'mstflint', 'version': '4.21.0', 'supports_connectx3': True, 'installed': True,
        'package': 'mstflint', 'package_version': '4.21.0+1-1', 'held': True}


@pytest.mark.parametrize('state, text', [
    (HELD, 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)'),
    (dict(HELD, held=False), 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, not held: apt upgrade may replace it)'),
    (dict(HELD, version='4.31.0', package_version='4.31.0+1-1', supports_connectx3=False),
     'mstflint 4.31.0 (package mstflint 4.31.0+1-1, held) - does not support ConnectX-3'),
    ({'name': 'mft', 'version': '4.22.1', 'installed': True, 'package': 'mft', 'package_version': None, 'held': None},
     'mft 4.22.1'),
    ({'name': 'mft', 'version': '4.22.1', 'installed': True, 'package': 'mft', 'package_version': '4.22.1-1', 'held': False},
     'mft 4.22.1 (package mft 4.22.1-1, not held)'),
    ({'name': 'mstflint', 'installed': False, 'package': 'mstflint'}, 'mstflint not installed'),
    ({}, '-'),
])
def test_tool_text(state, text):
    assert link_filters.tool_text(state) == text


def test_the_report_lists_each_host_with_its_tool():
    hostvars = {'pve1': {'connectx_tools_state': HELD}, 'ws9': {}}
    hosts = link_filters.tools_by_host(hostvars, ['pve1', 'ws9', 'not-in-inventory'])
    assert hosts == {'pve1': {'tool': HELD, 'tool_text': 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)', 'system': None}}
    model = links.link_report([], [], hosts=hosts)
    assert model['hosts'] == [{'name': 'pve1', 'tool': HELD, 'tool_text': 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)',
                               'system': None}]


DEBIAN12 = {'id': 'debian', 'version_id': '12', 'version_codename': 'bookworm', 'pretty_name': 'Debian GNU/Linux 12 (bookworm)'}
DEBIAN13 = {'id': 'debian', 'version_id': '13', 'version_codename': 'trixie', 'pretty_name': 'Debian GNU/Linux 13 (trixie)'}


def test_a_proxmox_ve_9_node_shows_its_release_and_where_its_mstflint_comes_from():
    # As the lab's run of site.yml on a Proxmox VE 8 and a Proxmox VE 9 node reports them.
    hostvars = {'pve1': {'connectx_tools_state': HELD, 'connectx_node': {'os': DEBIAN12}},
                'pve2': {'connectx_tools_state': HELD, 'connectx_node': {'os': DEBIAN13}},
                'pve9': {'connectx_tools_state': dict(HELD, version='4.31.0', package_version='4.31.0+1-4', held=False,
                                                      supports_connectx3=False), 'connectx_node': {'os': DEBIAN13}}}
    hosts = link_filters.tools_by_host(hostvars, ['pve1', 'pve2', 'pve9'])
    assert hosts['pve1']['tool_text'] == 'mstflint 4.21.0 (package mstflint 4.21.0+1-1, held)'
    assert hosts['pve1']['system'] == 'Debian GNU/Linux 12 (bookworm)'
    assert hosts['pve2']['tool_text'] == 'mstflint 4.21.0 (package mstflint 4.21.0+1-1 from Debian 12 bookworm, pinned, held)'
    assert hosts['pve2']['system'] == 'Debian GNU/Linux 13 (trixie)'
    assert hosts['pve9']['tool_text'] == ('mstflint 4.31.0 (package mstflint 4.31.0+1-4, not held: apt upgrade may replace it) '
                                          '- does not support ConnectX-3')


# --- The plan, the summary lines and the iperf3 runs (link_plan, link_evaluate, link_iperf) ---------------------------

import jinja2  # noqa: E402  (the summary line against the Jinja the roles printed it with before)

from conftest import load_fixture  # noqa: E402
from ansible_collections.homelab.connectx.plugins.module_utils import parse_ethtool  # noqa: E402
from ansible_collections.homelab.connectx.plugins.plugin_utils import parse_windows  # noqa: E402

PAIR = [{'name': 'pve1-pve2', 'a': {'host': 'pve1', 'iface': 'ens1'}, 'b': {'host': 'pve2', 'iface': 'ens1'},
         'speed_mbps': 40000},
        {'name': 'pve2-ws1', 'a': {'host': 'pve2', 'iface': 'ens1d1'}, 'b': {'host': 'ws1', 'iface': 'Ethernet 3'},
         'speed_mbps': 40000}]
HOSTVARS = {'pve1': {'connectx_links': PAIR[:1], 'connectx_interfaces': [{'name': 'ens1', 'address': '198.18.1.1/30'}]},
            'pve2': {'connectx_links': PAIR[1:],
                     'connectx_interfaces': [{'name': 'ens1', 'address': '198.18.1.2/30'},
                                             {'name': 'ens1d1', 'address': '198.18.2.1/30'}]},
            'ws1': {'connectx_interfaces': [{'name': 'Ethernet 3', 'address': '198.18.2.2/30'}]}}


def test_run_hosts_keeps_the_far_ends_that_limit_kept():
    assert link_filters.run_hosts(['pve1', 'pve2'], ['ws1', 'ws2']) == ['pve1', 'pve2', 'ws1', 'ws2']
    assert link_filters.run_hosts(['pve2'], ['ws1', 'ws2'], ['pve2', 'ws2']) == ['pve2', 'ws2']
    assert link_filters.run_hosts(['pve2'], None, []) == ['pve2']


def test_plan_merges_the_links_of_every_host_and_gives_this_hosts_ends():
    problems, plan = link_filters.plan([], HOSTVARS, ['pve1', 'pve2', 'ws1'], ['pve1', 'pve2', 'ws1'], 'pve2')
    assert problems == []
    assert [link['name'] for link in plan['links']] == ['pve1-pve2', 'pve2-ws1']
    assert [(e['link'], e['end'], e['peer_address'], e['peer_in_run']) for e in plan['ends']] == [
        ('pve1-pve2', 'b', '198.18.1.1', True), ('pve2-ws1', 'a', '198.18.2.2', True)]
    # --limit pve1: the Windows end is not in the run; the link pve2-ws1 has no end in it.
    problems, plan = link_filters.plan([], HOSTVARS, ['pve1'], ['pve1', 'pve2', 'ws1'], 'pve1')
    assert problems == [] and [link['name'] for link in plan['links']] == ['pve1-pve2']
    assert plan['ends'][0]['peer_in_run'] is False


def test_plan_refuses_a_host_outside_the_inventory():
    bad = [dict(PAIR[0], b={'host': 'nas9', 'iface': 'eth0'}, name='x')]
    problems, _plan = link_filters.plan(bad, HOSTVARS, ['pve1', 'pve2'], ['pve1', 'pve2', 'ws1'], 'pve1')
    assert problems[0].startswith('link x: end b names host nas9, which is not in this play or the inventory')


# The debug messages of check.yml and windows_host's links.yml before the summary moved into Python.
OLD_LINUX = """{{ item.link }} end {{ item.end }} {{ item.host }}:{{ item.iface }} -> {{ item.peer_host }}:{{ item.peer_iface }}: \
{{ item.state.speed_mbps | default('?', true) }} Mb/s {{ item.state.duplex | default('?', true) }}, \
carrier {{ item.state.carrier | default('?') }}, {{ item.state.driver | default('?', true) }}, MTU {{ item.state.mtu | default('?') }}; \
cable {{ (item.module | default({}, true)).summary | default((item.module | default({}, true)).reason | default('?', true), true) }}; \
card {{ item.card.text | default(item.pci_address, true) | default('?', true) }}, PCIe ceiling {{ item.pcie.ceiling_gbps | default('?', true) }} Gb/s\
{%- if item.pcie_limited %} (below the link speed: the slot limits this link){% endif %}. \
{{ 'OK' if item.errors | length == 0 else 'FAILED: ' ~ item.errors | join('; ') }}"""
OLD_WINDOWS = """{{ item.link }} end {{ item.end }} {{ item.host }}:{{ item.iface }} -> {{ item.peer_host }}:{{ item.peer_iface }}: \
{{ item.state.speed_mbps | default('?', true) }} Mb/s {{ item.state.duplex | default('?', true) }}, \
carrier {{ item.state.carrier | default('?') }}, {{ item.state.driver | default('?', true) }} \
{{ item.state.driver_version | default('', true) }}, MTU {{ item.state.mtu | default('?') }}; \
PCIe ceiling {{ item.pcie.ceiling_gbps | default('?', true) }} Gb/s (Get-NetAdapterHardwareInfo)\
{%- if item.pcie_limited %} (below the link speed: the slot limits this link){% endif %}. \
{{ 'OK' if item.errors | length == 0 else 'FAILED: ' ~ item.errors | join('; ') }}"""
X4 = {'speed_gts': 8.0, 'width': 4, 'max_speed_gts': 8.0, 'max_width': 8, 'ceiling_gbps': 31.5, 'usable_gbps': 28.8}


def _linux_ends():
    text = load_fixture('ethtool/lab-ethtool-m-dac-generic.txt')[0]
    up = {'speed_mbps': 40000, 'duplex': 'full', 'carrier': True, 'driver': 'mlx4_en', 'mtu': 9000,
          'module': parse_ethtool.module_info(text, text, 0)}
    _problems, plan = link_filters.plan([], HOSTVARS, ['pve1', 'pve2', 'ws1'], ['pve1', 'pve2', 'ws1'], 'pve2')
    devices = [{'netdevs': ['ens1', 'ens1d1'], 'pcie': X4, 'psid': 'MT_1090120019', 'pci_address': '0000:03:00.0'}]
    good = links.evaluate_ends(plan['ends'], {'ens1': up}, [{'source': 'ens1', 'address': '198.18.1.1', 'rc': 0}],
                               devices, ping=True)
    bad = links.evaluate_ends(plan['ends'], {'ens1d1': {'carrier': False, 'mtu': None, 'driver': None}}, [], [], ping=True)
    return good + bad + links.evaluate_ends(plan['ends'][:1], {}, [], [], ping=False)


def test_the_linux_summary_line_is_the_one_the_role_printed():
    old = jinja2.Environment().from_string(OLD_LINUX)
    ends = _linux_ends()
    lines = [link_filters.summary_line(end) for end in ends]
    assert lines == [old.render(item=end) for end in ends]
    assert lines[0].startswith('pve1-pve2 end b pve2:ens1 -> pve1:ens1: 40000 Mb/s full, carrier True, mlx4_en, MTU 9000; ')
    assert 'PCIe ceiling 31.5 Gb/s. OK' in lines[0] or '(below the link speed' in lines[0] or 'FAILED' in lines[0]
    assert 'FAILED: link pve2-ws1, end a (pve2:ens1d1): carrier is down' in lines[3]


def test_the_windows_summary_line_is_the_one_the_role_printed():
    old = jinja2.Environment().from_string(OLD_WINDOWS)
    _problems, plan = link_filters.plan([], HOSTVARS, ['pve1', 'pve2', 'ws1'], ['pve1', 'pve2', 'ws1'], 'ws1')
    ends = []
    for name in ('ps51-value-count-wrapper-10g.txt', 'cx3-port1-ipoib.txt', 'no-card.txt'):
        document = load_fixture('windows/%s' % name)[0]
        ends += parse_windows.evaluate_ends([dict(e, iface='Ethernet 3') for e in plan['ends']],
                                            parse_windows.inventory(document), [], ping=False)
    lines = [link_filters.summary_line(end, windows=True) for end in ends]
    assert lines == [old.render(item=end) for end in ends]
    assert ' (Get-NetAdapterHardwareInfo)' in lines[0]


def test_iperf_runs_go_from_end_a_both_ways():
    _problems, plan = link_filters.plan([], HOSTVARS, ['pve1', 'pve2', 'ws1'], ['pve1', 'pve2', 'ws1'], 'pve2')
    runs = link_filters.iperf_runs(plan['ends'], 5201, 4, 5)
    assert [(end['link'], direction, argv[-1]) for end, direction, argv in runs] == [
        ('pve2-ws1', 'a->b', '--json'), ('pve2-ws1', 'b->a', '--reverse')]
    assert runs[0][2][:3] == ['iperf3', '--client', '198.18.2.2']


def test_the_report_model_reads_every_hosts_results():
    ends = _linux_ends()
    hostvars = {'pve2': {'connectx_link_results': ends[:2], 'connectx_tools_state': HELD,
                         'connectx_link_measurements': [{'link': 'pve1-pve2', 'direction': 'a->b', 'gbps': 28.1,
                                                         'error': None}]},
                'pve1': {}, 'ws1': {}}
    model = link_filters.report_model(PAIR, hostvars, ['pve1', 'pve2', 'ws1'], ['pve1', 'pve2', 'ws1'])
    assert model == links.link_report(PAIR, ends[:2], hostvars['pve2']['connectx_link_measurements'],
                                      hosts={'pve2': link_filters.tools_by_host(hostvars, ['pve2'])['pve2']},
                                      run_hosts=['pve1', 'pve2', 'ws1'])
    assert model['counts']['down'] >= 1
