# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Link ends, their evaluation and the link report (plugin_utils/links.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.plugin_utils import links

LINKS = [
    {'name': 'pve1-pve2', 'a': {'host': 'pve1', 'iface': 'ens1'}, 'b': {'host': 'pve2', 'iface': 'ens1'}, 'speed_mbps': 40000},
    {'name': 'pve1-pve3', 'a': {'host': 'pve1', 'iface': 'ens1d1'}, 'b': {'host': 'pve3', 'iface': 'ens1'}, 'speed_mbps': 56000},
]
IFACES = {
    'pve1': [{'name': 'ens1', 'address': '198.18.12.1/24', 'mtu': 9000, 'bridge': 'vmbr1'},
             {'name': 'ens1d1', 'address': '198.18.13.1/24'}],
    'pve2': [{'name': 'ens1', 'address': '198.18.12.2/24', 'mtu': 9000}],
    'pve3': [{'name': 'ens1', 'address': '198.18.13.3/24'}],
}
GEN3_X8 = {'speed_gts': 8.0, 'width': 8, 'max_speed_gts': 8.0, 'max_width': 8, 'ceiling_gbps': 63.0, 'usable_gbps': 57.6,
           'degraded': False, 'warnings': []}
GEN3_X4 = {'speed_gts': 8.0, 'width': 4, 'max_speed_gts': 8.0, 'max_width': 8, 'ceiling_gbps': 31.5, 'usable_gbps': 28.8,
           'degraded': True, 'warnings': ['PCIe link runs at x4, the card can do x8']}


def info(speed=40000, carrier=True, driver='mlx4_en', mtu=9000, duplex='full'):
    return {'speed_mbps': speed, 'carrier': carrier, 'driver': driver, 'mtu': mtu, 'duplex': duplex}


def test_merge_links_first_declaration_wins():
    other = dict(LINKS[0], speed_mbps=10000)
    merged = links.merge_links([other], LINKS, None, ['junk', {'no': 'name'}])
    assert [link['name'] for link in merged] == ['pve1-pve2', 'pve1-pve3']
    assert merged[0]['speed_mbps'] == 10000


def test_link_problems_names_the_link_and_field():
    bad = [{'name': 'x', 'a': {'host': 'pve1', 'iface': 'ens1'}, 'b': {'host': 'nas', 'iface': 'eth4'}, 'speed_mbps': '40G'},
           {'name': 'y', 'a': {'host': 'pve1'}, 'b': {'host': 'pve2', 'iface': 'ens1'}, 'speed_mbps': 40000}]
    problems = links.link_problems(bad, ['pve1', 'pve2'])
    assert problems == [
        'link x: end b names host nas, which is not in this play (hosts: pve1, pve2)',
        "link x: speed_mbps must be a positive number of Mb/s, got '40G'",
        'link y: end a needs host and iface',
    ]
    assert links.link_problems(LINKS, ['pve1', 'pve2', 'pve3']) == []


def test_with_limit_a_host_of_the_inventory_may_be_named_but_not_an_unknown_one():
    bad = [{'name': 'x', 'a': {'host': 'pve2', 'iface': 'ens1'}, 'b': {'host': 'nas9', 'iface': 'eth0'}, 'speed_mbps': 40000}]
    inventory = ['pve1', 'pve2', 'pve3']
    assert links.link_problems(LINKS, ['pve2'], inventory) == []
    assert links.link_problems(bad, ['pve2'], inventory) == [
        'link x: end b names host nas9, which is not in this play or the inventory (hosts: pve2)']
    # Without the inventory every end must be in the play (the windows_host role's far ends).
    assert links.link_problems(LINKS, ['pve2']) != []


