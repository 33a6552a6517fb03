# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tool version cliff, the board table, VPD and mst status parsers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

import pytest

from conftest import load_fixture, load_streams

from ansible_collections.homelab.connectx.plugins.module_utils import tools, psid, parse_vpd, parse_mst
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError


@pytest.mark.parametrize('version, family, supported, query, config', [
    ((4, 21, 0), 'connectx3', True, True, True),
    ((4, 25, 1), 'connectx3pro', True, True, True),
    ((4, 26, 0), 'connectx3', False, True, False),
    ((4, 26, 0), 'connectx3pro', False, True, False),
    ((4, 29, 0), 'connectx3pro', False, True, False),
    ((4, 30, 0), 'connectx3pro', False, False, False),
    ((4, 31, 0), 'connectx3', False, True, False),
    ((4, 31, 0), 'connectx4lx', True, True, True),
])
def test_mstflint_version_cliff(version, family, supported, query, config):
    result = tools.support('mstflint', version, family)
    assert (result['supported'], result['query'], result['config']) == (supported, query, config)
    if not supported:
        assert result['reason'] == 'tool_unsupported'
        assert 'mstflint=4.21.0+1-1' in result['fix'] and 'NVIDIA MFT' in result['fix']


# NVIDIA's MFT documentation, "Supported Adapter Cards Firmware Versions": v4.32.0 lists ConnectX-3/ConnectX-3 Pro
# (2.42.5000) among the legacy adapters, v4.33.0 no longer does. The versions as parse_version reads them from the real
# outputs of fixtures mft_version/ (4.22.1-526, 4.32.0-120, 4.34.1-12, 4.36.0-147; 4.33.0-53 low confidence).
@pytest.mark.parametrize('version, family, supported', [
    ([4, 22, 1], 'connectx3', True),
    ([4, 32, 0], 'connectx3', True),
    ([4, 32, 0], 'connectx3pro', True),
    ([4, 33, 0], 'connectx3', False),
    ([4, 33, 0], 'connectx3pro', False),
    ([4, 34, 1], 'connectx3pro', False),
    ([4, 36, 0], 'connectx3', False),
    ([4, 36, 0], 'connectx4lx', True),
    ([4, 36, 0], None, True),
])
def test_mft_version_cliff(version, family, supported):
    result = tools.support('mft', version, family)
    assert result['supported'] is supported
    assert (result['query'], result['burn'], result['config']) == (supported,) * 3
    if supported:
        assert (result['reason'], result['message'], result['fix']) == (None, None, None)
    else:
        assert result['reason'] == 'tool_unsupported'
        assert result['message'] == (
            'NVIDIA MFT %s does not support ConnectX-3/ConnectX-3 Pro cards (from MFT 4.33 on, its "Supported Adapter '
            'Cards Firmware Versions" no longer lists them; the last MFT that does is 4.32).' % '.'.join(map(str, version)))
        assert result['fix'] == tools.MFT_FIX and 'NVIDIA MFT 4.32 or earlier' in result['fix']
        assert 'mstflint 4.21.0+1-1' in result['fix']


def test_each_flavour_has_its_own_fix():
    assert tools.fix_for('mft') == tools.MFT_FIX
    assert tools.fix_for('mstflint') == tools.FIX and 'NVIDIA MFT 4.32 or earlier' in tools.FIX


def test_unknown_versions_are_not_refused():
    assert tools.support('mft', None, 'connectx3')['supported']
    assert tools.support('mstflint', None, 'connectx3')['supported']
    assert tools.support('mstflint', [], 'connectx3pro')['supported']
    assert tools.support('mstflint', [4, 31, 0], 'connectx3pro')['message'].startswith('mstconfig 4.31.0 no longer supports')


def test_flavour_for():
    assert tools.flavour_for(['mstflint', 'flint']) == 'mft'
    assert tools.flavour_for(['mstflint']) == 'mstflint'
    assert tools.flavour_for([]) is None


@pytest.mark.parametrize('device_id, family', [('1003', 'connectx3'), ('0x1003', 'connectx3'), (4099, 'connectx3'),
                                               ('4099', 'connectx3'), ('1007', 'connectx3pro'), ('4103', 'connectx3pro'),
                                               ('26428', 'connectx2'), ('1015', 'connectx4lx'), ('ffff', None), (None, None)])
def test_family_for_device_id(device_id, family):
    assert psid.family_for_device_id(device_id) == family


