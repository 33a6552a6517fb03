# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""parse_mlxconfig on every mstconfig/mlxconfig fixture, expected values written out."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from conftest import load_fixture, load_streams

from ansible_collections.homelab.connectx.plugins.module_utils import parse_mlxconfig as pm
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

QUERY = [
    ('mlxconfig/cx3-mlxconfig-query-failed-current-config.txt', 0,
     {'device': {'device_type': 'ConnectX3', 'device': '/dev/mst/mt4099_pciconf0'}, 'columns': ['next_boot'],
      'settings': {}, 'errors': ['Failed to query device current configuration'], 'readable': False}),
    ('mlxconfig/cx3-mstconfig-4.26-Unsupported-device-vs-4.25-issue590.txt', 0,
     {'errors': ['Unsupported device', 'Unsupported device'], 'readable': False, 'settings': {}}),
]
ROWS = [
    ('mlxconfig/cx3-mlxconfig-query-mft4.14-ETH-SRIOV.txt', 0, 20,
     {'SRIOV_EN': {'next_boot': 'True(1)', 'modified': False}, 'NUM_OF_VFS': {'next_boot': '8', 'modified': False},
      'LINK_TYPE_P1': {'next_boot': 'ETH(2)', 'modified': False}, 'LEGACY_BOOT_PROTOCOL_P2': {'next_boot': 'None(0)', 'modified': False}}),
    ('mlxconfig/cx3-mstconfig-e-query-no-d-default-and-nextboot-columns.txt', 0, 9,
     {'SRIOV_EN': {'default': 'True(1)', 'next_boot': 'True(1)', 'modified': False},
      'LOG_BAR_SIZE': {'default': '5', 'next_boot': '5', 'modified': False}}),
    ('mlxconfig/cx3pro-hp544-mlxconfig-query-VPI-partial.txt', 0, 10,
     {'WOL_MAGIC_EN_P2': {'next_boot': 'True(1)', 'modified': False}, 'XFI_MODE_P1': {'next_boot': '_10G(0)', 'modified': False}}),
    ('mlxconfig/cx3pro-hp544-mlxconfig-query-mft4.24-ETH-XFI.txt', 0, 28,
     {'LINK_TYPE_P1': {'next_boot': 'ETH(2)', 'modified': False}}),
    ('mlxconfig/cx6-ironic-fixture-mstconfig-query-Name-line.txt', 0, 3,
     {'PF_TOTAL_SF': {'next_boot': '0', 'modified': False}}),
    ('local/emulated-mstconfig.txt', 0, 20,
     {'LINK_TYPE_P1': {'default': 'VPI(3)', 'next_boot': 'VPI(3)', 'modified': False},
      'NUM_OF_VFS': {'default': '8', 'next_boot': '8', 'modified': False}}),
    ('local/emulated-mstconfig.txt', 2, 2,
     {'LINK_TYPE_P2': {'next_boot': 'VPI(3)', 'new': 'ETH(2)', 'modified': False}}),
    ('local/emulated-mstconfig.txt', 3, 2, {'LINK_TYPE_P1': {'next_boot': 'ETH(2)', 'modified': False}}),
]


@pytest.mark.parametrize('name, index, expected', QUERY, ids=[q[0].split('/')[-1] for q in QUERY])
def test_parse_query_fields(name, index, expected):
    result = pm.parse_query(load_fixture(name)[index])
    for key, value in expected.items():
        assert result[key] == value, key


@pytest.mark.parametrize('name, index, count, rows', ROWS, ids=['%s[%d]' % (r[0].split('/')[-1], r[1]) for r in ROWS])
def test_parse_query_rows(name, index, count, rows):
    result = pm.parse_query(load_fixture(name)[index])
    assert len(result['settings']) == count
    assert result['readable']
    for key, value in rows.items():
        assert result['settings'][key] == value, key


def test_parse_query_device_header():
    result = pm.parse_query(load_fixture('mlxconfig/cx6-ironic-fixture-mstconfig-query-Name-line.txt')[0])
    assert result['device'] == {'device_type': 'ConnectX6', 'name': 'MCX654106A-HCA_Ax', 'device': '0000:06:00.0'}
    with pytest.raises(ParseError):
        pm.parse_query('')


