# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""parse_ethtool on every ethtool fixture, expected values written out."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from conftest import load_fixture

from ansible_collections.homelab.connectx.plugins.module_utils import parse_ethtool as pe
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

SETTINGS = [
    ('ethtool/cx3-mlx4_en-ethtool-40G-QSFP-DAC-MCX354A.txt',
     {'interface': 'eth2', 'speed_mbps': 40000, 'duplex': 'full', 'autoneg': True, 'link_detected': True,
      'port': 'Direct Attach Copper', 'transceiver': 'internal',
      'supported_link_modes': ['1000baseKX/Full', '10000baseKX4/Full', '10000baseKR/Full', '40000baseCR4/Full',
                               '40000baseSR4/Full', '56000baseCR4/Full', '56000baseSR4/Full'],
      'partner_link_modes': ['40000baseCR4/Full', '56000baseCR4/Full']}),
    ('ethtool/cx3-mcx311a-mlx4_en-ethtool-10G-DAC-tabs.txt',
     {'interface': 'enp3s0', 'speed_mbps': 10000, 'duplex': 'full', 'autoneg': False, 'link_detected': True,
      'supported_link_modes': ['1000baseKX/Full', '10000baseKR/Full']}),
    ('ethtool/cx3-mlx4_en-ethtool-i-and-ethtool-10G-SFP-DAC.txt',
     {'interface': 'enp1s0', 'speed_mbps': 10000, 'autoneg': False, 'advertised_link_modes': ['1000baseX/Full', '10000baseCR/Full', '10000baseSR/Full']}),
    ('ethtool/cx4lx-mlx5-ethtool-25G-DAC-FEC.txt', {'interface': 'enp1s0f0np0', 'speed_mbps': 25000, 'link_detected': True}),
    ('local/ethtool-veth-settings.txt', {'interface': 'vethA', 'speed_mbps': 10000, 'duplex': 'full', 'supported_link_modes': []}),
]


@pytest.mark.parametrize('name, expected', SETTINGS, ids=[s[0].split('/')[-1] for s in SETTINGS])
def test_parse_settings(name, expected):
    result = pe.parse_settings(load_fixture(name)[0])
    for key, value in expected.items():
        assert result[key] == value, key


def test_no_link_is_none_not_minus_one():
    text = 'Settings for ens1:\n\tSpeed: Unknown!\n\tDuplex: Unknown! (255)\n\tAuto-negotiation: off\n\tLink detected: no\n'
    result = pe.parse_settings(text)
    assert (result['speed_mbps'], result['duplex'], result['link_detected']) == (None, None, False)
    assert pe.parse_settings('Settings for x:\n\tSpeed: 65535Mb/s\n\tLink detected: no\n')['speed_mbps'] is None


@pytest.mark.parametrize('name', ['local/ethtool-nonexistent-interface.txt', 'local/ethtool-S-veth.txt',
                                  'ethtool/cx3-en-ethtool-m-IO-error-and-mlx4-MAD_IFC-dmesg-issue33.txt'])
def test_parse_settings_refuses_other_outputs(name):
    with pytest.raises(ParseError):
        pe.parse_settings(load_fixture(name)[0])


def test_parse_driver_info():
    mlx4 = pe.parse_driver_info(load_fixture('ethtool/cx3-mlx4_en-ethtool-i-and-ethtool-10G-SFP-DAC.txt')[0])
    assert mlx4 == {'driver': 'mlx4_en', 'version': '4.0-0', 'firmware_version': '2.42.5000', 'expansion_rom_version': None,
                    'bus_info': '0000:01:00.0', 'supports_statistics': True, 'supports_test': True,
                    'supports_eeprom_access': False, 'supports_register_dump': False, 'supports_priv_flags': True}
    mlx5 = pe.parse_driver_info(load_fixture('ethtool/cx4-mlx5_core-ethtool-i-pve-kernels-fw-with-psid.txt')[0])
    assert (mlx5['driver'], mlx5['firmware_version']) == ('mlx5_core', '14.32.1900 (MT_2420110034)')
    veth = pe.parse_driver_info(load_fixture('local/ethtool-veth-i-driverinfo.txt')[0])
    assert (veth['driver'], veth['bus_info'], veth['firmware_version']) == ('veth', None, None)
    with pytest.raises(ParseError):
        pe.parse_driver_info(load_fixture('local/ethtool-i-nonexistent-interface.txt')[0])


