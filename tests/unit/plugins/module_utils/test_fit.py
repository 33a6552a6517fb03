# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Does an image fit a card (psid.fit_side / assess_fit): the decision table of issue 19, "Unknown hardware must
not mean allowed", and what sysfs says of a card's ports (firmware.sysfs_ports)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.homelab.connectx.plugins.module_utils import firmware, psid

# What the real mstflint 4.21 prints (fixtures and the emulated images of tests/lab/firmware).
QCBT_CARD = dict(device_id='1003', psid='MT_1090110018')             # MCX354A-QCBT, dual-port
FCBT_IMAGE = dict(device_id='4099', psid='MT_1090120019')            # MCX354A-FCBT, dual-port
SINGLE_IMAGE = dict(device_id='4099', psid='MT_1100120019')          # MCX353A-FCBT, single-port
PRO_IMAGE = dict(device_id='4103', psid='HP_1380110017')             # HP 544+FLR, ConnectX-3 Pro
OEM_CARD = dict(device_id='1003', psid='LAB1100120019')              # a PSID the board table does not know
OEM_IMAGE = dict(device_id='4099', psid='LAB1090120019', prs_name='synthetic.prs')


def fit(card, image):
    return psid.assess_fit(psid.fit_side(**card), psid.fit_side(**image))


@pytest.mark.parametrize('card, image, verdict, problem', [
    # Known boards: as before.
    (QCBT_CARD, FCBT_IMAGE, 'fits', None),
    (QCBT_CARD, PRO_IMAGE, 'mismatch', 'family'),
    (dict(device_id='1003', psid='MT_1100120019'), FCBT_IMAGE, 'mismatch', 'more_ports'),
    # The decision for a smaller-port image on a bigger card: refused (port 2 would stay dark).
    (QCBT_CARD, SINGLE_IMAGE, 'mismatch', 'fewer_ports'),
    # The incident: an OEM card the table does not know. Unknown is not allowed...
    (OEM_CARD, FCBT_IMAGE, 'unknown', 'card_ports_unknown'),
    (dict(OEM_CARD, netdev_ports=1), FCBT_IMAGE, 'unknown', 'card_ports_unknown'),
    # ... unless what the card says of itself establishes it: its VPD part number, its PRS name, the driver, netdevs.
    (dict(OEM_CARD, part_number='MCX353A-FCBT'), FCBT_IMAGE, 'mismatch', 'more_ports'),
    (dict(OEM_CARD, part_number='MCX353A-FCBT'), SINGLE_IMAGE, 'fits', None),
    (dict(OEM_CARD, prs_name='cx3-1_MCX353A_fdr.prs'), FCBT_IMAGE, 'mismatch', 'more_ports'),
    (dict(OEM_CARD, driver_ports=1), FCBT_IMAGE, 'mismatch', 'more_ports'),
    (dict(OEM_CARD, driver_ports=2), SINGLE_IMAGE, 'mismatch', 'fewer_ports'),
    (dict(OEM_CARD, netdev_ports=2), FCBT_IMAGE, 'fits', None),
    (dict(OEM_CARD, part_number='764285-B21'), FCBT_IMAGE, 'unknown', 'card_ports_unknown'),  # OEM PN: says nothing
    # The image side: its PSID, else its PRS name.
    (QCBT_CARD, OEM_IMAGE, 'unknown', 'image_ports_unknown'),
    (QCBT_CARD, dict(OEM_IMAGE, prs_name='cx3-1_MCX354A_qdr.prs'), 'fits', None),
    (dict(device_id='1007', psid='LAB1380110017', netdev_ports=2), dict(device_id='4103', psid='LAB1380110017',
                                                                        prs_name='cx3pro_hp_falcon_2p_fdr.prs'), 'fits', None),
    (QCBT_CARD, dict(OEM_IMAGE, prs_name='cx3-1_MCX311A.prs'), 'mismatch', 'fewer_ports'),
    # Facts that contradict each other establish nothing.
    (dict(QCBT_CARD, part_number='MCX353A-FCBT'), FCBT_IMAGE, 'unknown', 'card_ports_unknown'),
    (dict(device_id='1003', psid='MT_1100120019', netdev_ports=2), SINGLE_IMAGE, 'unknown', 'card_ports_unknown'),
    # A device id nobody knows, or none: unknown.
    (dict(QCBT_CARD, device_id='abcd'), FCBT_IMAGE, 'unknown', 'family_unknown'),
    (QCBT_CARD, dict(FCBT_IMAGE, device_id=None), 'unknown', 'family_unknown'),
])
def test_decision_table(card, image, verdict, problem):
    result = fit(card, image)
    assert (result['verdict'], result['problem']) == (verdict, problem), result


