# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: no parser raises anything but ParseError, whatever a tool prints.

Inputs: random text, and every fixture truncated at a random point, with lines shuffled, dropped or
duplicated. Each test runs EXAMPLES hypothesis examples (19 parsers x 3 strategies x 300 = 17,100 per run), the same ones
every run (the ci profile, tests/unit/conftest.py); HYPOTHESIS_PROFILE=wide runs ten times as many, random.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os

import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

from conftest import FIXTURES_DIR, fuzz_examples, load_fixture

from ansible_collections.homelab.connectx.plugins.module_utils import (
    parse_flint, parse_mlxconfig, parse_ethtool, parse_vpd, parse_mst, pcie)
from ansible_collections.homelab.connectx.plugins.plugin_utils import links
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

EXAMPLES = 300
PARSERS = {
    'flint.parse_query': parse_flint.parse_query,
    'flint.parse_verify': parse_flint.parse_verify,
    'flint.parse_burn': parse_flint.parse_burn,
    'flint.classify_error': parse_flint.classify_error,
    'flint.parse_version': parse_flint.parse_version,
    'mlxconfig.parse_query': parse_mlxconfig.parse_query,
    'mlxconfig.classify_error': parse_mlxconfig.classify_error,
    'ethtool.parse_settings': parse_ethtool.parse_settings,
    'ethtool.parse_driver_info': parse_ethtool.parse_driver_info,
    'ethtool.classify_error': parse_ethtool.classify_error,
    'ethtool.parse_module': parse_ethtool.parse_module,
    'ethtool.parse_module_sfp_cage': lambda text: parse_ethtool.parse_module(text, cage='sfp'),
    'ethtool.classify_module_error': parse_ethtool.classify_module_error,
    'ethtool.module_info': lambda text: parse_ethtool.module_info(text, text, rc=len(text) % 2),
    'vpd.parse_mstvpd': parse_vpd.parse_mstvpd,
    'vpd.parse_lspci_vpd': parse_vpd.parse_lspci_vpd,
    'mst.parse_status': parse_mst.parse_status,
    'pcie.parse_lspci_link': pcie.parse_lspci_link,
    'pcie.parse_dmesg_bandwidth': pcie.parse_dmesg_bandwidth,
}
CAPTURES = [c for path in sorted(glob.glob(os.path.join(FIXTURES_DIR, '**', '*.txt'), recursive=True))
            for c in load_fixture(os.path.relpath(path, FIXTURES_DIR))]
FUZZ = settings(max_examples=fuzz_examples(EXAMPLES), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _call(parser, text):
    try:
        result = parser(text)
    except ParseError as exc:
        assert exc.reason and str(exc)
        return None
    assert result is not None
    return result


@st.composite
def mangled_fixture(draw):
    lines = draw(st.sampled_from(CAPTURES)).splitlines(True)
    ops = draw(st.lists(st.sampled_from(['truncate', 'shuffle', 'drop', 'dup', 'cut_line']), max_size=4))
    for op in ops:
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == 'truncate':
            lines = lines[:i]
        elif op == 'shuffle':
            lines = draw(st.permutations(lines))
        elif op == 'drop':
            del lines[i]
        elif op == 'dup':
            lines.insert(i, lines[i])
        else:
            lines[i] = lines[i][:draw(st.integers(0, len(lines[i])))]
    return ''.join(lines)


@pytest.mark.parametrize('name', sorted(PARSERS))
@FUZZ
@given(text=st.text())
def test_fuzz_random_text(name, text):
    _call(PARSERS[name], text)


@pytest.mark.parametrize('name', sorted(PARSERS))
@FUZZ
@given(text=mangled_fixture())
def test_fuzz_mangled_fixtures(name, text):
    _call(PARSERS[name], text)


@pytest.mark.parametrize('name', sorted(PARSERS))
@FUZZ
@given(text=st.lists(st.sampled_from(
    ['PSID:', 'FW Version:', 'Image type:  FS2', 'Rom Info:  type=', '   type=PXE', 'Configurations:   Next Boot',
     '         LINK_TYPE_P1       ETH(2)', 'Speed: 99999999999999999999Mb/s', 'Settings for x:', 'LnkSta: Speed GT/s',
     'LnkCap: Speed 8GT/s, Width x', '-E- ', 'driver:', 'PN:', '/dev/mst/mt4099_pci_cr0', '\t', '\r', '\x00', 'é',
     '\tIdentifier : 0x0d (QSFP+)', 'Identifier : 0x03', 'Connector : 0x', 'Length (OM3 50um) : 99999999999999999999km',
     'Length (Copper) : m', 'BR, Nominal : 14100Mbps', 'Transceiver type : 40G Ethernet: 40G Base-CR4',
     'Transceiver type :', 'Vendor PN :', 'Laser wavelength : nm', 'netlink error: Input/output error']),
    max_size=12).map('\n'.join))
def test_fuzz_label_soup(name, text):
    _call(PARSERS[name], text)


@FUZZ
@given(value=st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12)),
       name=st.sampled_from(sorted(parse_mlxconfig.KNOWN_SETTINGS) + ['UNKNOWN_PARAM']))
def test_fuzz_normalize_value(name, value):
    try:
        parse_mlxconfig.normalize_value(name, value)
    except ParseError as exc:
        assert exc.reason == 'invalid_value'


@FUZZ
@given(speed=st.one_of(st.none(), st.floats(min_value=0, max_value=128), st.sampled_from([2.5, 5.0, 8.0, 16.0])),
       width=st.one_of(st.none(), st.integers(min_value=0, max_value=32)),
       max_speed=st.one_of(st.none(), st.sampled_from([2.5, 5.0, 8.0])), max_width=st.one_of(st.none(), st.integers(0, 16)))
def test_fuzz_link_summary(speed, width, max_speed, max_width):
    summary = pcie.link_summary(speed, width, max_speed, max_width)
    if summary['ceiling_gbps'] is not None:
        assert 0 <= summary['usable_gbps'] <= summary['ceiling_gbps']


_END_A = st.fixed_dictionaries({'host': st.sampled_from(['h1', 'h2']), 'iface': st.text(max_size=3)})
_END_B = st.fixed_dictionaries({'host': st.sampled_from(['h1', 'h3']), 'iface': st.text(max_size=3)})
_LINK = st.fixed_dictionaries({'name': st.text(max_size=5), 'a': _END_A, 'b': _END_B, 'speed_mbps': st.integers(0, 100000)})


@FUZZ
@given(links_=st.lists(_LINK, max_size=4))
def test_fuzz_link_report(links_):
    ends = []
    for host in ('h1', 'h2', 'h3'):
        ends.extend(links.evaluate_ends(links.link_ends(links_, host, {}), {}, [], []))
    report = links.link_report(links_, ends)
    assert len(report['links']) == len(links_)