@pytest.mark.parametrize('name, index, reason', [
    ('mlxconfig/cx3-mlxconfig-query-failed-current-config.txt', 0, 'config_unreadable'),
    ('mlxconfig/cx3-mstconfig-4.26-Unsupported-device-vs-4.25-issue590.txt', 0, 'unsupported_device'),
    ('local/mstconfig-q-nonexistent-bdf-streams.txt', 1, 'no_device'),
    ('local/mstconfig-q-no-device-all.txt', 0, 'no_device'),
    ('local/emulated-mstconfig.txt', 4, 'unknown_setting'),
    ('local/emulated-mstconfig.txt', 5, 'invalid_value'),
])
def test_classify_error(name, index, reason):
    assert pm.classify_error(load_fixture(name)[index])['reason'] == reason


def test_classify_error_message():
    assert pm.classify_error(load_fixture('local/emulated-mstconfig.txt')[5]) == {
        'reason': 'invalid_value', 'message': 'Failed to set configuration: Number of VFs exceeds limit (126).'}
    assert pm.classify_error(None, rc=3) == {'reason': 'unknown', 'message': 'exit code 3'}


@pytest.mark.parametrize('name, value, expected', [
    ('LINK_TYPE_P1', 'ETH', 2), ('LINK_TYPE_P1', 'eth', 2), ('LINK_TYPE_P1', 'ETH(2)', 2), ('LINK_TYPE_P1', 2, 2),
    ('LINK_TYPE_P2', 'IB', 1), ('LINK_TYPE_P2', 'VPI(3)', 3), ('SRIOV_EN', False, 0), ('SRIOV_EN', 'True(1)', 1),
    ('SRIOV_EN', 'true', 1), ('SRIOV_EN', 'yes', 1), ('NUM_OF_VFS', '8', 8), ('NUM_OF_VFS', 0, 0),
    ('LEGACY_BOOT_PROTOCOL_P1', 'None(0)', 0), ('XFI_MODE_P1', '_10G(0)', 0), ('PF_TOTAL_SF', '0', 0),
    ('SOME_NEW_PARAM', 'WORD', 'WORD'),
])
def test_normalize_value(name, value, expected):
    assert pm.normalize_value(name, value) == expected


@pytest.mark.parametrize('name, value', [('LINK_TYPE_P1', 'ethernet'), ('LINK_TYPE_P1', 4), ('NUM_OF_VFS', 127),
                                         ('NUM_OF_VFS', -1), ('SRIOV_EN', 'maybe'), ('SRIOV_EN', 2)])
def test_normalize_value_refuses(name, value):
    with pytest.raises(ParseError) as err:
        pm.normalize_value(name, value)
    assert err.value.reason == 'invalid_value'


def test_format_set_args():
    assert pm.format_set_args({'LINK_TYPE_P2': 'ETH', 'LINK_TYPE_P1': 'eth', 'SRIOV_EN': True, 'NUM_OF_VFS': '4'}) == [
        'LINK_TYPE_P1=2', 'LINK_TYPE_P2=2', 'NUM_OF_VFS=4', 'SRIOV_EN=1']


@pytest.mark.parametrize('name, rc', [('local/trixie-mstconfig-4.31-query-cx3.txt', 3),
                                      ('local/trixie-mstconfig-4.31-query-cx3pro.txt', 3),
                                      ('local/trixie-mstconfig-4.31-query-cx3-vsc.txt', -11),
                                      ('local/trixie-mstconfig-4.31-query-cx3pro-vsc.txt', -11)])
def test_debian13_mstconfig_4_31_refuses_or_crashes(name, rc):
    """Debian 13's real mstconfig 4.31 on the emulated cards: `-E- Unsupported device` (rc 3), or, with the card's
    vendor-specific capability, a crash without output: both mean the tool does not handle the card."""
    (run,) = load_streams(name)
    assert run['status'] == ('[exit code: 3]' if rc == 3 else
                             '[killed by signal 11 (SIGSEGV); a shell reports exit status 139]')
    assert pm.classify_error(run['stdout'], rc)['reason'] == 'unsupported_device'
