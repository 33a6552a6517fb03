# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PCIe link of a card (sysfs, lspci) and the bandwidth it leaves the NIC.

Why it matters: a ConnectX-3 is a PCIe 3.0 x8 card. In an x4 slot (common in homelab boards) the
slot, not the 40 GbE port, is the limit: 8 GT/s x 4 lanes x 128/130 = 31.5 Gb/s before packet
overhead, about 28-29 Gb/s of payload.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

FORMULA = ('ceiling (Gb/s) = GT/s per lane x lanes x encoding efficiency (8b/10b = 0.8 for 2.5 and 5 GT/s, '
           '128b/130b for 8, 16 and 32 GT/s); usable (Gb/s) = ceiling x MPS / (MPS + 24), with 24 bytes of '
           'TLP header, sequence number, LCRC and framing per packet of MPS (default 256) payload bytes')
TLP_OVERHEAD_BYTES = 24


def parse_sysfs_link_speed(text):
    """'8.0 GT/s PCIe' (kernel >= 5.2), '8 GT/s' (older) -> 8.0; 'Unknown' -> None."""
    match = re.match(r'^\s*(\d+(?:\.\d+)?)\s*GT/s', text or '')
    return float(match.group(1)) if match else None


def parse_sysfs_link_width(text):
    """'8' (no x prefix in sysfs) -> 8; 'x8' -> 8; nonsense (a wedged device reports 63) -> None."""
    match = re.match(r'^\s*x?(\d+)\s*\Z', text or '')
    if not match:
        return None
    width = int(match.group(1))
    return width if width in (1, 2, 4, 8, 12, 16, 32) else None


def encoding(speed_gts):
    """(payload bits, line bits): 8b/10b up to 5 GT/s, 128b/130b from 8 GT/s."""
    return (8, 10) if float(speed_gts) <= 5.0 else (128, 130)


def _valid(speed_gts, width):
    return speed_gts is not None and width is not None and float(speed_gts) > 0 and int(width) > 0


def ceiling_gbps(speed_gts, width):
    """Raw bandwidth after line encoding, one direction, Gb/s (Gen3 x4 = 31.5); None when unknown."""
    if not _valid(speed_gts, width):
        return None
    payload, line = encoding(speed_gts)
    return round(float(speed_gts) * int(width) * payload / line, 1)


def usable_gbps(speed_gts, width, mps=256):
    """ceiling_gbps less the per-packet overhead (see FORMULA): Gen3 x4 with MPS 256 -> 28.8."""
    raw = ceiling_gbps(speed_gts, width)
    if raw is None:
        return None
    return round(raw * mps / float(mps + TLP_OVERHEAD_BYTES), 1)


def _gen(speed_gts):
    return {2.5: '1.0', 5.0: '2.0', 8.0: '3.0', 16.0: '4.0', 32.0: '5.0', 64.0: '6.0'}.get(float(speed_gts), '?')


def link_summary(speed_gts, width, max_speed_gts, max_width):
    """The link now, the card's maximum, the ceilings, and plain warnings when the slot holds it back."""
    summary = {'speed_gts': speed_gts, 'width': width, 'max_speed_gts': max_speed_gts, 'max_width': max_width,
               'ceiling_gbps': ceiling_gbps(speed_gts, width), 'usable_gbps': usable_gbps(speed_gts, width),
               'max_ceiling_gbps': ceiling_gbps(max_speed_gts, max_width), 'degraded': False, 'warnings': []}
    if not _valid(speed_gts, width):
        summary['degraded'] = None
        return summary
    if max_width is not None and int(width) < int(max_width):
        summary['warnings'].append('PCIe link runs at x%d, the card can do x%d: the slot limits it to %s Gb/s '
                                   '(PCIe %s x%d)' % (width, max_width, summary['ceiling_gbps'], _gen(speed_gts), width))
    if max_speed_gts is not None and float(speed_gts) < float(max_speed_gts):
        summary['warnings'].append('PCIe link runs at %g GT/s (PCIe %s), the card can do %g GT/s (PCIe %s): the slot '
                                   'limits it to %s Gb/s' % (speed_gts, _gen(speed_gts), max_speed_gts,
                                                             _gen(max_speed_gts), summary['ceiling_gbps']))
    summary['degraded'] = bool(summary['warnings'])
    return summary


_LNK_RE = re.compile(r'^\s*(LnkCap|LnkSta):\s*(.*)\Z')


def parse_lspci_link(text):
    """``lspci -vv`` LnkCap/LnkSta of the first device: {cap: {speed_gts, width}, sta: {...}, downgraded}."""
    result = {'cap': None, 'sta': None, 'downgraded': False}
    for raw in (text or '').splitlines():
        match = _LNK_RE.match(raw)
        if not match:
            continue
        key = 'cap' if match.group(1) == 'LnkCap' else 'sta'
        if result[key] is not None:
            continue
        body = match.group(2)
        speed = re.search(r'Speed\s+(\d+(?:\.\d+)?)\s*GT/s', body)
        width = re.search(r'Width\s+x(\d+)', body)
        result[key] = {'speed_gts': float(speed.group(1)) if speed else None,
                       'width': int(width.group(1)) if width else None}
        if key == 'sta' and 'downgraded' in body:
            result['downgraded'] = True
    if result['cap'] is None and result['sta'] is None:
        raise ParseError('no LnkCap/LnkSta line in the lspci output', output=text)
    cap, sta = result['cap'] or {}, result['sta'] or {}
    if not result['downgraded'] and cap and sta and None not in (cap.get('width'), sta.get('width'),
                                                                 cap.get('speed_gts'), sta.get('speed_gts')):
        result['downgraded'] = sta['width'] < cap['width'] or sta['speed_gts'] < cap['speed_gts']
    return result


_DMESG_RE = re.compile(r'(\d+(?:\.\d+)?) Gb/s available PCIe bandwidth, limited by (\d+(?:\.\d+)?) GT/s PCIe x(\d+) link'
                       r'(?: at (\S+))?(?: \(capable of (\d+(?:\.\d+)?) Gb/s with (\d+(?:\.\d+)?) GT/s PCIe x(\d+) link\))?')


def parse_dmesg_bandwidth(text):
    """The kernel's pcie_print_link_status() lines: [{available_gbps, speed_gts, width, at, capable_gbps, ...}]."""
    found = []
    for match in _DMESG_RE.finditer(text or ''):
        found.append({'available_gbps': float(match.group(1)), 'speed_gts': float(match.group(2)),
                      'width': int(match.group(3)), 'limited_at': match.group(4),
                      'capable_gbps': float(match.group(5)) if match.group(5) else None,
                      'capable_speed_gts': float(match.group(6)) if match.group(6) else None,
                      'capable_width': int(match.group(7)) if match.group(7) else None})
    return found