def test_an_allowlisted_psid_pair_is_not_a_fit():
    """An allowlisted pair (the module's allowed_psid_changes) says nothing about the hardware: the incident."""
    assert psid.psid_change_allowed('LAB1100120019', 'MT_1090120019', [{'from': 'LAB1100120019', 'to': 'MT_1090120019'}])
    assert fit(dict(OEM_CARD, netdev_ports=1), FCBT_IMAGE)['verdict'] == 'unknown'


@pytest.mark.parametrize('text, ports', [
    ('MCX354A-FCBT', 2), ('MCX353A-FCBT', 1), ('MCX311A-XCAT', 1), ('MCX312A-XCBT', 2), ('MCX314A-BCCT', 2),
    ('mcx354a-qcbt', 2), ('cx3-1_MCX354A_qdr.prs', 2), ('cx3-1_MCX311A.prs', 1),
    ('MCX4121A-ACAT', None), ('MCX999A-XXXT', None), ('764285-B21', None), ('', None), (None, None),
])
def test_ports_for_part_number(text, ports):
    assert psid.ports_for_part_number(text) == ports


@pytest.mark.parametrize('name, ports', [
    ('cx3pro_hp_falcon_2p_fdr.prs', 2), ('cx3-1_MCX353A_fdr.prs', 1), ('x_1p.prs', 1), ('synthetic.prs', None),
    ('cx3_4p_x.prs', None), ('cx3_12p_x.prs', None), (None, None),
])
def test_ports_for_prs_name(name, ports):
    assert psid.ports_for_prs_name(name) == ports


def test_the_part_number_table_comes_from_the_board_table():
    assert psid.OPN_PORTS == {'MCX354A': 2, 'MCX353A': 1, 'MCX311A': 1, 'MCX312A': 2, 'MCX314A': 2}


def test_the_facts_of_a_refusal_name_both_sides():
    result = fit(dict(OEM_CARD, netdev_ports=1, part_number='764285-B21', prs_name='synthetic.prs'), FCBT_IMAGE)
    card, image = psid.describe_side(result['card']), psid.describe_side(result['image'])
    assert card == ('port count unknown: device id 1003 (ConnectX-3), PSID LAB1100120019 (not in the board table), '
                    'VPD part number 764285-B21 (no port count known for it), PRS name synthetic.prs (no port count '
                    'known for it), netdevs up to port 1')
    assert image == '2 ports: device id 4099 (ConnectX-3), PSID MT_1090120019 (2 ports)'
    disagree = psid.describe_side(psid.fit_side(device_id='1003', psid='MT_1090110018', part_number='MCX353A-FCBT'))
    assert disagree.startswith('port count unknown (the facts disagree: VPD part number 1 port, PSID 2 ports)')


def test_sysfs_ports(tmp_path):
    card = tmp_path / '0000:03:00.0'
    (card / 'net' / 'ens1').mkdir(parents=True)
    assert firmware.sysfs_ports(str(card)) == {'driver_ports': None, 'netdev_ports': None}  # no dev_port: nothing
    (card / 'net' / 'ens1' / 'dev_port').write_text('0\n')
    (card / 'net' / 'ib1').mkdir()
    (card / 'net' / 'ib1' / 'dev_port').write_text('1\n')
    for name in ('mlx4_port1', 'mlx4_port1_mtu', 'mlx4_port2', 'mlx4_port2_mtu'):
        (card / name).write_text('eth\n')
    assert firmware.sysfs_ports(str(card)) == {'driver_ports': 2, 'netdev_ports': 2}
    assert firmware.sysfs_ports(str(tmp_path / 'absent')) == {'driver_ports': None, 'netdev_ports': None}