@pytest.mark.parametrize('name, reason', [('local/ethtool-i-nonexistent-interface.txt', 'no_interface'),
                                          ('local/ethtool-nonexistent-interface.txt', 'no_interface'),
                                          ('local/ethtool-veth-m-module-eeprom-unsupported.txt', 'unsupported')])
def test_classify_error(name, reason):
    assert pe.classify_error(load_fixture(name)[0])['reason'] == reason


# ethtool -m: every module fixture, the fields written out. The lab-* files are the real ethtool 6.1 decoding the
# emulator's EEPROMs; the others are real modules from public sources (tests/unit/fixtures/README.md).
MODULES = [
    ('ethtool/lab-ethtool-m-dac.txt', 'qsfp',
     {'kind': 'dac', 'identifier': 'QSFP+', 'identifier_code': '0x0d', 'form_factor': 'qsfp', 'connector': 'No separable connector',
      'transceiver_types': ['40G Ethernet: 40G Base-CR4'], 'compliance': ['40GBASE-CR4'], 'max_speed_mbps': 40000,
      'br_nominal_mbps': 14100, 'transmitter': 'Copper cable unequalized', 'lengths': {'cable': 1.0}, 'length': '1 m',
      'vendor': 'Mellanox', 'vendor_oui': '00:02:c9', 'part_number': 'MC2207130-001', 'revision': 'A1',
      'serial': 'MT1504VS24577', 'date_code': '150427', 'encoding': '64B/66B', 'wavelength_nm': None,
      'type': 'direct attach copper cable', 'summary': 'Mellanox MC2207130-001 (DAC, 1 m)'}),
    ('ethtool/lab-ethtool-m-dac-generic.txt', 'qsfp',
     {'kind': 'dac', 'vendor': 'Generic', 'vendor_oui': '00:00:00', 'part_number': 'QSFP-40G-DAC1M', 'revision': 'A',
      'br_nominal_mbps': 10300, 'summary': 'Generic QSFP-40G-DAC1M (DAC, 1 m)'}),
    ('ethtool/lab-ethtool-m-aoc.txt', 'qsfp',
     {'kind': 'aoc', 'compliance': ['40G Active Cable (XLPPI)'], 'max_speed_mbps': 40000, 'transmitter': '850 nm VCSEL',
      'wavelength_nm': 850.0, 'lengths': {'cable': 3.0}, 'part_number': 'MC2206310-003', 'type': 'active optical cable',
      'summary': 'Mellanox MC2206310-003 (AOC, 3 m)'}),
    ('ethtool/lab-ethtool-m-sr4-flat.txt', 'qsfp',
     {'kind': 'optical', 'connector': 'MPO Parallel Optic', 'compliance': ['40GBASE-SR4'], 'lengths': {'om3': 100.0},
      'length': 'OM3 100 m', 'revision_compliance': 'SFF-8636 Rev 1.3 or earlier', 'summary': 'Mellanox MC2210411-SR4 (optical, OM3 100 m)'}),
    ('ethtool/lab-ethtool-m-qsa.txt', 'qsfp',
     {'kind': 'qsa', 'medium': 'optical', 'identifier': 'SFP', 'form_factor': 'sfp', 'connector': 'LC',
      'compliance': ['10GBASE-SR'], 'max_speed_mbps': 10000, 'br_nominal_mbps': 10300,
      'lengths': {'om2': 80.0, 'om1': 30.0, 'om3': 300.0}, 'length': 'OM3 300 m', 'part_number': 'MFM1T02A-SR',
      'type': 'QSFP-to-SFP adapter (QSA) with an SFP+ optical transceiver',
      'summary': 'Mellanox MFM1T02A-SR (QSA + SFP+ optical, OM3 300 m)'}),
    ('ethtool/lab-ethtool-m-qsa.txt', 'sfp', {'kind': 'optical', 'summary': 'Mellanox MFM1T02A-SR (optical, OM3 300 m)'}),
    ('ethtool/qsfp-mellanox-mcp1600-dac-ethtool-m-sonic-sn2700.txt', 'qsfp',
     {'kind': 'dac', 'identifier': 'QSFP+', 'compliance': ['40GBASE-CR4', '100GBASE-CR4 or 25GBASE-CR CA-L'],
      'max_speed_mbps': 100000, 'br_nominal_mbps': 25500, 'encoding': 'unspecified', 'vendor': 'Mellanox',
      'part_number': 'MCP1600-E001', 'serial': 'MT1834VS04288', 'date_code': None, 'summary': 'Mellanox MCP1600-E001 (DAC, 1 m)'}),
    ('ethtool/sfp-10g-sr-boyang-ethtool-m-sff8472.txt', 'sfp',
     {'kind': 'optical', 'compliance': ['10GBASE-SR'], 'vendor': 'BOYANG', 'vendor_oui': '00:30:d3', 'part_number': 'SFP-10G-SR',
      'wavelength_nm': 850.0, 'length': 'OM3 300 m', 'summary': 'BOYANG SFP-10G-SR (optical, OM3 300 m)'}),
    ('ethtool/sfp-10g-sr-boyang-ethtool-m-sff8472.txt', 'qsfp',
     {'kind': 'qsa', 'summary': 'BOYANG SFP-10G-SR (QSA + SFP+ optical, OM3 300 m)'}),
    ('ethtool/sfp-1000base-sx-jdsu-ethtool-m-cumulus-docs.txt', 'sfp',
     {'kind': 'optical', 'compliance': ['1000BASE-SX'], 'max_speed_mbps': 1000, 'br_nominal_mbps': 2100, 'vendor': 'JDSU',
      'revision': '1', 'encoding': '8B/10B', 'lengths': {'om2': 300.0, 'om1': 150.0}, 'summary': 'JDSU PLRXPL-VI-S24-22 (optical, OM2 300 m)'}),
    ('ethtool/sfp-1000base-sx-jdsu-ethtool-m-cumulus-docs.txt', 'qsfp',
     {'kind': 'qsa', 'type': 'QSFP-to-SFP adapter (QSA) with an SFP optical transceiver'}),
    ('ethtool/sfp-passive-dac-oem-ethtool-m-intel-wired-lan.txt', 'sfp',
     {'kind': 'dac', 'connector': 'Copper pigtail', 'compliance': ['Passive Cable'], 'max_speed_mbps': None,
      'br_nominal_mbps': 10300, 'lengths': {'cable': 1.0}, 'vendor': 'OEM', 'part_number': 'CAB-10GSFP-P1M',
      'serial': 'S220101710852', 'summary': 'OEM CAB-10GSFP-P1M (DAC, 1 m)'}),
]