def test_psid_pairs_and_ports():
    assert psid.psid_change_allowed('MT_1090110018', 'MT_1090120019')
    assert psid.psid_change_allowed('ISL1090110018', 'MT_1090120019')
    assert psid.psid_change_allowed('MT_1090111023', 'MT_1090111019')
    assert not psid.psid_change_allowed('MT_1090120019', 'MT_1090110018')  # back to QCBT: only for restore, by pin
    assert psid.psid_change_allowed('MT_1090120019', 'MT_1090120019')
    assert not psid.psid_change_allowed('MT_1090110018', 'MT_1090120019', allowed=[])
    assert psid.psid_change_allowed('A', 'B', allowed=[{'from': 'A', 'to': 'B'}])
    assert (psid.ports_for_psid('MT_1100120019'), psid.ports_for_psid('MT_1090120019'), psid.ports_for_psid('XYZ')) == (1, 2, None)
    assert all(p['source'] for p in psid.DEFAULT_ALLOWED_PSID_CHANGES)


def test_board_table_matches_the_fixture():
    table = load_fixture('psid_table/connectx3-psid-partnumber-firmware-table.txt')[0]
    rows = dict((cols[0], cols) for cols in ([c.strip() for c in line.split('|')] for line in table.splitlines() if '|' in line))
    for name, board in psid.KNOWN_BOARDS.items():
        assert name in rows, name
        family = 'connectx3pro' if 'CX3P' in rows[name][1] else 'connectx3'
        assert board['family'] == family, name
        assert board['part_number'].split()[0] in rows[name][2] or board['part_number'].split()[0] == 'MCX354A-QCBT', name


def test_ethernet_top_speed_follows_the_description_in_the_fixture():
    table = load_fixture('psid_table/connectx3-psid-partnumber-firmware-table.txt')[0]
    rows = dict((cols[0], cols) for cols in ([c.strip() for c in line.split('|')] for line in table.splitlines() if '|' in line))
    for name, board in psid.KNOWN_BOARDS.items():
        description = rows[name][4]
        if re.search(r'40GigE|40GbE|Ethernet 10Gb/40Gb', description):  # not "QDR IB (40Gb/s)": that is InfiniBand
            assert board['eth_max_mbps'] >= 40000, name
        elif '10GigE' in description or '10GbE' in description:
            assert board['eth_max_mbps'] == 10000, name
        if 'FDR' in description and 'VPI' in description:
            assert board['eth_max_mbps'] == 56000, name  # FDR VPI boards run Mellanox's 56 GbE
    assert psid.eth_max_mbps('MT_1090110018') == 10000 and psid.eth_max_mbps('ISL1090110018') == 10000
    assert psid.eth_max_mbps('XYZ') is None


def test_model_text_and_crossflash_target():
    assert psid.model_text('MT_1090120019') == 'MCX354A-FCBT (MT_1090120019)'
    assert psid.model_text('MT_9999999999') == 'MT_9999999999' and psid.model_text(None) is None
    target = psid.crossflash_target('MT_1090110018')
    assert (target['psid'], target['part_number'], target['eth_max_mbps']) == ('MT_1090120019', 'MCX354A-FCBT', 56000)
    assert psid.crossflash_target('MT_1090120019') is None


def test_parse_mstvpd():
    synthetic = load_fixture('local/mstvpd-synthetic-cx354a-fcbt-vpd-stdin.txt')
    expected = {'ID': 'CX354A - ConnectX-3 QSFP', 'PN': 'MCX354A-FCBT', 'EC': 'AC', 'SN': 'MT1604K06557', 'V0': 'PCIe Gen3 x8',
                'V1': None, 'YA': None}
    assert parse_vpd.parse_mstvpd(synthetic[0]) == expected
    emulated = parse_vpd.parse_mstvpd(load_fixture('local/emulated-mstvpd.txt')[0])
    assert (emulated['PN'], emulated['EC'], emulated['V0']) == ('MCX354A-QCBT', 'A5', 'PCIe Gen3 x8')
    with pytest.raises(ParseError):
        parse_vpd.parse_mstvpd(load_fixture('local/mstvpd-stdin-empty.txt')[0])


def test_parse_lspci_vpd():
    fields = parse_vpd.parse_lspci_vpd(load_fixture('vpd/cx3-mcx354a-fcbt-lspci-vpd-block.txt')[0])
    assert fields['ID'] == 'CX354A - ConnectX-3 QSFP' and fields['PN'] == 'MCX354A-FCBT'
    grep = parse_vpd.parse_lspci_vpd(load_fixture('vpd/cx3-mcx354a-fcbt-lspci-grep-PN-SN.txt')[0])
    assert grep['PN'] == 'MCX354A-FCBT'