def test_a_link_on_a_port_that_is_not_configured_and_a_duplicate_address_are_named():
    wrong = [dict(LINKS[0], b={'host': 'pve2', 'iface': 'ens9'})]
    inventory = ['pve1', 'pve2', 'pve3']
    assert links.link_problems(wrong, inventory, inventory, IFACES) == [
        'link pve1-pve2: end b names pve2:ens9, which is not in the connectx_interfaces of pve2 (ens1): add it there or '
        'fix the link']
    # A host that lists no ports (netplan, NetworkManager) is not checked.
    assert links.link_problems(wrong, inventory, inventory, dict(IFACES, pve2=[])) == []
    twice = dict(IFACES, pve3=[{'name': 'ens1', 'address': '198.18.12.2/30'}])
    assert links.link_problems(LINKS, inventory, inventory, twice) == [
        'address 198.18.12.2 is given to pve2:ens1 and pve3:ens1 (connectx_interfaces): give each port its own address']
    assert links.link_problems(LINKS, inventory, inventory, IFACES) == []


def test_links_in_run_keeps_the_links_with_an_end_in_the_run():
    assert [link['name'] for link in links.links_in_run(LINKS, ['pve2'])] == ['pve1-pve2']
    assert [link['name'] for link in links.links_in_run(LINKS, ['pve1'])] == ['pve1-pve2', 'pve1-pve3']
    assert links.links_in_run(LINKS + ['junk'], ['ws9']) == []


def test_an_end_whose_peer_is_outside_the_run_checks_its_port_and_pings_nothing():
    end, = links.link_ends(LINKS, 'pve2', IFACES, ['pve2'])
    assert end['peer_in_run'] is False
    res = links.evaluate_end(end, info(), None, None)
    assert res['errors'] == [] and not res['down']
    slow = links.evaluate_end(end, info(speed=10000), None, None)
    assert slow['errors'] == ['link pve1-pve2, end b (pve2:ens1): speed is 10000 Mb/s, expected 40000 Mb/s']


def test_report_with_limit_warns_about_the_end_outside_the_run():
    ends = [links.evaluate_end(e, info(), None, {'pci_address': '0000:03:00.0', 'netdevs': ['ens1'], 'pcie': GEN3_X8})
            for e in links.link_ends(links.links_in_run(LINKS, ['pve2']), 'pve2', IFACES, ['pve2'])]
    report = links.link_report(links.links_in_run(LINKS, ['pve2']), ends, run_hosts=['pve2'])
    entry, = report['links']
    assert entry['name'] == 'pve1-pve2' and entry['status'] == 'ok' and entry['reasons'] == []
    assert entry['warnings'] == ['end a (pve1:ens1) was not in this run (left out by --limit): only end b was checked']
    assert entry['ends']['a']['outside_run'] is True
    # A host of the run that left no end (it failed) is still a down link.
    failed = links.link_report(LINKS[:1], [], run_hosts=['pve1', 'pve2'])['links'][0]
    assert failed['status'] == 'down' and len(failed['reasons']) == 2


def test_link_ends_of_a_host():
    ends = links.link_ends(LINKS, 'pve1', IFACES)
    assert ends == [
        {'link': 'pve1-pve2', 'end': 'a', 'host': 'pve1', 'iface': 'ens1', 'peer_host': 'pve2', 'peer_iface': 'ens1',
         'peer_address': '198.18.12.2', 'source_iface': 'vmbr1', 'speed_mbps': 40000, 'mtu': 9000, 'peer_in_run': True,
         'linked_ports': ['ens1', 'ens1d1']},
        {'link': 'pve1-pve3', 'end': 'a', 'host': 'pve1', 'iface': 'ens1d1', 'peer_host': 'pve3', 'peer_iface': 'ens1',
         'peer_address': '198.18.13.3', 'source_iface': 'ens1d1', 'speed_mbps': 56000, 'mtu': None, 'peer_in_run': True,
         'linked_ports': ['ens1', 'ens1d1']},
    ]
    assert [e['end'] for e in links.link_ends(LINKS, 'pve3', IFACES)] == ['b']
    assert links.link_ends(LINKS, 'ws9', IFACES) == []


