# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs of ethtool: ``ethtool IF`` (link settings), ``ethtool -i IF`` (driver information) and ``ethtool -m IF``
(the plugged module's EEPROM, as ethtool decodes it: SFF-8636 for QSFP+, SFF-8472 for SFP/SFP+)."""

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
_LINE_RE = re.compile(r'^\s*([A-Za-z][A-Za-z -]*?):\s*(.*?)\s*\Z')


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
        header = re.match(r'^Settings for (\S+?):\s*\Z', line.strip())
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
            number = re.match(r'^(\d+)\s*Mb/s\Z', value)
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
        match = re.match(r'^([a-z][a-z-]*):\s?(.*?)\s*\Z', raw.strip())
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


# ethtool -m: the labels of ethtool's SFF-8636 (QSFP) and SFF-8079/8472 (SFP) decoders. Older and newer
# ethtool versions differ in a few ("BR, Nominal" / "BR Nominal", "Length (50um)" / "Length (OM2)").
_MODULE_TEXT_LABELS = {
    'vendor name': 'vendor',
    'vendor oui': 'vendor_oui',
    'vendor pn': 'part_number',
    'vendor rev': 'revision',
    'vendor sn': 'serial',
    'date code': 'date_code',
    'revision compliance': 'revision_compliance',
}
_LENGTH_LABELS = {
    'smf,km': 'smf', 'smf': 'smf',
    'om4 50um': 'om4', 'om4': 'om4',
    'om3 50um': 'om3', 'om3': 'om3',
    'om2 50um': 'om2', '50um': 'om2', 'om2': 'om2',
    'om1 62.5um': 'om1', '62.5um': 'om1', 'om1': 'om1',
    'copper or active cable': 'cable', 'copper': 'cable',
}
_CODE_RE = re.compile(r'^(0x[0-9a-fA-F]{1,2})\s*(?:\((.*)\))?\s*\Z')
_LENGTH_RE = re.compile(r'^(\d+(?:\.\d+)?)\s*(km|m)\b')
_SPEED_IN_TYPE_RE = re.compile(r'\b(\d+)G(?:\s*Base|BASE|\s*Ethernet|\s*Active)', re.IGNORECASE)
_OPTICAL_CONNECTORS = ('lc', 'mpo', 'sc', 'mt-rj', 'mu', 'optical pigtail', 'fibre', 'fiber', 'fc style')
# Module kinds (``kind``): what a homelab calls the thing in the cage.
_OTHER_STANDARDS = ('fc', 'sonet', 'escon')
MODULE_KINDS = ('dac', 'aoc', 'optical', 'qsa', 'unknown', 'none')
_KIND_WORDS = {'dac': 'DAC', 'aoc': 'AOC', 'optical': 'optical', 'unknown': 'module'}


def _code(value):
    """'0x0d (QSFP+)' -> ('0x0d', 'QSFP+'); anything else -> (None, value or None)."""
    match = _CODE_RE.match(value or '')
    if not match:
        return None, (value or None)
    return match.group(1).lower(), (match.group(2) or '').strip() or None


def _length_m(value):
    """'100m' -> 100.0, '2km' -> 2000.0, '0m' -> 0.0; None when unreadable."""
    match = _LENGTH_RE.match((value or '').strip())
    if not match:
        return None
    number = float(match.group(1))
    return number * 1000 if match.group(2) == 'km' else number


def _mbps(value):
    """'10300Mbps' (QSFP), '10300MBd' (SFP) -> 10300; None when unreadable."""
    match = re.match(r'^\s*(\d+)\s*(?:Mbps|MBd|Mb/s)', value or '', re.IGNORECASE)
    return int(match.group(1)) if match else None


def _number(value):
    match = re.match(r'^\s*(\d+(?:\.\d+)?)', value or '')
    return float(match.group(1)) if match else None


def _medium(result):
    """dac / aoc / optical / unknown, from the connector, the transceiver types and the transmitter."""
    types = ' '.join(result['transceiver_types']).lower()
    connector = (result['connector'] or '').lower()
    tech = (result['transmitter'] or '').lower()
    copper_tech = 'copper' in tech
    optical_tech = bool(re.search(r'vcsel|laser|\d+\s*nm|fp\b|dfb', tech)) or result['wavelength_nm'] is not None
    no_separable = 'no separable' in connector or 'copper pigtail' in connector
    if 'active cable' in types or 'active optical' in types or 'aoc' in types:
        return 'dac' if copper_tech else 'aoc'
    if 'passive cable' in types or copper_tech or re.search(r'base-?cr|copper pigtail', types + ' ' + connector):
        return 'dac'
    if no_separable and optical_tech:
        return 'aoc'
    if any(word in connector for word in _OPTICAL_CONNECTORS) or optical_tech or \
            re.search(r'base-?(sr|lr|er|zr|sx|lx|lrm|cwdm|psm)', types):
        return 'optical'
    return 'unknown'


def _length_text(result):
    lengths = result['lengths']
    if result['medium'] in ('dac', 'aoc') and lengths.get('cable'):
        return '%g m' % lengths['cable']
    for medium in ('om4', 'om3', 'om2', 'om1', 'smf'):
        if lengths.get(medium):
            meters = lengths[medium]
            shown = ('%g km' % (meters / 1000.0)) if meters >= 1000 else ('%g m' % meters)
            return '%s %s' % (medium.upper(), shown)
    return None


def parse_module(text, cage='qsfp'):
    """``ethtool -m IF`` (plain decode) -> the module's identity, compliance codes, length and ``kind``.

    ``cage``: the port's cage, 'qsfp' (a ConnectX-3 VPI card: an SFP in it sits in a QSFP-to-SFP adapter, QSA) or
    'sfp'. Keys: identifier (QSFP+, SFP...), identifier_code, form_factor (qsfp/sfp), connector, transceiver_types
    (as printed), compliance (the standards, e.g. 40GBASE-CR4), max_speed_mbps (of the compliance codes), encoding,
    br_nominal_mbps, transmitter, wavelength_nm, lengths ({om3: 100.0, cable: 1.0...} in m, zeros left out; cable = a DAC or AOC assembly),
    length (text), vendor, vendor_oui, part_number, revision, serial, date_code, medium (dac/aoc/optical/unknown),
    kind (medium, or qsa), type (words) and summary ('Mellanox MC2207130-001 (DAC, 1 m)').
    Raises ParseError when there is no Identifier line (an error message, an empty cage).
    """
    result = {'identifier': None, 'identifier_code': None, 'form_factor': None, 'connector': None,
              'transceiver_types': [], 'compliance': [], 'max_speed_mbps': None, 'encoding': None,
              'br_nominal_mbps': None, 'transmitter': None, 'wavelength_nm': None, 'lengths': {}}
    for key in _MODULE_TEXT_LABELS.values():
        result[key] = None
    seen = False
    for raw in (text or '').splitlines():
        label, sep, value = raw.partition(':')
        if not sep:
            continue
        label, value = label.strip().lower(), value.strip()
        if label == 'identifier' and not seen:
            seen = True
            result['identifier_code'], result['identifier'] = _code(value)
        elif not seen:
            continue
        elif label == 'identifier':
            break  # a second module in the same transcript: the first one is parsed
        elif label == 'connector':
            result['connector'] = _code(value)[1]
        elif label == 'transceiver type' and value:
            result['transceiver_types'].append(value)
        elif label == 'encoding':
            result['encoding'] = _code(value)[1]
        elif label in ('br, nominal', 'br nominal'):
            result['br_nominal_mbps'] = _mbps(value)
        elif label == 'transmitter technology':
            result['transmitter'] = _code(value)[1]
        elif label == 'laser wavelength':
            result['wavelength_nm'] = _number(value)
        elif label.startswith('length (') and label.endswith(')'):
            medium = _LENGTH_LABELS.get(label[len('length ('):-1])
            meters = _length_m(value)
            if medium and meters:
                result['lengths'][medium] = max(meters, result['lengths'].get(medium, 0.0))
        elif label in _MODULE_TEXT_LABELS and result[_MODULE_TEXT_LABELS[label]] is None:
            result[_MODULE_TEXT_LABELS[label]] = value or None
    if not seen:
        raise ParseError('no module identifier in the ethtool -m output', output=text)
    name = (result['identifier'] or '').upper()
    result['form_factor'] = 'sfp' if result['identifier_code'] == '0x03' or name.startswith('SFP') else \
        'qsfp' if 'QSFP' in name or result['identifier_code'] in ('0x0c', '0x0d', '0x11') else None
    speeds = []
    for entry in result['transceiver_types']:
        category, sep, standard = entry.partition(': ')
        if not sep:
            category, standard = '', entry
        if category.strip().lower() in _OTHER_STANDARDS:
            continue  # Fibre Channel / SONET codes of a multi-protocol optic
        standard = standard.strip()
        standard = re.sub(r'\b(\d+G) Base-', r'\1BASE-', standard)
        if standard not in result['compliance']:
            result['compliance'].append(standard)
        speeds.extend(int(m) * 1000 for m in _SPEED_IN_TYPE_RE.findall(entry))
        if re.search(r'1000BASE', entry, re.IGNORECASE):
            speeds.append(1000)
    result['max_speed_mbps'] = max(speeds) if speeds else None
    result['medium'] = _medium(result)
    result['kind'] = 'qsa' if cage == 'qsfp' and result['form_factor'] == 'sfp' else result['medium']
    result['length'] = _length_text(result)
    words = {'dac': 'direct attach copper cable', 'aoc': 'active optical cable',
             'optical': 'optical transceiver', 'unknown': 'module'}[result['medium']]
    # SFP+ (10 Gb/s) or a plain SFP (1 Gb/s): by the compliance codes, else by the nominal bit rate.
    sfp = 'SFP+' if (result['max_speed_mbps'] or 0) >= 10000 or (result['br_nominal_mbps'] or 0) >= 10000 else 'SFP'
    if result['kind'] == 'qsa':
        result['type'] = 'QSFP-to-SFP adapter (QSA) with an %s %s' % (sfp, words)
    else:
        result['type'] = words
    detail = ', '.join(part for part in (
        'QSA + %s %s' % (sfp, _KIND_WORDS[result['medium']]) if result['kind'] == 'qsa' else _KIND_WORDS[result['medium']],
        result['length']) if part)
    name_words = ' '.join(part for part in (result['vendor'], result['part_number']) if part) or 'unknown module'
    result['summary'] = '%s (%s)' % (name_words, detail)
    return result


def classify_module_error(text, rc=None):
    """{reason, message, present} of a failed ``ethtool -m``. Never raises.

    reason: no_module (the driver answers EIO: an empty cage, or a cable it cannot talk to; mlx4 logs "cable is not
    connected"), unreadable (EINVAL: a module is there, but the driver cannot give the pages ethtool asks for, as
    kernel 6.1's mlx4_en with a paged SR4 optic), unsupported (the driver has no module access), no_interface, unknown.
    present: False for no_module, True for unreadable, None when it cannot be told.
    """
    text = text if isinstance(text, str) else ''
    error = classify_error(text, rc)
    # The line that says what failed (a transcript may start with the command, or end with kernel log lines).
    for line in text.splitlines():
        if re.search(r'error|not supported|no such device|cannot|no device', line, re.IGNORECASE) and \
                not line.startswith('$ '):
            error['message'] = line.strip()
            break
    low = text.lower()
    if 'input/output error' in low:
        return {'reason': 'no_module', 'message': error['message'], 'present': False}
    if 'invalid argument' in low:
        return {'reason': 'unreadable', 'message': error['message'], 'present': True}
    return {'reason': error['reason'], 'message': error['message'], 'present': None}


def module_info(stdout, output=None, rc=0, cage='qsfp'):
    """What ``ethtool -m`` says of a port, never raising: parse_module()'s dict with ``present: true``, or
    ``{kind: none, present, reason, message}`` (classify_module_error) when there is no module or no decode."""
    if rc == 0:
        try:
            module = parse_module(stdout, cage)
        except ParseError:
            pass
        else:
            module['present'] = True
            return module
    error = classify_module_error(output if output is not None else stdout, rc)
    if rc == 0 and error['reason'] == 'unknown':
        error['message'] = 'ethtool -m printed no module identifier'
    return dict(error, kind='none')
