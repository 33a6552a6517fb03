# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Known boards (PSID -> part number, family, ports), device ids, the PSID changes known to work, and whether an
image fits a card (assess_fit: the one decision, from what both sides say about themselves).

Source of the board table: tests/unit/fixtures/psid_table/connectx3-psid-partnumber-firmware-table.txt,
compiled from genuine tool outputs (each row cites where the pairing was observed). Only rows with
observed or well-inferred pairings are listed here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

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

# eth_max_mbps: the fastest Ethernet the board's firmware runs (Mb/s), from the Description line of its part number
# ("FDR IB (56Gb/s) and 40GigE" boards also run Mellanox's 56 GbE with Mellanox cables; "QDR IB (40Gb/s) and 10GigE"
# boards - the QCBT PSIDs - run 10 GbE only in Ethernet, whatever the cable: the reason to crossflash them).
KNOWN_BOARDS = {
    'MT_1090120019': {'part_number': 'MCX354A-FCBT', 'family': 'connectx3', 'ports': 2, 'max_speed': '56GbE', 'eth_max_mbps': 56000,
                      'description': 'ConnectX-3 VPI, dual-port QSFP, FDR IB (56Gb/s) and 40GigE, PCIe 3.0 x8'},
    'MT_1090110018': {'part_number': 'MCX354A-QCBT', 'family': 'connectx3', 'ports': 2, 'max_speed': '10GbE', 'eth_max_mbps': 10000,
                      'description': 'ConnectX-3 VPI, dual-port QSFP, QDR IB (40Gb/s) and 10GigE, PCIe 3.0 x8'},
    'MT_1100120019': {'part_number': 'MCX353A-FCBT', 'family': 'connectx3', 'ports': 1, 'max_speed': '56GbE', 'eth_max_mbps': 56000,
                      'description': 'ConnectX-3 VPI, single-port QSFP, FDR IB (56Gb/s) and 40GigE, PCIe 3.0 x8'},
    'MT_1170110023': {'part_number': 'MCX311A-XCAT', 'family': 'connectx3', 'ports': 1, 'max_speed': '10GbE', 'eth_max_mbps': 10000,
                      'description': 'ConnectX-3 EN, single-port SFP+, 10GigE, PCIe 3.0 x4'},
    'MT_1080110023': {'part_number': 'MCX312A-XCBT', 'family': 'connectx3', 'ports': 2, 'max_speed': '10GbE', 'eth_max_mbps': 10000,
                      'description': 'ConnectX-3 EN, dual-port SFP+, 10GigE'},
    'ISL1090110018': {'part_number': 'MCX354A-QCBT (OEM)', 'family': 'connectx3', 'ports': 2, 'max_speed': '10GbE', 'eth_max_mbps': 10000,
                      'description': 'OEM ConnectX-3 VPI QDR dual-port QSFP (PRS cx3-1_MCX354A_qdr.prs)'},
    'IBM1080111023': {'part_number': 'MCX312A-XCBT (IBM FRU 00D9692)', 'family': 'connectx3', 'ports': 2,
                      'max_speed': '10GbE', 'eth_max_mbps': 10000, 'description': 'IBM ConnectX-3 EN dual-port SFP+'},
    'MT_1090111023': {'part_number': 'MCX314A-BCCT', 'family': 'connectx3pro', 'ports': 2, 'max_speed': '40GbE', 'eth_max_mbps': 40000,
                      'description': 'ConnectX-3 Pro EN, dual-port QSFP, 40GigE, PCIe 3.0 x8'},
    'MT_1090111019': {'part_number': 'MCX354A-FCCT', 'family': 'connectx3pro', 'ports': 2, 'max_speed': '56GbE', 'eth_max_mbps': 56000,
                      'description': 'ConnectX-3 Pro VPI, dual-port QSFP, FDR/40GigE'},
    'HP_1370110017': {'part_number': 'HP 764284-B21 (544+QSFP)', 'family': 'connectx3pro', 'ports': 2,
                      'max_speed': '40GbE', 'eth_max_mbps': 40000, 'description': 'HP InfiniBand FDR/Ethernet 10Gb/40Gb 2-port 544+QSFP'},
    'HP_1380110017': {'part_number': 'HP 764285-B21 (544+FLR-QSFP)', 'family': 'connectx3pro', 'ports': 2,
                      'max_speed': '40GbE', 'eth_max_mbps': 40000, 'description': 'HP InfiniBand FDR/Ethernet 10Gb/40Gb 2-port 544+FLR-QSFP'},
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


# The families as NVIDIA names them (the product briefs and the MFT documentation), for what a user reads.
FAMILY_NAMES = {
    'connectx2': 'ConnectX-2', 'connectx3': 'ConnectX-3', 'connectx3_vf': 'ConnectX-3 virtual function',
    'connectx3pro': 'ConnectX-3 Pro', 'connectib': 'Connect-IB', 'connectx4': 'ConnectX-4', 'connectx4lx': 'ConnectX-4 Lx',
    'connectx5': 'ConnectX-5', 'connectx5ex': 'ConnectX-5 Ex', 'connectx6': 'ConnectX-6', 'connectx6dx': 'ConnectX-6 Dx',
    'connectx6lx': 'ConnectX-6 Lx', 'connectx7': 'ConnectX-7', 'bluefield': 'BlueField', 'bluefield2': 'BlueField-2',
}


def family_name(family):
    """'connectx3pro' -> 'ConnectX-3 Pro'; an unknown key as it is, None as 'unknown family'."""
    return FAMILY_NAMES.get(family, family) if family else 'unknown family'


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


# ---------------------------------------------------------------- does an image fit a card?

# mlx4 (ConnectX-2, ConnectX-3, ConnectX-3 Pro) drives at most two ports (MLX4_MAX_PORTS in the kernel's
# include/linux/mlx4/device.h): a card that shows a second port has exactly two.
MAX_PORTS = 2

# A Mellanox OPN's base model (MCX354A of MCX354A-FCBT) names the board, and so its port count: the same base in
# the VPD part number ('MCX353A-FCBT', fixture vpd/cx3-mcx354a-fcbt-lspci-vpd-block.txt) and in the PRS name an
# image was built from ('cx3-1_MCX311A.prs', 'cx3-1_MCX354A_qdr.prs', fixtures flint_query/ and the psid table).
_OPN_RE = re.compile(r'(?<![A-Za-z0-9])(MCX\d{3}[A-Z])(?![0-9])', re.I)
# A PRS name may say the ports instead: 'cx3pro_hp_falcon_2p_fdr.prs' (HP 544+ boards, fixture
# flint_query/cx3pro-hp544-flint-query-full-2.42.5044-winmft.txt).
_PRS_PORTS_RE = re.compile(r'(?:^|_)([1-9])p(?=_|\.|$)', re.I)


def _opn_ports():
    """{OPN base: ports} of the Mellanox part numbers in KNOWN_BOARDS (a base with two port counts is left out)."""
    found = {}
    for board in KNOWN_BOARDS.values():
        match = _OPN_RE.match(board['part_number'])
        if match:
            found.setdefault(match.group(1).upper(), set()).add(board['ports'])
    return dict((base, ports.pop()) for base, ports in found.items() if len(ports) == 1)


OPN_PORTS = _opn_ports()


def ports_for_part_number(text):
    """Ports of the board whose Mellanox OPN is in ``text`` (VPD part number, PRS name); None when unknown.

    Only OPN bases of KNOWN_BOARDS count; an OEM part number (HP, Dell, ...) says nothing here."""
    match = _OPN_RE.search(text or '')
    return OPN_PORTS.get(match.group(1).upper()) if match else None


def ports_for_prs_name(name):
    """Ports of the board an image was built for, from its PRS name (``q full``); None when it does not say."""
    ports = ports_for_part_number(name)
    if ports:
        return ports
    match = _PRS_PORTS_RE.search(name or '')
    ports = int(match.group(1)) if match else None
    return ports if ports and ports <= MAX_PORTS else None


def fit_side(device_id=None, psid=None, part_number=None, prs_name=None, driver_ports=None, netdev_ports=None):
    """What one side (the card, or the image) says about the board it is for.

    device_id: the PCI device id (sysfs, hex) of a card or the Device ID an image prints (decimal); psid: from
    ``q``; part_number: the card's VPD PN; prs_name: ``q full``'s PRS Name; driver_ports: how many mlx4_portN
    attributes mlx4_core made for the card (one per port); netdev_ports: the highest dev_port + 1 of the card's
    netdevs (mlx4_en sets dev_port = port - 1), which proves only that many ports at least.

    Returns the facts given, and {family, ports, at_least, sources, disagree}: ``sources``
    maps each fact that gives a port count to that count, ``ports`` is the count when they all agree (and no
    netdev shows more), else None; ``disagree`` says the facts contradict each other."""
    sources = {}
    if driver_ports:
        sources['driver'] = int(driver_ports)
    if psid and ports_for_psid(psid):
        sources['psid'] = ports_for_psid(psid)
    if part_number and ports_for_part_number(part_number):
        sources['part_number'] = ports_for_part_number(part_number)
    if prs_name and ports_for_prs_name(prs_name):
        sources['prs_name'] = ports_for_prs_name(prs_name)
    at_least = max(1, int(netdev_ports or 0))
    if at_least >= MAX_PORTS:
        sources['netdevs'] = MAX_PORTS
    counts = set(sources.values())
    disagree = len(counts) > 1 or any(n < at_least for n in counts)
    ports = counts.pop() if len(counts) == 1 and not disagree else None
    return {'device_id': None if device_id is None else str(device_id), 'family': family_for_device_id(device_id),
            'psid': psid, 'part_number': part_number, 'prs_name': prs_name, 'driver_ports': driver_ports or None,
            'netdev_ports': netdev_ports or None, 'ports': ports, 'at_least': at_least, 'sources': sources,
            'disagree': disagree}


def assess_fit(card, image):
    """Whether ``image`` fits ``card`` (both fit_side results): {verdict, problem, card, image}.

    verdict 'mismatch' (problem 'family', 'more_ports' or 'fewer_ports'): known not to fit - a ConnectX-3 Pro image
    on a ConnectX-3 (or the reverse), an image for more ports than the card has, or for fewer (the card's other
    port would stay dark). verdict 'unknown' (problem 'family_unknown', 'card_ports_unknown' or
    'image_ports_unknown'): what both sides say does not establish the fit. verdict 'fits': same family, same
    port count."""
    def verdict(kind, problem=None):
        return {'verdict': kind, 'problem': problem, 'card': card, 'image': image}

    if card['family'] and image['family'] and card['family'] != image['family']:
        return verdict('mismatch', 'family')
    if not card['family'] or not image['family']:
        return verdict('unknown', 'family_unknown')
    if card['ports'] and image['ports']:
        if image['ports'] > card['ports']:
            return verdict('mismatch', 'more_ports')
        if image['ports'] < card['ports']:
            return verdict('mismatch', 'fewer_ports')
        return verdict('fits')
    return verdict('unknown', 'card_ports_unknown' if not card['ports'] else 'image_ports_unknown')


_SOURCE_NAMES = (('driver', 'mlx4 driver'), ('netdevs', 'netdevs'), ('part_number', 'VPD part number'),
                 ('psid', 'PSID'), ('prs_name', 'PRS name'))


def _ports(count):
    return '%d port%s' % (count, '' if count == 1 else 's')


def describe_side(side):
    """The facts of a fit_side result in one line, for a refusal: the port count, then what was read and what
    each fact said."""
    sources = side.get('sources') or {}
    facts = ['device id %s (%s)' % (side.get('device_id') or 'unknown', family_name(side.get('family')))]
    for key, label in (('psid', 'PSID'), ('part_number', 'VPD part number'), ('prs_name', 'PRS name')):
        if side.get(key):
            said = _ports(sources[key]) if key in sources else \
                'not in the board table' if key == 'psid' else 'no port count known for it'
            facts.append('%s %s (%s)' % (label, side[key], said))
    if side.get('driver_ports'):
        facts.append('mlx4 driver: %s' % _ports(side['driver_ports']))
    if side.get('netdev_ports'):
        facts.append('netdevs up to port %d' % side['netdev_ports'])
    if side.get('ports'):
        count = _ports(side['ports'])
    elif side.get('disagree'):
        count = 'port count unknown (the facts disagree: %s)' % ', '.join(
            '%s %s' % (label, _ports(sources[key])) for key, label in _SOURCE_NAMES if key in sources)
    else:
        count = 'port count unknown'
    return '%s: %s' % (count, ', '.join(facts))


def board(psid):
    """The KNOWN_BOARDS entry of ``psid``, or None."""
    return KNOWN_BOARDS.get(psid or '')


def model_text(psid):
    """'MCX354A-FCBT (MT_1090120019)' for a known board, the PSID alone for another, None without one."""
    if not psid:
        return None
    known = board(psid)
    return '%s (%s)' % (known['part_number'], psid) if known else psid


def eth_max_mbps(psid):
    """The fastest Ethernet the board's firmware runs, Mb/s; None for an unknown board."""
    return (board(psid) or {}).get('eth_max_mbps')


def crossflash_target(psid):
    """The board a known-good PSID change turns ``psid`` into ({psid, part_number, eth_max_mbps}), or None."""
    for pair in DEFAULT_ALLOWED_PSID_CHANGES:
        if pair['from'] == psid and board(pair['to']):
            return dict(board(pair['to']), psid=pair['to'])
    return None
