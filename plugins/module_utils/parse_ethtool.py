# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs of ethtool: ``ethtool IF`` (link settings) and ``ethtool -i IF`` (driver information)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

_LIST_LABELS = {
    'supported link modes': 'supported_link_modes',
    'advertised link modes': 'advertised_link_modes',
    'link partner advertised link modes': 'partner_link_modes',
}
_SIMPLE_LABELS = {
    'supported ports': 'supported_ports',
    'port': 'port',
    'transceiver': 'transceiver',
    'mdi-x': 'mdi_x',
    'phyad': 'phyad',
    'supports auto-negotiation': 'supports_autoneg',
    'advertised auto-negotiation': 'advertised_autoneg',
    'supported fec modes': 'supported_fec_modes',
    'advertised fec modes': 'advertised_fec_modes',
    'wake-on': 'wake_on',
}
_LINE_RE = re.compile(r'^\s*([A-Za-z][A-Za-z -]*?):\s*(.*?)\s*$')


def _yes_no(value):
    low = (value or '').strip().lower()
    if low in ('yes', 'on'):
        return True
    if low in ('no', 'off'):
        return False
    return None


def parse_settings(text):
    """``ethtool IF``: speed_mbps (None when unknown), duplex, autoneg, port, link_detected, link modes..."""
    result = {'interface': None, 'speed_mbps': None, 'duplex': None, 'autoneg': None, 'link_detected': None,
              'supported_link_modes': [], 'advertised_link_modes': [], 'partner_link_modes': []}
    for key in _SIMPLE_LABELS.values():
        result[key] = None
    current_list = None
    seen = header_seen = False
    for raw in (text or '').splitlines():
        line = raw.rstrip()
        header = re.match(r'^Settings for (\S+?):\s*$', line.strip())
        if header:
            if header_seen:
                break  # a transcript with a second interface: the first one is parsed
            result['interface'] = header.group(1)
            seen = header_seen = True
            continue
        match = _LINE_RE.match(line)
        if match and match.group(1).lower() in _LIST_LABELS:
            current_list = _LIST_LABELS[match.group(1).lower()]
            result[current_list].extend(m for m in match.group(2).split() if m.lower() != 'not')
            if match.group(2).strip().lower() == 'not reported':
                result[current_list] = []
            continue
        if current_list and line.strip() and not match and raw[:1] in (' ', '\t'):
            result[current_list].extend(line.split())
            continue
        current_list = None
        if not match:
            continue
        label, value = match.group(1).lower(), match.group(2)
        seen = seen or label in ('speed', 'link detected', 'duplex')
        if label == 'speed':
            number = re.match(r'^(\d+)\s*Mb/s$', value)
            speed = int(number.group(1)) if number else None
            # The kernel's SPEED_UNKNOWN (-1) prints as "Unknown!"; 65535 is the same on old drivers.
            result['speed_mbps'] = speed if speed not in (None, 65535, 4294967295) else None
        elif label == 'duplex':
            low = value.lower()
            result['duplex'] = low if low in ('full', 'half') else None
        elif label == 'auto-negotiation':
            result['autoneg'] = _yes_no(value)
        elif label == 'link detected':
            result['link_detected'] = _yes_no(value)
        elif label in _SIMPLE_LABELS:
            result[_SIMPLE_LABELS[label]] = value or None
    if not seen:
        raise ParseError('no link settings in the ethtool output', output=text)
    return result


def parse_driver_info(text):
    """``ethtool -i IF``: {driver, version, firmware_version, expansion_rom_version, bus_info, supports_*}."""
    result = {}
    for raw in (text or '').splitlines():
        match = re.match(r'^([a-z][a-z-]*):\s?(.*?)\s*$', raw.strip())
        if not match:
            continue
        key = match.group(1).replace('-', '_')
        value = match.group(2)
        result.setdefault(key, _yes_no(value) if key.startswith('supports_') else (value or None))
    if 'driver' not in result:
        raise ParseError('no driver line in the ethtool -i output', output=text)
    return result


def classify_error(text, rc=None):
    """{reason: no_interface|unsupported|unknown, message} of a failed ethtool run. Never raises."""
    text = text if isinstance(text, str) else ''
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith('[exit code')]
    low = ' '.join(lines).lower()
    message = lines[0] if lines else ('exit code %s' % rc if rc is not None else 'no output')
    if 'no such device' in low or 'no device matches name' in low or 'does not exist' in low:
        return {'reason': 'no_interface', 'message': message}
    if 'operation not supported' in low or 'not supported' in low:
        return {'reason': 'unsupported', 'message': message}
    return {'reason': 'unknown', 'message': message}