def test_evaluate_end_ok_and_every_field_wrong():
    end = links.link_ends(LINKS, 'pve2', IFACES)[0]
    good = links.evaluate_end(end, info(), 0, {'pci_address': '0000:03:00.0', 'netdevs': ['ens1'], 'pcie': GEN3_X8,
                                               'fw_version': '2.42.5000'})
    assert good['errors'] == [] and not good['down'] and not good['pcie_limited']
    assert good['fw_version'] == '2.42.5000'
    bad = links.evaluate_end(end, info(speed=10000, driver='mlx4_ib', mtu=1500, duplex='half'), 0, None)
    assert bad['errors'] == [
        'link pve1-pve2, end b (pve2:ens1): speed is 10000 Mb/s, expected 40000 Mb/s',
        'link pve1-pve2, end b (pve2:ens1): duplex is half, expected full',
        'link pve1-pve2, end b (pve2:ens1): driver is mlx4_ib, expected mlx4_en',
        'link pve1-pve2, end b (pve2:ens1): MTU is 1500, expected 9000',
    ]
    assert not bad['down']


def test_evaluate_end_unplugged_is_down():
    end = links.link_ends(LINKS, 'pve2', IFACES)[0]
    res = links.evaluate_end(end, info(speed=None, carrier=False), 1, None)
    assert res['down']
    assert res['errors'] == [
        'link pve1-pve2, end b (pve2:ens1): carrier is down (cable unplugged or peer port down)',
        'link pve1-pve2, end b (pve2:ens1): peer pve1 198.18.12.1 does not answer ping over ens1',
    ]
    missing = links.evaluate_end(end, None, None, None, ping=False)
    assert missing['errors'] == ['link pve1-pve2, end b (pve2:ens1): interface not found'] and missing['down']


def test_evaluate_ends_matches_pings_by_link_and_end():
    ends = links.link_ends(LINKS, 'pve1', IFACES)
    pings = [{'item': ends[0], 'rc': 0}, {'item': ends[1], 'rc': 1}, {'skipped': True, 'item': ends[0]}]
    res = links.evaluate_ends(ends, {'ens1': info(), 'ens1d1': info(speed=56000, mtu=1500)}, pings, [])
    assert res[0]['errors'] == []
    assert res[1]['errors'] == ['link pve1-pve3, end a (pve1:ens1d1): peer pve3 198.18.13.3 does not answer ping over ens1d1']


def test_ping_peers_and_link_info_results_match_by_source_and_address():
    ends = links.link_ends(LINKS, 'pve1', IFACES)
    peers = links.ping_peers(ends + [dict(ends[0], peer_in_run=False)])
    assert peers == [{'source': e['source_iface'], 'address': e['peer_address']} for e in ends]
    pings = [dict(peers[0], rc=0), dict(peers[1], rc=1)]
    res = links.evaluate_ends(ends, {'ens1': info(), 'ens1d1': info(speed=56000, mtu=1500)}, pings, [])
    assert res[0]['errors'] == []
    assert res[1]['errors'] == ['link pve1-pve3, end a (pve1:ens1d1): peer pve3 198.18.13.3 does not answer ping over ens1d1']


def test_iperf_gbps():
    assert links.iperf_gbps({'end': {'sum_received': {'bits_per_second': 28712345678.0}}}) == 28.71
    assert links.iperf_gbps({'error': 'unable to connect'}) is None
    assert links.iperf_gbps(None) is None


def _ends_all(pve2_pcie=None, pve3_info=None):
    pve2_pcie = pve2_pcie or GEN3_X4
    devices = {'pve1': GEN3_X8, 'pve2': pve2_pcie, 'pve3': GEN3_X8}
    out = []
    for host in ('pve1', 'pve2', 'pve3'):
        for end in links.link_ends(LINKS, host, IFACES):
            state = info(speed=end['speed_mbps'], mtu=end['mtu'] or 1500)
            if host == 'pve3' and pve3_info is not None:
                state = pve3_info
            out.append(links.evaluate_end(end, state, 0, {'pci_address': '0000:03:00.0', 'netdevs': [end['iface']],
                                                          'pcie': devices[host]}))
    return out


