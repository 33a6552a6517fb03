# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""parse_windows on the Windows fixtures (tests/unit/fixtures/windows, provenance in its README)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import fuzz_examples, load_fixture

from ansible_collections.homelab.connectx.plugins.plugin_utils import links
from ansible_collections.homelab.connectx.plugins.plugin_utils import parse_windows as pw
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError
from ansible_collections.homelab.connectx.plugins.filter.windows import FilterModule


def doc(name):
    return load_fixture('windows/' + name)[0]


def inv(name):
    return pw.inventory(doc(name))


LINKS = [
    {'name': 'pve1-win1', 'a': {'host': 'pve1', 'iface': 'ens1d1'}, 'b': {'host': 'win1', 'iface': 'Ethernet 3'}, 'speed_mbps': 40000},
    {'name': 'pve2-win1', 'a': {'host': 'pve2', 'iface': 'ens1d1'}, 'b': {'host': 'win1', 'iface': 'Ethernet 4'}, 'speed_mbps': 40000},
]
IFACES = {
    'pve1': [{'name': 'ens1d1', 'address': '198.18.14.1/24', 'mtu': 9000}],
    'pve2': [{'name': 'ens1d1', 'address': '198.18.15.2/24', 'mtu': 9000}],
    'win1': [{'name': 'Ethernet 3', 'address': '198.18.14.4/24', 'mtu': 9000},
             {'name': 'Ethernet 4', 'address': '198.18.15.4/24'}],
}
EVALUATED_KEYS = {'link', 'end', 'host', 'iface', 'peer_host', 'peer_iface', 'peer_address', 'source_iface', 'speed_mbps', 'mtu',
                  'state', 'errors', 'down', 'pcie', 'pci_address', 'fw_version', 'pcie_limited', 'peer_in_run',
                  'linked_ports', 'findings', 'card', 'module', 'port_max_mbps'}


def ping(end, name):
    return {'item': end, 'rc': 0, 'stdout': doc(name)}


# --- small readers --------------------------------------------------------------------------

@pytest.mark.parametrize('text, mbps', [
    ('40 Gbps', 40000), ('10 Gbps', 10000), ('56 Gbps', 56000), ('100 Mbps', 100), ('0 bps', 0), ('1 Gbps', 1000),
    ('2.5 Gbps', 2500), ('2,5 Gbps', 2500), (' 40 gbps ', 40000), ('9600 bps', 0), ('40000000000', 40000), (40000000000, 40000),
    (None, None), ('', None), ('fast', None), (True, None),
])
def test_link_speed_mbps(text, mbps):
    assert pw.link_speed_mbps(text) == mbps


@pytest.mark.parametrize('value, mbps', [
    (40000000000, 40000), ('10000000000', 10000), (0, 0), (None, None), (-1, None), (18446744073709551615, None),
    (1.8446744073709552e19, None), ('n/a', None),
])
def test_bps_to_mbps(value, mbps):
    assert pw.bps_to_mbps(value) == mbps


def test_as_list_copes_with_convertto_json_shapes():
    assert pw.as_list(None) == []
    assert pw.as_list({'Name': 'M1'}) == [{'Name': 'M1'}]
    assert pw.as_list([{'Name': 'a'}, None, {'Name': 'b'}]) == [{'Name': 'a'}, {'Name': 'b'}]
    assert pw.as_list({'value': [1, 2], 'Count': 2}) == [1, 2]
    assert pw.as_list([1, {'value': [2, 3], 'Count': 2}, 4]) == [1, 2, 3, 4]


def test_pci_ids_and_problem_codes():
    assert pw.pci_ids('PCI\\VEN_15B3&DEV_1003&SUBSYS_005015B3&REV_00\\4&2C7B5A1C&0&0008') == {
        'vendor': '15b3', 'device': '1003', 'subsys': '005015b3', 'rev': '00'}
    assert pw.pci_ids('pci\\ven_15b3&dev_1007')['device'] == '1007'
    assert pw.pci_ids('MLX4\\CONNECTX-3_ETH&15B30050\\5&1') is None
    assert pw.problem_code('CM_PROB_FAILED_INSTALL') == 28
    assert pw.problem_code(28) == 28 and pw.problem_code('28') == 28 and pw.problem_code(None) is None


