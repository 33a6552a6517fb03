# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PCIe ceiling arithmetic and link parsers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from conftest import load_fixture

from ansible_collections.homelab.connectx.plugins.module_utils import pcie
from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

# GT/s x lanes x 8/10 (Gen1, Gen2) or 128/130 (Gen3+), one direction, rounded to 0.1 Gb/s.
CEILINGS = [
    (2.5, 1, 2.0), (2.5, 4, 8.0), (2.5, 8, 16.0), (2.5, 16, 32.0),
    (5.0, 1, 4.0), (5.0, 4, 16.0), (5.0, 8, 32.0), (5.0, 16, 64.0),
    (8.0, 1, 7.9), (8.0, 4, 31.5), (8.0, 8, 63.0), (8.0, 16, 126.0),
    (16.0, 4, 63.0), (16.0, 16, 252.1),
]


@pytest.mark.parametrize('speed, width, gbps', CEILINGS)
def test_ceiling(speed, width, gbps):
    assert pcie.ceiling_gbps(speed, width) == gbps


def test_ceiling_matches_the_kernels_own_figure():
    # The kernel prints 31.504 Gb/s for a Gen3 x4 link (dmesg fixture, pcie_print_link_status()).
    line = pcie.parse_dmesg_bandwidth(load_fixture('dmesg/analog-gen3x8-card-in-x4-slot-pcie_print_link_status-nfp.txt')[0])
    assert line == [{'available_gbps': 31.504, 'speed_gts': 8.0, 'width': 4, 'limited_at': '0000:6e:01.0',
                     'capable_gbps': 63.008, 'capable_speed_gts': 8.0, 'capable_width': 8}]
    assert pcie.ceiling_gbps(line[0]['speed_gts'], line[0]['width']) == round(line[0]['available_gbps'], 1)
    assert pcie.ceiling_gbps(8.0, 8) == round(line[0]['capable_gbps'], 1)


def test_usable_after_packet_overhead():
    assert pcie.usable_gbps(8.0, 4) == 28.8  # 31.5 x 256 / 280: the "28-31 Gb/s" of a Gen3 x4 slot
    assert pcie.usable_gbps(8.0, 8) == 57.6
    assert pcie.usable_gbps(5.0, 8) == 29.3
    assert pcie.usable_gbps(8.0, 4, mps=128) == 26.5
    assert pcie.usable_gbps(None, 4) is None and pcie.ceiling_gbps(8.0, None) is None and pcie.ceiling_gbps(0, 4) is None


def test_encoding():
    assert pcie.encoding(2.5) == (8, 10) and pcie.encoding(5.0) == (8, 10) and pcie.encoding(8.0) == (128, 130)


@pytest.mark.parametrize('text, speed', [('8.0 GT/s PCIe', 8.0), ('8.0 GT/s PCIe\n', 8.0), ('5 GT/s', 5.0), ('2.5 GT/s PCIe', 2.5),
                                         ('16.0 GT/s PCIe', 16.0), ('Unknown', None), ('Unknown speed', None), ('', None)])
def test_parse_sysfs_link_speed(text, speed):
    assert pcie.parse_sysfs_link_speed(text) == speed


@pytest.mark.parametrize('text, width', [('8', 8), ('4\n', 4), ('x16', 16), ('63', None), ('', None), ('abc', None)])
def test_parse_sysfs_link_width(text, width):
    assert pcie.parse_sysfs_link_width(text) == width


def test_link_summary_x4_slot():
    summary = pcie.link_summary(8.0, 4, 8.0, 8)
    assert summary == {'speed_gts': 8.0, 'width': 4, 'max_speed_gts': 8.0, 'max_width': 8, 'ceiling_gbps': 31.5,
                       'usable_gbps': 28.8, 'max_ceiling_gbps': 63.0, 'degraded': True,
                       'warnings': ['PCIe link runs at x4, the card can do x8: the slot limits it to 31.5 Gb/s (PCIe 3.0 x4)']}


def test_link_summary_gen2_slot_and_full_slot_and_unknown():
    gen2 = pcie.link_summary(5.0, 8, 8.0, 8)
    assert gen2['ceiling_gbps'] == 32.0 and gen2['degraded']
    assert gen2['warnings'] == ['PCIe link runs at 5 GT/s (PCIe 2.0), the card can do 8 GT/s (PCIe 3.0): the slot limits it to 32.0 Gb/s']
    full = pcie.link_summary(8.0, 8, 8.0, 8)
    assert not full['degraded'] and full['warnings'] == []
    unknown = pcie.link_summary(None, None, 8.0, 8)
    assert unknown['ceiling_gbps'] is None and unknown['degraded'] is None and unknown['max_ceiling_gbps'] == 63.0


LSPCI = [
    ('lspci_sysfs/cx3-mcx311a-lspci-vv-lnkcap-x4-lnksta-ok.txt',
     {'cap': {'speed_gts': 8.0, 'width': 4}, 'sta': {'speed_gts': 8.0, 'width': 4}, 'downgraded': False}),
    ('lspci_sysfs/cx4-mcx416a-lspci-vvvvv-x16-card-in-x8-slot-downgraded.txt',
     {'cap': {'speed_gts': 8.0, 'width': 16}, 'sta': {'speed_gts': 8.0, 'width': 8}, 'downgraded': True}),
    ('lspci_sysfs/cx4lx-x8-card-in-x4-slot-lspci-vvs-tabs-downgraded-VPD-padded.txt',
     {'cap': {'speed_gts': 8.0, 'width': 8}, 'sta': {'speed_gts': 8.0, 'width': 4}, 'downgraded': True}),
    ('lspci_sysfs/analog-fm10k-lnksta-old-and-new-pciutils-and-old-kernel-bw-line.txt',
     {'cap': {'speed_gts': 8.0, 'width': 8}, 'sta': {'speed_gts': 8.0, 'width': 8}, 'downgraded': False}),
]


@pytest.mark.parametrize('name, expected', LSPCI, ids=[n[0].split('/')[-1] for n in LSPCI])
def test_parse_lspci_link(name, expected):
    assert pcie.parse_lspci_link(load_fixture(name)[0]) == expected


def test_parse_lspci_link_without_express_capability():
    with pytest.raises(ParseError):
        pcie.parse_lspci_link(load_fixture('lspci_sysfs/cx3pro-lspci-sriov-vfs.txt')[0])