def test_parse_mst_status():
    new = parse_mst.parse_status(load_fixture('mst/mft4.14-mst-start-status-cx3-MCX354A.txt')[0])
    assert new == [{'mst_device': '/dev/mst/mt4099_pciconf0', 'pci_address': '0000:01:00.0', 'device_id': '4099',
                    'family': 'connectx3', 'kind': 'pciconf'},
                   {'mst_device': '/dev/mst/mt4099_pci_cr0', 'pci_address': '0000:01:00.0', 'device_id': '4099',
                    'family': 'connectx3', 'kind': 'pci_cr'}]
    verbose = parse_mst.parse_status(load_fixture('mst/mft-mst-status-v-4x-cx3pro.txt')[0])
    assert [(d['mst_device'], d['pci_address']) for d in verbose if d['kind'] == 'pci_cr'] == [
        ('/dev/mst/mt4103_pci_cr3', '0000:06:00.0'), ('/dev/mst/mt4103_pci_cr2', '0000:04:00.0'),
        ('/dev/mst/mt4103_pci_cr1', '0000:03:00.0'), ('/dev/mst/mt4103_pci_cr0', '0000:01:00.0')]
    old = parse_mst.parse_status(load_fixture('mst/mft4.5-mst-status-old-format-2x-cx3-and-burn.txt')[0])
    assert old[:2] == [{'mst_device': '/dev/mst/mt4099_pciconf0', 'pci_address': '0000:02:00.0', 'device_id': '4099',
                        'family': 'connectx3', 'kind': 'pciconf'},
                       {'mst_device': '/dev/mst/mt4099_pciconf1', 'pci_address': '0000:81:00.0', 'device_id': '4099',
                        'family': 'connectx3', 'kind': 'pciconf'}]
    pve = parse_mst.parse_status(load_fixture('mst/mft4.25-pve8-mst-start-status-hpe544flr.txt')[0])
    assert {d['family'] for d in pve} == {'connectx3pro'}
    assert parse_mst.parse_status(load_fixture('mst/mft-mst-install-rpm-rhel9-4.25.1.txt')[0]) == []


def test_every_card_tool_argv_is_spelled_in_one_table():
    from ansible_collections.homelab.connectx.plugins.module_utils.tools import argv, JOBS
    bdf = '0000:03:00.0'
    assert argv('mstflint', 'query', device=bdf) == ['mstflint', '-d', bdf, 'q']
    assert argv('mft', 'query', device=bdf) == ['flint', '-d', bdf, 'q']
    assert argv('mstflint', 'burn', device=bdf, image='/x.bin', options=['-allow_psid_change']) == \
        ['mstflint', '-d', bdf, '-i', '/x.bin', '-allow_psid_change', '-y', 'burn']
    assert argv('mstflint', 'burn', device=bdf, image='/x.bin') == ['mstflint', '-d', bdf, '-i', '/x.bin', '-y', 'burn']
    assert argv('mstflint', 'vpd', device=bdf) == ['mstvpd', bdf]
    assert argv('mft', 'vpd', device=bdf) == ['mlxvpd', '-d', bdf]
    assert argv('mstflint', 'config_set', device=bdf, options=['LINK_TYPE_P1=2']) == \
        ['mstconfig', '-d', bdf, '-y', 'set', 'LINK_TYPE_P1=2']
    assert argv('mft', 'read_rom', device=bdf, path='/b/rom') == ['flint', '-d', bdf, 'rrom', '/b/rom']
    assert argv('mft', 'mst_status') == ['mst', 'status', '-v']
    with pytest.raises(ValueError):
        argv('mstflint', 'query')
    assert 'image_verify' in JOBS and 'read_config' in JOBS


def test_debian13_route_and_the_fix_text():
    """Debian 13 gets Debian 12's mstflint from bookworm (tried: fixtures local/trixie-bookworm-route-*.txt)."""
    trixie = {'id': 'debian', 'version_id': '13', 'version_codename': 'trixie'}
    assert tools.mstflint_route(trixie, 'mstflint=4.21.0+1-1') == 'bookworm'
    assert tools.mstflint_route(dict(trixie, version_id='12', version_codename='bookworm'), 'mstflint=4.21.0+1-1') == 'native'
    assert tools.mstflint_route(trixie, 'mstflint') == 'native'
    assert tools.BOOKWORM_ROUTE['libraries'] == ('libboost-filesystem1.74.0', 'libjsoncpp25')
    assert 'bookworm' in tools.FIX and 'libboost-filesystem1.74.0 and libjsoncpp25' in tools.FIX
    assert 'take the .deb' not in tools.FIX  # the old advice, never tried


def test_debian13_mstflint_4_31_on_the_emulator():
    """The real Debian 13 mstflint 4.31 (fixtures local/trixie-*): its version line, and what the cliff makes of it."""
    from ansible_collections.homelab.connectx.plugins.module_utils import parse_flint
    version = parse_flint.parse_version(load_streams('local/trixie-mstflint-4.31-version.txt')[0]['stdout'])
    assert version['version_tuple'] == [4, 31, 0] and version['git_sha'] == 'e94e92f'
    assert parse_flint.parse_version(load_streams('local/trixie-mstconfig-4.31-version.txt')[0]['stdout'])['version_tuple'] == [4, 31, 0]
    pro = tools.support('mstflint', version['version_tuple'], 'connectx3pro')
    assert not pro['supported'] and not pro['query'] and not pro['config']
    cx3 = tools.support('mstflint', version['version_tuple'], 'connectx3')
    assert not cx3['supported'] and cx3['query'] and not cx3['config']