@pytest.mark.parametrize('names, family', [
    (('mlx4_bus',), 'mlx4'), (('mlx4eth63.sys',), 'mlx4'), (('C:\\x\\mlx5.inf_amd64_1\\mlx5.inf',), 'mlx5'),
    (('ipoib6x.sys',), 'ipoib'), ((None, 'oem12.inf'), None), (('e1d68x64.sys',), None),
])
def test_driver_family(names, family):
    assert pw.driver_family(*names) == family


def test_loads_accepts_text_output_list_and_refuses_garbage():
    text = doc('no-card.txt')
    assert pw.loads(text) == json.loads(text)
    assert pw.loads({'output': [text.replace('\n', '')]}) == json.loads(text)
    assert pw.loads(u'\ufeff' + text) == json.loads(text)
    assert pw.loads('') == {} and pw.loads(None) == {}
    with pytest.raises(ParseError) as err:
        pw.loads('Get-NetAdapter : The term is not recognized')
    assert err.value.reason == 'not_json'
    with pytest.raises(ParseError):
        pw.loads('[1, 2]')


# --- the cases ----------------------------------------------------------------------------

def test_cx3_winof_40g_up_and_disconnected_port():
    result = inv('cx3-winof550-40g-up-port2-disconnected.txt')
    assert result['status'] == 'winof'
    assert result['winof_installed'] and not result['winof2_installed']
    card, = result['cards']
    assert card['model'] == 'ConnectX-3' and card['device_id'] == '1003' and card['subsys'] == '005015b3'
    assert card['state'] == 'winof' and card['service'] == 'mlx4_bus' and card['problem_code'] == 0
    assert card['driver'] == {'provider': 'Mellanox Technologies Ltd.', 'version': '5.50.14688.0',
                              'name': 'Mellanox ConnectX-3 VPI (MT04099) Network Adapter', 'inf': 'oem12.inf', 'family': 'mlx4'}
    assert 'runs WinOF 5.50.14688.0' in card['message']
    up = result['adapters']['Ethernet 3']
    assert up['speed_mbps'] == 40000 and up['carrier'] is True and up['duplex'] == 'full'
    assert up['driver'] == 'mlx4eth63' and up['mtu'] == 9000 and up['port_type'] == 'eth' and not up['ipoib']
    assert up['link_speed'] == '40 Gbps' and up['receive_mbps'] == 40000 and up['transmit_mbps'] == 40000
    assert up['mac'] == '00-02-C9-A0-B0-C1' and up['operstate'] == 'up' and up['driver_version'] == '5.50.14688.0'
    down = result['adapters']['Ethernet 4']
    assert down['carrier'] is False and down['speed_mbps'] is None and down['duplex'] is None
    assert down['link_speed'] == '0 bps' and down['operstate'] == 'disconnected'
    assert result['ipoib'] == []


def test_cx3_pro_single_objects_numeric_media_state():
    result = inv('cx3pro-winof-single-objects-msdocs.txt')
    assert result['status'] == 'winof'
    card, = result['cards']
    assert card['model'] == 'ConnectX-3 Pro' and card['driver']['version'] == '5.25.12665.0'
    m1 = result['adapters']['M1']
    assert m1['carrier'] is True and m1['media_connection_state'] == 'connected'
    assert m1['speed_mbps'] == 40000 and m1['driver'] == 'mlx4eth63' and m1['mac'] == '7C-FE-90-93-8F-A1'
    assert result['packages'] == []