def test_report_flags_the_x4_slot_as_degraded_with_the_ceiling():
    report = links.link_report(LINKS, _ends_all(), [{'link': 'pve1-pve2', 'direction': 'a->b', 'gbps': 27.9}])
    by_name = dict((e['name'], e) for e in report['links'])
    l12 = by_name['pve1-pve2']
    assert l12['status'] == 'degraded'
    assert l12['negotiated_gbps'] == 40.0 and l12['ceiling_gbps'] == 31.5 and l12['measured_gbps'] == 27.9
    assert ('limited by pve2:ens1 sits in PCIe 3.0 x4 (8 GT/s): ceiling 31.5 Gb/s raw (8 GT/s x 4 lanes x 128/130 encoding), '
            'about 28.8 Gb/s after PCIe protocol overhead') in l12['warnings']
    assert 'pve2:ens1: PCIe link runs at x4, the card can do x8' in l12['warnings']
    assert [b['label'] for b in l12['bars']] == ['declared', 'negotiated', 'PCIe ceiling', 'measured']
    assert [b['pct'] for b in l12['bars']] == [100.0, 100.0, 78.8, 69.8]
    # 56G over Gen3 x8 (63 Gb/s) is fine.
    assert by_name['pve1-pve3']['status'] == 'ok' and by_name['pve1-pve3']['reasons'] == []
    assert report['counts'] == {'ok': 1, 'degraded': 1, 'down': 0}
    assert [h['name'] for h in report['hosts']] == ['pve1', 'pve2', 'pve3']
    assert set(report['layout']['hosts']) == {'pve1', 'pve2', 'pve3'} and len(report['layout']['cables']) == 2


def test_report_unplugged_cable_is_down_and_sorted_first():
    ends = _ends_all(pve2_pcie=GEN3_X8, pve3_info=info(speed=None, carrier=False))
    report = links.link_report(LINKS, ends)
    first = report['links'][0]
    assert first['name'] == 'pve1-pve3' and first['status'] == 'down'
    assert 'link pve1-pve3, end b (pve3:ens1): carrier is down (cable unplugged or peer port down)' in first['reasons']
    assert report['links'][1]['status'] == 'ok'


def test_report_missing_host_end_is_down():
    ends = [e for e in _ends_all(pve2_pcie=GEN3_X8) if e['host'] != 'pve3']
    entry = [e for e in links.link_report(LINKS, ends)['links'] if e['name'] == 'pve1-pve3'][0]
    assert entry['status'] == 'down'
    assert entry['reasons'] == ['end b (pve3:ens1) was not checked: the host failed or was not reached']
    assert entry['bars'][2]['gbps'] == 63.0


def test_layout_two_hosts_in_a_row():
    lay = links.layout(['a', 'b'], [{'name': 'l', 'a': {'host': 'a'}, 'b': {'host': 'b'}}])
    assert lay['hosts']['a']['y'] == lay['hosts']['b']['y'] and lay['hosts']['a']['x'] < lay['hosts']['b']['x']
    assert lay['cables'][0]['mx'] == links.LAYOUT_WIDTH / 2.0


def test_iperf_measurements_from_loop_results():
    end = {'link': 'pve1-pve2', 'end': 'a'}
    results = [
        {'rc': 0, 'item': [end, []], 'stdout': '{"end": {"sum_received": {"bits_per_second": 2.5e10}}}'},
        {'rc': 1, 'item': [end, ['--reverse']], 'stdout': '{"error": "unable to connect to server: Connection refused"}'},
        {'rc': 1, 'item': [end, []], 'stdout': '', 'stderr': 'iperf3: error - no route'},
        {'skipped': True, 'item': [end, []]},
    ]
    assert links.iperf_measurements(results) == [
        {'link': 'pve1-pve2', 'direction': 'a->b', 'gbps': 25.0, 'error': None},
        {'link': 'pve1-pve2', 'direction': 'b->a', 'gbps': None, 'error': 'unable to connect to server: Connection refused'},
        {'link': 'pve1-pve2', 'direction': 'a->b', 'gbps': None, 'error': 'iperf3: error - no route'},
    ]


