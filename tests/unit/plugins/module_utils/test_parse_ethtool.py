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