def test_ipoib_port_is_reported_with_the_fix():
    result = inv('cx3-port1-ipoib.txt')
    assert result['status'] == 'winof'
    assert result['ipoib'] == ['Ethernet 3']
    port = result['adapters']['Ethernet 3']
    assert port['ipoib'] and port['port_type'] == 'ib' and port['driver'] == 'ipoib6x' and port['driver_family'] == 'ipoib'
    assert result['adapters']['Ethernet 4']['port_type'] == 'eth'
    message = [m for m in result['messages'] if 'IPoIB' in m][0]
    assert 'Port Protocol tab' in message and 'LINK_TYPE_P1=2' in message and 'mt4099_pci_cr0' in message


def test_ipoib_seen_from_the_physical_medium_alone():
    adapter = {'Name': 'Ethernet 5', 'InterfaceDescription': 'Mellanox ConnectX-3 Ethernet Adapter', 'Status': 'Up',
               'NdisPhysicalMedium': pw.NDIS_PHYSICAL_MEDIUM_INFINIBAND, 'DriverFileName': 'mlx4eth63.sys'}
    assert pw.adapter_info(adapter)['ipoib'] is True
    assert pw.adapter_info(dict(adapter, NdisPhysicalMedium=14))['ipoib'] is False


def test_winof2_installed_on_a_connectx3_is_wrong():
    result = inv('cx3-winof2-installed-no-driver.txt')
    assert result['status'] == 'winof2' and result['winof2_installed'] and not result['winof_installed']
    card, = result['cards']
    assert card['state'] == 'winof2' and card['problem_code'] == 28 and card['status'] == 'Error'
    assert 'WinOF-2 (mlx5)' in card['message'] and 'does not support ConnectX-3' in card['message']
    assert 'connectx_winof_package' in card['message']
    assert result['packages'][0]['family'] == 'mlx5' and result['packages'][0]['original_file'] == 'mlx5.inf'
    assert result['adapters'] == {}


def test_card_without_driver_code_28_get_pnpdevice_names():
    result = inv('cx3-no-driver-code28-getpnpdevice.txt')
    assert result['status'] == 'no_driver'
    card, = result['cards']
    assert card['model'] == 'ConnectX-3 Pro' and card['problem_code'] == 28 and card['name'] == 'Ethernet Controller'
    assert card['driver']['family'] is None
    assert 'has no driver (code 28)' in card['message'] and 'WinOF 5.50' in card['message']


def test_no_card():
    result = inv('no-card.txt')
    assert result['status'] == 'no_card' and result['cards'] == []
    assert result['messages'][0].startswith('no ConnectX-3')
    intel = result['adapters']['Ethernet']
    assert intel['speed_mbps'] == 1000 and intel['driver'] == 'e1d68x64' and not intel['ipoib']
    assert pw.inventory({'PnpDevices': None, 'SignedDrivers': None, 'DriverPackages': None, 'Adapters': None})['status'] == 'no_card'
    assert pw.inventory('')['status'] == 'no_card'


def test_single_port_cable_unplugged_with_nulls():
    result = inv('cx3-single-port-disconnected.txt')
    port = result['adapters']['Ethernet 2']
    assert port['carrier'] is False and port['speed_mbps'] is None and port['receive_mbps'] is None and port['duplex'] is None
    assert result['cards'][0]['subsys'] == '005515b3'


def test_ps51_value_count_wrapper_and_units():
    result = inv('ps51-value-count-wrapper-10g.txt')
    assert sorted(result['adapters']) == ['Ethernet 3', 'Ethernet 4']
    assert result['adapters']['Ethernet 3']['speed_mbps'] == 10000
    assert result['adapters']['Ethernet 4']['speed_mbps'] == 100


def test_speed_falls_back_to_the_linkspeed_text():
    info = pw.adapter_info({'Name': 'x', 'Status': 'Up', 'LinkSpeed': '56 Gbps', 'ReceiveLinkSpeed': None})
    assert info['carrier'] is True and info['speed_mbps'] == 56000