def test_a_peer_address_that_is_not_an_ip_is_that_ends_error_not_a_refused_read():
    ends = links.link_ends(LINKS, 'pve1', IFACES)
    bad = dict(ends[0], peer_address='nas.lan')
    assert links.ping_peers([bad]) == []
    res = links.evaluate_ends([bad], {'ens1': info()}, [], [])
    assert res[0]['errors'] == ["link pve1-pve2, end a (pve1:ens1): the peer address 'nas.lan' of pve2:ens1 is not an IP "
                                "address (fix it in its connectx_interfaces)"]


# --------------------------------------------------------------- cables, ports, the card (issue 20)
# Modules as link_info returns them, parsed from the real ethtool -m outputs (tests/unit/fixtures/ethtool/).

def _module(name, rc=0):
    from conftest import load_fixture
    from ansible_collections.homelab.connectx.plugins.module_utils import parse_ethtool
    text = load_fixture('ethtool/%s' % name)[0]
    return parse_ethtool.module_info(text, text, rc)


MELLANOX_56G = _module('lab-ethtool-m-dac.txt')          # Mellanox MC2207130-001
GENERIC_DAC = _module('lab-ethtool-m-dac-generic.txt')   # Generic QSFP-40G-DAC1M
AOC_40G = _module('lab-ethtool-m-aoc.txt')               # Mellanox MC2206310-003, a 40G AOC
QSA = _module('lab-ethtool-m-qsa.txt')                   # QSA with a Mellanox MFM1T02A-SR SFP+
EMPTY = _module('lab-ethtool-m-empty.txt', rc=1)         # empty cage
FCBT = {'pci_address': '0000:03:00.0', 'netdevs': ['ens1', 'ens1d1'], 'psid': 'MT_1090120019', 'pcie': GEN3_X8}
QCBT = dict(FCBT, psid='MT_1090110018')
PAIR = [dict(LINKS[0], speed_mbps=56000)]
PAIR_IFACES = {'pve1': [{'name': 'ens1', 'address': '198.18.12.1/24'}], 'pve2': [{'name': 'ens1', 'address': '198.18.12.2/24'}]}


def _port(speed, module, carrier=True, modes=None):
    return {'speed_mbps': speed if carrier else None, 'carrier': carrier, 'driver': 'mlx4_en', 'mtu': 1500,
            'duplex': 'full' if carrier else None, 'module': module, 'card_ports': ['ens1', 'ens1d1'],
            'supported_link_modes': modes or []}


def _pair(links_, ports_by_host, devices=None, others=None):
    """Evaluate both ends of ``links_`` as link_check does on each host, then the report (the one entry)."""
    ends = []
    for host in ('pve1', 'pve2'):
        for end in links.link_ends(links_, host, PAIR_IFACES):
            state = ports_by_host[host]
            up = state['carrier']
            pings = [dict(source='ens1', address=end['peer_address'], rc=0 if up else 1)]
            ends.extend(links.evaluate_ends([end], {'ens1': state}, pings, [(devices or {}).get(host, FCBT)],
                                            ports=(others or {}).get(host)))
    entry, = links.link_report(links_, ends)['links']
    return entry, ends


def test_a_56g_link_on_a_generic_dac_is_degraded_and_names_the_cable():
    entry, _ends = _pair(PAIR, {'pve1': _port(40000, GENERIC_DAC), 'pve2': _port(40000, GENERIC_DAC)})
    assert entry['status'] == 'degraded'
    assert entry['reasons'] == ['56GbE needs a Mellanox DAC (e.g. MC2207130-xxx); this is Generic QSFP-40G-DAC1M, so the '
                                'link runs at 40000 Mb/s instead of 56000']
    assert entry['cable'] == 'Generic QSFP-40G-DAC1M (DAC, 1 m)'


def test_a_56g_link_on_a_generic_dac_that_did_not_come_up_is_down_with_one_reason():
    entry, ends = _pair(PAIR, {'pve1': _port(None, GENERIC_DAC, carrier=False), 'pve2': _port(None, GENERIC_DAC, carrier=False)})
    assert entry['status'] == 'down'
    assert entry['reasons'] == ['56GbE needs a Mellanox DAC (e.g. MC2207130-xxx); this is Generic QSFP-40G-DAC1M: the link '
                                'did not come up at 56000 Mb/s (carrier is down at pve1:ens1 and pve2:ens1)']
    # Each host still fails on its own end (the assertion on the host names it).
    assert ends[0]['errors'][0] == 'link pve1-pve2, end a (pve1:ens1): carrier is down (cable unplugged or peer port down)'