@pytest.mark.parametrize('name, cage, expected', MODULES, ids=['%s-%s' % (m[0].split('/')[-1], m[1]) for m in MODULES])
def test_parse_module(name, cage, expected):
    result = pe.parse_module(load_fixture(name)[0], cage)
    for key, value in expected.items():
        assert result[key] == value, key
    assert result['kind'] in pe.MODULE_KINDS


def test_module_info_adds_present_and_never_raises():
    dac = load_fixture('ethtool/lab-ethtool-m-dac.txt')[0]
    assert pe.module_info(dac)['present'] is True and pe.module_info(dac)['kind'] == 'dac'
    # ethtool said 0 but printed no decode (a driver with a blank EEPROM page): no module we can name.
    assert pe.module_info('Offset\t\tValues\n', rc=0) == {
        'kind': 'none', 'reason': 'unknown', 'message': 'ethtool -m printed no module identifier', 'present': None}


@pytest.mark.parametrize('name, reason, present', [
    ('ethtool/lab-ethtool-m-empty.txt', 'no_module', False),  # an empty cage of kernel 6.1's mlx4_en, netlink path
    ('ethtool/cx3-en-ethtool-m-IO-error-and-mlx4-MAD_IFC-dmesg-issue33.txt', 'no_module', False),  # the ioctl path, real card
    ('ethtool/lab-ethtool-m-sr4.txt', 'unreadable', True),  # a paged SR4: mlx4_en says EINVAL to ethtool 6.1
    ('local/ethtool-veth-m-module-eeprom-unsupported.txt', 'unsupported', None),
    ('local/ethtool-nonexistent-interface.txt', 'no_interface', None),
])
def test_module_errors_are_kind_none_with_the_reason(name, reason, present):
    text = load_fixture(name)[0]
    with pytest.raises(ParseError):
        pe.parse_module(text)
    info = pe.module_info('', text, rc=1)
    assert (info['kind'], info['reason'], info['present']) == ('none', reason, present)
    assert info['message'] and not info['message'].startswith('$')