def test_other_driver_and_other_problem_codes():
    base = {'PnpDevices': [{'DeviceID': 'PCI\\VEN_15B3&DEV_1003&SUBSYS_005015B3&REV_00\\1', 'Status': 'OK',
                            'ConfigManagerErrorCode': 0, 'Service': 'vendor_nic'}],
            'SignedDrivers': [{'DeviceID': 'PCI\\VEN_15B3&DEV_1003&SUBSYS_005015B3&REV_00\\1', 'DriverProviderName': 'Contoso',
                               'DriverVersion': '1.0', 'InfName': 'oem3.inf'}]}
    assert pw.inventory(base)['status'] == 'other_driver'
    disabled = dict(base, PnpDevices=[dict(base['PnpDevices'][0], ConfigManagerErrorCode=22, Status='Error', Service='mlx4_bus')])
    assert pw.inventory(disabled)['status'] == 'error'
    ghost = dict(base, PnpDevices=[dict(base['PnpDevices'][0], Present=False)])
    assert pw.inventory(ghost)['status'] == 'no_card'
    cx4 = {'PnpDevices': [{'DeviceID': 'PCI\\VEN_15B3&DEV_1015&SUBSYS_000315B3&REV_00\\1', 'Status': 'OK'}]}
    assert pw.inventory(cx4)['status'] == 'no_card'


# --- ping --------------------------------------------------------------------------------------

def test_ping_rc_only_counts_replies_from_the_peer():
    end = {'link': 'pve1-win1', 'end': 'b', 'peer_address': '198.18.14.1'}
    assert pw.ping_rc({'rc': 0, 'stdout': doc('ping-exe-reply.txt')}, '198.18.14.1') == 0
    # ping.exe exits 0 here: the own address answers "Destination host unreachable".
    assert pw.ping_rc({'rc': 0, 'stdout': doc('ping-exe-host-unreachable.txt')}, '198.18.14.1') == 1
    assert pw.ping_rc({'rc': 1, 'stdout': doc('ping-exe-timeout.txt')}, '198.18.14.1') == 1
    assert pw.ping_rc({'skipped': True}) is None
    results = pw.ping_results([ping(end, 'ping-exe-host-unreachable.txt'), {'item': end, 'skipped': True}, 'junk'])
    assert results == [{'item': end, 'rc': 1, 'stdout': doc('ping-exe-host-unreachable.txt')}]


# --- ends in the shape of the Linux link check -----------------------------------------------

def test_windows_ends_have_exactly_the_linux_shape():
    ends = links.link_ends(LINKS, 'win1', IFACES)
    result = inv('cx3-winof550-40g-up-port2-disconnected.txt')
    pings = pw.ping_results([ping(ends[0], 'ping-exe-reply.txt'), ping(ends[1], 'ping-exe-timeout.txt')])
    evaluated = pw.evaluate_ends(ends, result, pings, driver='mlx4eth63', duplex='full', ping=True)
    linux = links.evaluate_ends(ends, {}, [], None)
    assert [set(e) for e in evaluated] == [EVALUATED_KEYS, EVALUATED_KEYS] == [set(e) for e in linux]
    ok, unplugged = evaluated
    assert ok['errors'] == [] and ok['down'] is False and ok['state']['speed_mbps'] == 40000
    assert ok['peer_address'] == '198.18.14.1' and ok['source_iface'] == 'Ethernet 3' and ok['pcie'] == {}
    assert unplugged['down'] is True
    assert unplugged['errors'] == [
        'link pve2-win1, end b (win1:Ethernet 4): carrier is down (cable unplugged or peer port down)',
        'link pve2-win1, end b (win1:Ethernet 4): peer pve2 198.18.15.2 does not answer ping over Ethernet 4',
    ]
    report = links.link_report(LINKS, evaluated)
    assert {e['name']: e['status'] for e in report['links']} == {'pve1-win1': 'down', 'pve2-win1': 'down'}
    assert 'end a (pve1:ens1d1) was not checked' in ' '.join(report['links'][-1]['reasons'] + report['links'][0]['reasons'])