def test_a_56g_link_on_a_mellanox_mc2207130_is_ok():
    entry, _ends = _pair(PAIR, {'pve1': _port(56000, MELLANOX_56G), 'pve2': _port(56000, MELLANOX_56G)})
    assert (entry['status'], entry['reasons'], entry['hints']) == ('ok', [], [])
    assert links.capable_56g(MELLANOX_56G) and not links.capable_56g(GENERIC_DAC) and not links.capable_56g(AOC_40G)
    # The FDR lane rate in the EEPROM makes a Mellanox cable 56G-capable whatever its part number.
    assert links.capable_56g(dict(AOC_40G, part_number='MC9999999-003', br_nominal_mbps=14100))


def test_a_40g_link_on_a_56g_capable_dac_is_ok_with_a_hint():
    forty = [dict(LINKS[0], speed_mbps=40000)]
    entry, _ends = _pair(forty, {'pve1': _port(40000, MELLANOX_56G), 'pve2': _port(40000, MELLANOX_56G)})
    assert (entry['status'], entry['reasons']) == ('ok', [])
    assert entry['hints'] == ['the cable (Mellanox MC2207130-001) can run 56 GbE: declare speed_mbps: 56000 for this link '
                              'in connectx_links to use it']
    # Not with a card whose firmware cannot run 56 GbE, nor with a 40G cable.
    entry, _ends = _pair(forty, {'pve1': _port(40000, MELLANOX_56G), 'pve2': _port(40000, MELLANOX_56G)},
                         devices={'pve2': dict(FCBT, psid='MT_1090111023')})
    assert entry['hints'] == []
    entry, _ends = _pair(forty, {'pve1': _port(40000, AOC_40G), 'pve2': _port(40000, AOC_40G)})
    assert entry['hints'] == []


def test_the_cable_on_the_other_port_is_one_reason_naming_the_port():
    """labctl swap pve1 ens1 ens1d1: ens1's cage is empty, the module is in ens1d1 (down: nothing configures it)."""
    forty = [dict(LINKS[0], speed_mbps=40000)]
    others = {'pve1': {'ens1d1': {'carrier': False, 'admin_up': False, 'module': MELLANOX_56G}}}
    entry, ends = _pair(forty, {'pve1': _port(None, EMPTY, carrier=False), 'pve2': _port(None, MELLANOX_56G, carrier=False)},
                        others=others)
    assert entry['status'] == 'down'
    assert entry['reasons'] == [u'link pve1-pve2, end a (pve1:ens1): the cable is on ens1d1, not ens1 \u2014 move it back or '
                                u'change connectx_links']
    assert [f['code'] for f in ends[0]['findings']] == ['wrong_port', 'ping']
    # With carrier on the other port (it is up) and no module read at all, the same.
    up = {'pve1': {'ens1d1': {'carrier': True, 'admin_up': True}}}
    entry, _ends = _pair(forty, {'pve1': _port(None, None, carrier=False), 'pve2': _port(None, None, carrier=False)}, others=up)
    assert 'the cable is on ens1d1, not ens1' in entry['reasons'][0] and len(entry['reasons']) == 1


def test_the_far_end_swapped_is_the_same_diagnosis_at_the_far_end():
    forty = [dict(LINKS[0], speed_mbps=40000)]
    others = {'pve2': {'ens1d1': {'carrier': False, 'admin_up': False, 'module': MELLANOX_56G}}}
    entry, _ends = _pair(forty, {'pve1': _port(None, MELLANOX_56G, carrier=False), 'pve2': _port(None, EMPTY, carrier=False)},
                         others=others)
    assert entry['status'] == 'down'
    assert entry['reasons'] == [u'link pve1-pve2, end b (pve2:ens1): the cable is on ens1d1, not ens1 \u2014 move it back or '
                                u'change connectx_links']


