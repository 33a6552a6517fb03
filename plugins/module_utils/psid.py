# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Known boards (PSID -> part number, family, ports), device ids, and the PSID changes known to work.

Source of the board table: tests/unit/fixtures/psid_table/connectx3-psid-partnumber-firmware-table.txt,
compiled from genuine tool outputs (each row cites where the pairing was observed). Only rows with
observed or well-inferred pairings are listed here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# PCI device id (hex, as in sysfs and lspci) -> family. Images print the id in decimal (4099 = 0x1003).
FAMILIES = {
    '673c': 'connectx2',
    '1003': 'connectx3',
    '1004': 'connectx3_vf',
    '1007': 'connectx3pro',
    '1011': 'connectib',
    '1013': 'connectx4',
    '1015': 'connectx4lx',
    '1017': 'connectx5',
    '1019': 'connectx5ex',
    '101b': 'connectx6',
    '101d': 'connectx6dx',
    '101f': 'connectx6lx',
    '1021': 'connectx7',
    'a2d2': 'bluefield',
    'a2d6': 'bluefield2',
}
# ConnectX-2's image prints the chip number (26428) rather than a PCI id.
_DECIMAL_ALIASES = {'26428': '673c'}

KNOWN_BOARDS = {
    'MT_1090120019': {'part_number': 'MCX354A-FCBT', 'family': 'connectx3', 'ports': 2, 'max_speed': '56GbE',
                      'description': 'ConnectX-3 VPI, dual-port QSFP, FDR IB (56Gb/s) and 40GigE, PCIe 3.0 x8'},
    'MT_1090110018': {'part_number': 'MCX354A-QCBT', 'family': 'connectx3', 'ports': 2, 'max_speed': '40GbE',
                      'description': 'ConnectX-3 VPI, dual-port QSFP, QDR IB (40Gb/s) and 10GigE, PCIe 3.0 x8'},
    'MT_1100120019': {'part_number': 'MCX353A-FCBT', 'family': 'connectx3', 'ports': 1, 'max_speed': '56GbE',
                      'description': 'ConnectX-3 VPI, single-port QSFP, FDR IB (56Gb/s) and 40GigE, PCIe 3.0 x8'},
    'MT_1170110023': {'part_number': 'MCX311A-XCAT', 'family': 'connectx3', 'ports': 1, 'max_speed': '10GbE',
                      'description': 'ConnectX-3 EN, single-port SFP+, 10GigE, PCIe 3.0 x4'},
    'MT_1080110023': {'part_number': 'MCX312A-XCBT', 'family': 'connectx3', 'ports': 2, 'max_speed': '10GbE',
                      'description': 'ConnectX-3 EN, dual-port SFP+, 10GigE'},
    'ISL1090110018': {'part_number': 'MCX354A-QCBT (OEM)', 'family': 'connectx3', 'ports': 2, 'max_speed': '40GbE',
                      'description': 'OEM ConnectX-3 VPI QDR dual-port QSFP (PRS cx3-1_MCX354A_qdr.prs)'},
    'IBM1080111023': {'part_number': 'MCX312A-XCBT (IBM FRU 00D9692)', 'family': 'connectx3', 'ports': 2,
                      'max_speed': '10GbE', 'description': 'IBM ConnectX-3 EN dual-port SFP+'},
    'MT_1090111023': {'part_number': 'MCX314A-BCCT', 'family': 'connectx3pro', 'ports': 2, 'max_speed': '40GbE',
                      'description': 'ConnectX-3 Pro EN, dual-port QSFP, 40GigE, PCIe 3.0 x8'},
    'MT_1090111019': {'part_number': 'MCX354A-FCCT', 'family': 'connectx3pro', 'ports': 2, 'max_speed': '56GbE',
                      'description': 'ConnectX-3 Pro VPI, dual-port QSFP, FDR/40GigE'},
    'HP_1370110017': {'part_number': 'HP 764284-B21 (544+QSFP)', 'family': 'connectx3pro', 'ports': 2,
                      'max_speed': '40GbE', 'description': 'HP InfiniBand FDR/Ethernet 10Gb/40Gb 2-port 544+QSFP'},
    'HP_1380110017': {'part_number': 'HP 764285-B21 (544+FLR-QSFP)', 'family': 'connectx3pro', 'ports': 2,
                      'max_speed': '40GbE', 'description': 'HP InfiniBand FDR/Ethernet 10Gb/40Gb 2-port 544+FLR-QSFP'},
}

# PSID changes that people have crossflashed with success on the same board.
DEFAULT_ALLOWED_PSID_CHANGES = [
    # MCX354A-QCBT -> MCX354A-FCBT: the same PCB; the QDR/10GbE card runs 40/56GbE with the FCBT image.
    # Source: ServeTheHome forum threads on MCX354A QCBT->FCBT, and the psid table fixture
    # (both PSIDs observed on MCX354A boards: mlxfwmanager/cx3-mlxfwmanager-MCX354A-QCB-MT_1090110018-QDR.txt,
    # mlxfwmanager/cx3-mlxup-online-MCX354A-FCB-2.42.5000.txt).
    {'from': 'MT_1090110018', 'to': 'MT_1090120019',
     'source': 'MCX354A-QCBT -> MCX354A-FCBT (same board; servethehome.com MCX354A crossflash threads)'},
    # OEM QDR card with the QCBT PRS (cx3-1_MCX354A_qdr.prs): community scripts map it to the FCB image
    # (psid table fixture, row ISL1090110018).
    {'from': 'ISL1090110018', 'to': 'MT_1090120019',
     'source': 'OEM MCX354A-QCBT -> MCX354A-FCBT (psid table fixture: community crossflash script)'},
    # CX-3 Pro MCX314A-BCCT -> MCX354A-FCCT: done with mstflint -allow_psid_change, card ran the new PSID
    # after reboot (fixtures flint_burn/cx3pro-mstflint-burn-allow_psid_change-MT_1090111023-to-MT_1090111019.txt
    # and flint_query/cx3pro-mstflint-q-2.42.5000-MT_1090111019-after-reboot.txt, wporter.org 2026-01-31).
    {'from': 'MT_1090111023', 'to': 'MT_1090111019',
     'source': 'MCX314A-BCCT -> MCX354A-FCCT (wporter.org, 2026-01-31)'},
]


def _norm_id(device_id):
    if device_id is None or isinstance(device_id, bool):
        return None
    if isinstance(device_id, int):
        return '%04x' % device_id
    text = str(device_id).strip().lower()
    if text.startswith('0x'):
        return text[2:].zfill(4)
    if text in _DECIMAL_ALIASES:
        return _DECIMAL_ALIASES[text]
    if text in FAMILIES:
        return text
    if text.isdigit():
        return '%04x' % int(text)
    return text


def family_for_device_id(device_id):
    """'1003', '0x1003', 4099 or '4099' -> 'connectx3'; None when unknown."""
    return FAMILIES.get(_norm_id(device_id))


def psid_change_allowed(from_psid, to_psid, allowed=None):
    """True when the PSID does not change, or the pair is in ``allowed`` (default: the known-good list)."""
    if from_psid == to_psid:
        return True
    for pair in DEFAULT_ALLOWED_PSID_CHANGES if allowed is None else allowed:
        if isinstance(pair, dict) and pair.get('from') == from_psid and pair.get('to') == to_psid:
            return True
    return False


def ports_for_psid(psid):
    """Number of ports of a known board, None when the PSID is not in KNOWN_BOARDS."""
    return KNOWN_BOARDS.get(psid or '', {}).get('ports')