def test_windows_end_wrong_speed_driver_and_mtu():
    ends = links.link_ends(LINKS[:1], 'win1', IFACES)
    result = inv('ps51-value-count-wrapper-10g.txt')
    evaluated = pw.evaluate_ends(ends, result, pw.ping_results([ping(ends[0], 'ping-exe-reply.txt')]))
    assert evaluated[0]['errors'] == [
        'link pve1-win1, end b (win1:Ethernet 3): speed is 10000 Mb/s, expected 40000 Mb/s',
        'link pve1-win1, end b (win1:Ethernet 3): MTU is 1500, expected 9000',
    ]
    assert [f['code'] for f in evaluated[0]['findings']] == ['speed', 'mtu']
    assert evaluated[0]['down'] is False
    other = pw.evaluate_ends(ends, result, [], driver='mlx5', ping=False)
    assert 'driver is mlx4eth63, expected mlx5' in ' '.join(other[0]['errors'])


def test_windows_end_on_ipoib_port_is_down_with_the_fix():
    ends = links.link_ends(LINKS[:1], 'win1', IFACES)
    evaluated = pw.evaluate_ends(ends, inv('cx3-port1-ipoib.txt'), [], ping=False)
    end = evaluated[0]
    assert end['down'] is True
    assert any('runs as InfiniBand (IPoIB)' in e and 'Port Protocol tab' in e for e in end['errors'])
    assert 'link pve1-win1, end b (win1:Ethernet 3): driver is ipoib6x, expected mlx4eth63' in end['errors']
    # The codes of a Linux end where the meaning is the same (driver), port_type for what only Windows says.
    assert [f['text'] for f in end['findings']] == end['errors']
    assert [f['code'] for f in end['findings']][-1] == 'port_type'
    assert 'driver' in [f['code'] for f in end['findings']]


@pytest.mark.parametrize('name, words, code', [
    ('cx3-winof2-installed-no-driver.txt', 'WinOF-2 (mlx5) is installed', 'card_driver'),
    ('cx3-no-driver-code28-getpnpdevice.txt', 'has no driver (code 28)', 'card_driver'),
    ('no-card.txt', 'no ConnectX-3 card found on this host', 'no_card'),
])
def test_windows_end_without_adapter_says_why(name, words, code):
    ends = links.link_ends(LINKS[:1], 'win1', IFACES)
    end = pw.evaluate_ends(ends, inv(name), [], ping=False)[0]
    assert end['down'] is True
    assert end['errors'][0] == 'link pve1-win1, end b (win1:Ethernet 3): interface not found'
    assert words in ' '.join(end['errors'])
    # Every error carries its finding code, as on Linux: the interface is not there (link_eval's code), and why.
    assert [f['text'] for f in end['findings']] == end['errors']
    assert end['findings'][0]['code'] == 'no_interface'
    assert set(f['code'] for f in end['findings'][1:]) == set([code])


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert filters['connectx_windows_adapter_info'] is pw.adapter_info
    # connectx_windows_inventory is gone: the winof action returns the inventory as the host fact connectx_windows.
    assert sorted(filters) == ['connectx_windows_adapter_info', 'connectx_windows_link_speed_mbps']
    assert filters['connectx_windows_link_speed_mbps'] is pw.link_speed_mbps


# --- robustness ----------------------------------------------------------------------------

# Everything Python's JSON reader gives back: NaN, Infinity and -Infinity are numbers to it, integers have no bound; plus
# texts that look like numbers (too long for a float, non-ASCII digits).
ODD_NUMBERS = st.sampled_from([float('inf'), float('-inf'), float('nan'), 1e308, -1e308, 2 ** 64, 2 ** 64 - 1, 2 ** 63, -1, 10 ** 30,
                               4.5, 'Infinity', '-Infinity', 'NaN', '1e999', '9' * 400, '9' * 400 + ' GT/s', '9' * 400 + ' Gbps',
                               '\u00b2', '\u0663', 'x' + '9' * 30])
JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                                     ODD_NUMBERS, st.text(max_size=8)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                           max_leaves=12)
FIELDS = ['Name', 'Status', 'LinkSpeed', 'ReceiveLinkSpeed', 'TransmitLinkSpeed', 'FullDuplex', 'MediaConnectionState',
          'MediaConnectState', 'MtuSize', 'DriverFileName', 'InterfaceDescription', 'NdisPhysicalMedium', 'MediaType',
          'DeviceID', 'InstanceId', 'ConfigManagerErrorCode', 'Service', 'Present', 'DriverProviderName', 'OriginalFileName',
          'PciExpressCurrentLinkSpeedEncoded', 'PciExpressCurrentLinkWidth', 'PciExpressMaxLinkSpeedEncoded',
          'PciExpressMaxLinkWidth', 'PcieLinkSpeed', 'PcieLinkWidth', 'BusNumber', 'DeviceNumber', 'FunctionNumber']


@settings(max_examples=fuzz_examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sections=st.dictionaries(st.sampled_from(['PnpDevices', 'SignedDrivers', 'DriverPackages', 'Adapters', 'HardwareInfo']),
                                st.one_of(JSON_VALUES, st.lists(st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=8),
                                                                max_size=3)), max_size=4))
def test_fuzz_inventory_never_tracebacks(sections):
    result = pw.inventory(json.dumps(sections))
    assert result['status'] in ('no_card', 'no_driver', 'winof2', 'error', 'other_driver', 'winof')


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(text=st.text(max_size=40))
def test_fuzz_link_speed_text(text):
    value = pw.link_speed_mbps(text)
    assert value is None or value >= 0


# --- PCIe link (Get-NetAdapterHardwareInfo) -----------------------------------------------------

@pytest.mark.parametrize('value, gts', [(1, 2.5), (2, 5.0), (3, 8.0), (4, 16.0), ('3', 8.0), ('8.0 GT/s', 8.0), ('2.5 GT/s', 2.5),
                                        (0, None), ('Unknown', None), (None, None), ('', None), (True, None), (3.5, None)])
def test_pcie_speed_from_the_code_or_the_default_view(value, gts):
    assert pw.pcie_speed_gts(value) == gts


@pytest.mark.parametrize('value, lanes', [(4, 4), ('4', 4), ('x8', 8), (16, 16), (0, None), (None, None), ('', None), (3, None)])
def test_pcie_width(value, lanes):
    assert pw.pcie_width(value) == lanes


# Python's JSON reader takes NaN, Infinity and -Infinity as numbers, so a Windows host (or a broken script) can send them.
ODD_JSON = ['Infinity', '-Infinity', 'NaN', '1e308', '-1e308', '1e400', '18446744073709551616', '100000000000000000000000000000',
            '-4', '4.5', '"Infinity"', '"NaN"', '"1e999"', '"%s"' % ('9' * 400), '"%s GT/s"' % ('9' * 400), '"\\u00b2"',
            '[Infinity]', '{"value": [NaN], "Count": 1}']
PCIE_FIELDS = ['PciExpressCurrentLinkWidth', 'PciExpressCurrentLinkSpeedEncoded', 'PciExpressMaxLinkWidth',
               'PciExpressMaxLinkSpeedEncoded', 'PcieLinkSpeed', 'PcieLinkWidth', 'PcieMaxLinkSpeed', 'PcieMaxLinkWidth']