def test_a_port_that_carries_its_own_link_is_not_where_the_cable_went():
    """pve1's ens1 is dark and empty while ens1d1 carries pve1-pve3: that is ens1d1's own cable."""
    end = links.link_ends(LINKS, 'pve1', IFACES)[0]
    others = {'ens1d1': {'carrier': True, 'module': MELLANOX_56G}}
    res = links.evaluate_end(end, dict(_port(None, EMPTY, carrier=False), mtu=9000), 1, FCBT, ports=others)
    assert [f['code'] for f in res['findings']] == ['no_carrier', 'ping']


@pytest.mark.parametrize('module, sentence', [
    (AOC_40G, 'carrier is down at both ends (pve1:ens1 and pve2:ens1) with a module in both cages (Mellanox MC2206310-003 '
              '(AOC, 3 m)): the cable is broken, a fibre is unplugged, or a port is down'),
    (EMPTY, 'carrier is down at both ends (pve1:ens1 and pve2:ens1) and neither cage holds a module: the cable is unplugged'),
    (None, 'carrier is down at both ends (pve1:ens1 and pve2:ens1): the cable is unplugged or broken, or a port is down'),
])
def test_an_unplugged_cable_is_exactly_one_reason(module, sentence):
    forty = [dict(LINKS[0], speed_mbps=40000)]
    entry, ends = _pair(forty, {'pve1': _port(None, module, carrier=False), 'pve2': _port(None, module, carrier=False)})
    assert entry['status'] == 'down' and entry['reasons'] == [sentence]
    assert sum(len(e['errors']) for e in ends) == 4  # what it replaces: carrier and ping, at each end


def test_10g_on_a_40g_link_names_the_causes_in_order():
    forty = [dict(LINKS[0], speed_mbps=40000)]
    teng = ['1000baseKX/Full', '10000baseKR/Full']
    entry, _ends = _pair(forty, {'pve1': _port(10000, GENERIC_DAC), 'pve2': _port(10000, QSA, modes=teng)},
                         devices={'pve1': QCBT})
    assert entry['status'] == 'degraded' and len(entry['reasons']) == 1
    assert entry['reasons'][0] == (
        "runs at 10000 Mb/s instead of the declared 40000 Mb/s; likely causes, most likely first: (1) pve1's card is an "
        "MCX354A-QCBT (MT_1090110018), whose firmware runs 10000 Mb/s at most in Ethernet: crossflash it to MCX354A-FCBT "
        "(MT_1090120019) with the firmware role (connectx_firmware_image); (2) pve2:ens1 holds a QSFP-to-SFP adapter (QSA) "
        "with Mellanox MFM1T02A-SR: an SFP+ port runs 10000 Mb/s at most; (3) pve2:ens1 supports 10000 Mb/s at most (its "
        "link modes)")
    # The QCBT card alone: the one likely cause.
    entry, _ends = _pair(forty, {'pve1': _port(10000, GENERIC_DAC), 'pve2': _port(10000, GENERIC_DAC)}, devices={'pve1': QCBT})
    assert entry['reasons'][0].startswith("runs at 10000 Mb/s instead of the declared 40000 Mb/s; likely cause: pve1's card "
                                          "is an MCX354A-QCBT (MT_1090110018)")
    # Nothing known: said so.
    entry, _ends = _pair(forty, {'pve1': _port(10000, None), 'pve2': _port(10000, None)})
    assert 'nothing read here explains it' in entry['reasons'][0]


def test_the_report_names_the_card_model_and_the_cable():
    entry, ends = _pair(PAIR, {'pve1': _port(56000, MELLANOX_56G), 'pve2': _port(56000, MELLANOX_56G)},
                        devices={'pve2': QCBT})
    assert ends[0]['card'] == {'psid': 'MT_1090120019', 'model': 'MCX354A-FCBT', 'text': 'MCX354A-FCBT (MT_1090120019)',
                               'pci_address': '0000:03:00.0', 'eth_max_mbps': 56000}
    assert ends[0]['module']['summary'] == 'Mellanox MC2207130-001 (DAC, 1 m)' and 'module' not in ends[0]['state']
    assert entry['cable'] == 'Mellanox MC2207130-001 (DAC, 1 m)'
    assert links.cable_text({'a': {'module': MELLANOX_56G}, 'b': {'module': EMPTY}}) == \
        'a: Mellanox MC2207130-001 (DAC, 1 m); b: no module'