@pytest.mark.parametrize('field', PCIE_FIELDS)
@pytest.mark.parametrize('number', ODD_JSON)
def test_hardware_info_reads_non_finite_or_absurd_numbers_as_unknown(field, number):
    """Issue 32 item 5: PciExpressCurrentLinkWidth: Infinity raised OverflowError (NaN: ValueError)."""
    entry = json.loads('{"Name": "Ethernet 3", "%s": %s}' % (field, number))
    result = pw.hardware_info(entry)
    assert (result['speed_gts'], result['width'], result['max_speed_gts'], result['max_width']) == (None, None, None, None)
    assert (result['pcie']['ceiling_gbps'], result['pcie']['degraded']) == (None, None)


@pytest.mark.parametrize('number', ODD_JSON)
def test_inventory_with_non_finite_numbers_never_raises(number):
    document = ('{"Adapters": [{"Name": "Ethernet 3", "Status": "Up", "ReceiveLinkSpeed": %(n)s, "TransmitLinkSpeed": %(n)s, '
                '"LinkSpeed": %(n)s, "MtuSize": %(n)s, "MediaConnectState": %(n)s, "NdisPhysicalMedium": %(n)s}], '
                '"HardwareInfo": [{"Name": "Ethernet 3", "PciExpressCurrentLinkWidth": %(n)s, "PciExpressCurrentLinkSpeedEncoded": %(n)s, '
                '"BusNumber": %(n)s, "DeviceNumber": 0, "FunctionNumber": 0}], '
                '"PnpDevices": [{"InstanceId": "PCI\\\\VEN_15B3&DEV_1003", "ConfigManagerErrorCode": %(n)s}]}' % {'n': number})
    result = pw.inventory(document)
    adapter = result['adapters']['Ethernet 3']
    assert adapter['pcie']['ceiling_gbps'] is None and adapter['speed_mbps'] is None
    assert adapter['mtu'] is None or isinstance(adapter['mtu'], int)
    assert result['cards'][0]['problem_code'] is None or isinstance(result['cards'][0]['problem_code'], int)


def test_a_good_entry_still_reads_next_to_the_guards():
    entry = json.loads('{"Name": "Ethernet 3", "PciExpressCurrentLinkWidth": 4.0, "PciExpressCurrentLinkSpeedEncoded": 3.0, '
                       '"PciExpressMaxLinkWidth": "x8", "PcieMaxLinkSpeed": "8.0 GT/s", "BusNumber": 6, "DeviceNumber": 0, '
                       '"FunctionNumber": 0}')
    result = pw.hardware_info(entry)
    assert (result['speed_gts'], result['width'], result['max_speed_gts'], result['max_width']) == (8.0, 4, 8.0, 8)
    assert result['location'] == 'PCI bus 6, device 0, function 0'


ABSURD = [('inf', float('inf')), ('-inf', float('-inf')), ('nan', float('nan')), ('10**5000', 10 ** 5000), ('-10**5000', -10 ** 5000),
          ('2**64+1', 2 ** 64 + 1), ('1e308', 1e308), ('-1', -1), ('[inf]', [float('inf')]), ('{a: 10**5000}', {'a': 10 ** 5000}),
          ('5000 nines', '9' * 5000), ('400 nines Gbps', '9' * 400 + ' Gbps'), ('400 nines GT/s', '9' * 400 + ' GT/s'),
          ('superscript 2', '\u00b2'), ('Infinity', 'Infinity'), ('NaN', 'NaN')]


@pytest.mark.parametrize('value', [v for _n, v in ABSURD], ids=[n for n, _v in ABSURD])
def test_the_number_readers_never_raise_on_absurd_values(value):
    assert pw.pcie_width(value) is None
    assert pw.pcie_speed_gts(value) is None
    assert pw.bps_to_mbps(value) is None
    assert pw.link_speed_mbps(value) is None
    pw.problem_code(value)


@pytest.mark.parametrize('field, value', [('BusNumber', -1), ('BusNumber', 256), ('DeviceNumber', 32), ('FunctionNumber', 8),
                                          ('BusNumber', 1e300), ('FunctionNumber', float('nan'))])
def test_a_pci_location_out_of_range_is_unknown(field, value):
    entry = {'BusNumber': 6, 'DeviceNumber': 0, 'FunctionNumber': 0, 'LocationInformationString': 'PCI bus 6, device 0, function 0'}
    entry[field] = value
    assert pw.hardware_info(entry)['location'] == 'PCI bus 6, device 0, function 0'
    del entry['LocationInformationString']
    assert pw.hardware_info(entry)['location'] is None


def test_hardware_info_in_every_documented_shape():
    shapes = [pw.as_list(json.loads(capture)) for capture in load_fixture('windows/get-netadapterhardwareinfo-formats.txt')]
    slot, realtek, virtual, wrapped = [pw.hardware_info(entries[0]) for entries in shapes]
    assert (slot['name'], slot['speed_gts'], slot['width'], slot['location']) == ('PCIe Slot 3 Port 1', 8.0, 16,
                                                                                  'PCI bus 55, device 0, function 0')
    assert slot['pcie']['ceiling_gbps'] == 126.0
    assert (realtek['speed_gts'], realtek['width'], realtek['pcie']['ceiling_gbps']) == (2.5, 1, 2.0)
    assert (virtual['speed_gts'], virtual['width'], virtual['pcie']['ceiling_gbps']) == (None, None, None)
    assert (wrapped['name'], wrapped['speed_gts'], wrapped['width'], wrapped['max_speed_gts'], wrapped['max_width']) == \
        ('Ethernet 3', 8.0, 4, 8.0, 8)
    assert wrapped['pcie']['degraded'] is True


def test_a_windows_pc_with_the_card_in_a_pcie3_x4_slot_is_limited_to_28_gbps():
    """The homelab case: a 40 GbE link to a Windows PC whose ConnectX-3 sits in a PCIe 3.0 x4 slot."""
    result = inv('cx3-winof550-40g-pcie3-x4-slot.txt')
    assert result['adapters']['Ethernet 3']['pcie']['ceiling_gbps'] == 31.5
    assert result['adapters']['Ethernet 3']['pci_location'] == 'PCI bus 6, device 0, function 0'
    ends = links.link_ends(LINKS[:1], 'win1', IFACES)
    evaluated = pw.evaluate_ends(ends, result, pw.ping_results([ping(ends[0], 'ping-exe-reply.txt')]))
    end = evaluated[0]
    assert end['errors'] == [] and end['pcie_limited'] is True and 'pcie' not in end['state']
    assert (end['pcie']['ceiling_gbps'], end['pcie']['usable_gbps']) == (31.5, 28.8)
    assert end['pci_address'] == 'PCI bus 6, device 0, function 0'
    assert end['card']['text'] == 'Mellanox ConnectX-3 Ethernet Adapter'
    entry = links.link_report(LINKS[:1], evaluated, run_hosts=['win1'])['links'][0]  # pve1's end: another run
    assert entry['status'] == 'degraded'
    assert ('limited by win1:Ethernet 3 sits in PCIe 3.0 x4 (8 GT/s): ceiling 31.5 Gb/s raw (8 GT/s x 4 lanes x 128/130 '
            'encoding), about 28.8 Gb/s after PCIe protocol overhead') in entry['warnings']
    assert 'win1:Ethernet 3: PCIe link runs at x4, the card can do x8: the slot limits it to 31.5 Gb/s (PCIe 3.0 x4)' in \
        entry['warnings']
    # Without HardwareInfo (older documents, or a driver that gives none) the end has no PCIe ceiling, as before.
    assert pw.evaluate_ends(ends, inv('cx3-winof550-40g-up-port2-disconnected.txt'), [])[0]['pcie'] == {}


@settings(max_examples=fuzz_examples(300), deadline=None)
@given(entry=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=10))
def test_fuzz_hardware_info_never_tracebacks(entry):
    result = pw.hardware_info(entry)
    summary = result['pcie']
    assert summary['ceiling_gbps'] is None or summary['ceiling_gbps'] > 0