def _four_hosts(names):
    declared = [{'name': 'l%d' % i, 'a': {'host': a}, 'b': {'host': b}} for i, (a, b) in
                enumerate([(names[0], names[1]), (names[0], names[2]), (names[2], names[3]), (names[0], names[1])])]
    labels = dict((link['name'], ['%s: 40G (degraded)' % link['name'], 'Mellanox MC2207130-001']) for link in declared)
    return links.layout(sorted(names), declared, labels), declared


@pytest.mark.parametrize('names', [
    ['pve1', 'pve2', 'pve3', 'ws1'],
    ['pve-node-01.homelab.example.internal', 'pve-node-02-in-the-garage.homelab.example.internal', 'pve3.lan',
     'windows-or-linux-workstation-upstairs.example.internal'],
])
def test_cable_labels_are_beside_the_lines_not_on_them_nor_on_a_host(names):
    lay, _declared = _four_hosts(names)
    boxes = [[p['x'] - lay['box_w'] / 2.0, p['y'] - lay['box_h'] / 2.0, lay['box_w'], lay['box_h']] for p in lay['hosts'].values()]
    segments = [(c['x1'], c['y1'], c['x2'], c['y2']) for c in lay['cables']]
    labels = [c['label']['box'] for c in lay['cables']]
    for i, label in enumerate(labels):
        assert 0 <= label[0] and label[0] + label[2] <= lay['width'] and 0 <= label[1] and label[1] + label[3] <= lay['height']
        assert not [s for s in segments if links._crosses(s, label, pad=0)], (i, label)
        assert not [b for b in boxes if links._overlap(label, b, pad=0)], (i, label)
        assert not [o for j, o in enumerate(labels) if j != i and links._overlap(label, o, pad=0)], (i, label)
    # Two cables between the same hosts are drawn side by side, not on top of each other.
    first, parallel = lay['cables'][0], lay['cables'][3]
    assert (first['x1'], first['y1']) != (parallel['x1'], parallel['y1'])


def test_long_host_names_fit_their_box():
    lay, _declared = _four_hosts(['pve-node-01.homelab.example.internal', 'a' * 70 + '.example.internal', 'b', 'c'])
    assert links.HOST_BOX_MIN <= lay['box_w'] <= links.HOST_BOX_MAX
    for name, host in lay['hosts'].items():
        for line in host['lines']:
            assert len(line['text']) * links.CHAR_EM * line['size'] <= lay['box_w'] - 14, (name, line)
    long_host = lay['hosts']['a' * 70 + '.example.internal']['lines']
    assert long_host[0]['text'].endswith(u'\u2026') and long_host[1]['text'] == '.example.internal'
    assert lay['hosts']['pve-node-01.homelab.example.internal']['lines'] == [
        {'text': 'pve-node-01', 'size': 14}, {'text': '.homelab.example.internal', 'size': 11}]


def test_a_module_whose_eeprom_cannot_be_read_does_not_break_the_report():
    """parse_ethtool.module_info of a cage whose module does not answer ethtool -m (kernel 6.1 mlx4_en with a paged
    optic): present, no name. The report and its diagram still come out, the label says so."""
    from ansible_collections.homelab.connectx.plugins.module_utils import parse_ethtool
    unread = parse_ethtool.module_info('', 'netlink error: Invalid argument', 1)
    assert unread['present'] and links.module_name(unread) is None
    ends = _ends_all(pve2_pcie=GEN3_X8)
    for end in ends:
        end['module'] = unread
    report = links.link_report(LINKS, ends)
    assert sum(report['counts'].values()) == 2 and len(report['layout']['cables']) == 2
    assert [links.cable_label(entry)[1] for entry in report['links']] == ['module not readable'] * 2
