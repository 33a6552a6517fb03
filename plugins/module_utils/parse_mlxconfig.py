# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs of mstconfig (mstflint) and mlxconfig (NVIDIA MFT): query, errors; values to compare.

The configuration table's columns are named by its ``Configurations:`` header line (``Next Boot``;
``Default  Next Boot`` with -e; ``Default  Current  Next Boot`` on newer cards; ``Next Boot  New`` in a
``set`` transcript); each row is mapped to those names, whatever the widths (they differ between
versions). A leading ``*`` marks a value changed from its default (newer tools).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

# The ConnectX-3 / ConnectX-3 Pro parameters of mstflint 4.21 (mlxconfig's 4th-generation TLVs, as
# printed by `mstconfig -d <dev> -e q` on the card emulator and on the fixtures' real cards).
# enum: word -> number; ranges for ints (NUM_OF_VFS: "Number of VFs exceeds limit (126)" from 4.21).
_BOOL = {'type': 'bool', 'enum': {'FALSE': 0, 'TRUE': 1}}
_LINK = {'type': 'enum', 'enum': {'IB': 1, 'ETH': 2, 'VPI': 3}}
_BOOT = {'type': 'enum', 'enum': {'NONE': 0, 'PXE': 1, 'ISCSI': 2, 'BOTH': 3}}
_IPVER = {'type': 'enum', 'enum': {'IPV4': 0, 'IPV6': 1, 'IPV4_IPV6': 2, 'IPV6_IPV4': 3}}
_XFI = {'type': 'enum', 'enum': {'_10G': 0, '_40G': 1}}
KNOWN_SETTINGS = {
    'SRIOV_EN': _BOOL,
    'NUM_OF_VFS': {'type': 'int', 'min': 0, 'max': 126},
    'LOG_BAR_SIZE': {'type': 'int', 'min': 0, 'max': 31},
    'CQ_TIMESTAMP': _BOOL,
}
for _port in ('P1', 'P2'):
    KNOWN_SETTINGS.update({
        'LINK_TYPE_' + _port: _LINK,
        'BOOT_PKEY_' + _port: {'type': 'int', 'min': 0, 'max': 65535},
        'BOOT_OPTION_ROM_EN_' + _port: _BOOL,
        'BOOT_VLAN_EN_' + _port: _BOOL,
        'BOOT_RETRY_CNT_' + _port: {'type': 'int', 'min': 0, 'max': 7},
        'LEGACY_BOOT_PROTOCOL_' + _port: _BOOT,
        'BOOT_VLAN_' + _port: {'type': 'int', 'min': 0, 'max': 4095},
        'IP_VER_' + _port: _IPVER,
        'WOL_MAGIC_EN_' + _port: _BOOL,
        'PHY_TYPE_' + _port: {'type': 'int', 'min': 0, 'max': 3},
        'XFI_MODE_' + _port: _XFI,
        'FORCE_MODE_' + _port: _BOOL,
    })

_ROW_RE = re.compile(r'^(\*?)\s+([A-Z][A-Z0-9_]*(?:\[[0-9.]+\])?)\s+(\S.*?)\s*\Z')
_HEADER_RE = re.compile(r'^\s*([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*\Z')
_ENUM_RE = re.compile(r'^(.*)\((-?\d+)\)\Z')


def _column_key(name):
    return '_'.join(name.lower().split())


def parse_query(text):
    """{device, columns, settings: {NAME: {column: raw, ..., modified}}, errors, readable}."""
    device, columns, settings, errors = {}, [], {}, []
    in_table = False
    for raw in (text or '').splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith('-E-'):
            errors.append(stripped[3:].strip())
            continue
        if stripped.startswith('Configurations:'):
            columns = [_column_key(c) for c in re.split(r'\s{2,}', stripped.split(':', 1)[1].strip()) if c]
            in_table = True
            continue
        if in_table:
            match = _ROW_RE.match(line)
            if match and columns:
                values = match.group(3).split()
                if len(values) >= len(columns):
                    # Extra words belong to the first column (never seen; kept rather than lost).
                    extra = len(values) - len(columns)
                    values = [' '.join(values[:extra + 1])] + values[extra + 1:]
                    entry = dict(zip(columns, values))
                    entry['modified'] = bool(match.group(1))
                    settings[match.group(2)] = entry
                    continue
            if stripped and not match:
                in_table = False
        match = _HEADER_RE.match(line)
        if match and not in_table and not stripped.startswith('Device #'):
            key = _column_key(match.group(1))
            if key in ('device_type', 'device', 'name', 'description', 'psid', 'pci_device', 'fw_version'):
                device.setdefault(key, match.group(2))
    if not device and not settings and not errors:
        raise ParseError('no device or configuration in the mlxconfig/mstconfig output', output=text)
    return {'device': device, 'columns': columns, 'settings': settings, 'errors': errors,
            'readable': bool(settings) and not any('failed to query' in e.lower() for e in errors)}


def normalize_value(name, value):
    """Canonical comparable value: 'ETH(2)', 'ETH', 'eth', 2 -> 2; 'True(1)', True, 'true' -> 1; '8' -> 8."""
    spec = KNOWN_SETTINGS.get(str(name).upper())
    if isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else '').strip()
        match = _ENUM_RE.match(text)
        if match:
            number = int(match.group(2))
        elif re.match(r'^-?\d+\Z', text):
            number = int(text)
        elif re.match(r'^0x[0-9a-fA-F]+\Z', text):
            number = int(text, 16)
        else:
            word = text.upper()
            enum = (spec or {}).get('enum') or {}
            if word in ('YES', 'ON') and spec is _BOOL:
                word = 'TRUE'
            elif word in ('NO', 'OFF') and spec is _BOOL:
                word = 'FALSE'
            if word in enum:
                number = enum[word]
            elif spec is None and text:
                return text  # an unknown parameter's word value: compared as printed
            else:
                raise ParseError('%s: %r is not a valid value (valid: %s)' % (
                    name, value, ', '.join(sorted(enum)) if enum else 'a number'), reason='invalid_value')
    if spec:
        low = spec.get('min', min(spec.get('enum', {0: 0}).values()) if spec.get('enum') else None)
        high = spec.get('max', max(spec.get('enum', {0: 0}).values()) if spec.get('enum') else None)
        if (low is not None and number < low) or (high is not None and number > high):
            raise ParseError('%s: %s is out of range (%s..%s)' % (name, number, low, high), reason='invalid_value')
    return number


def requested_settings(settings):
    """{NAME: number} of the settings a user asks for (a module option, a role variable), stricter than what the
    tool prints: a boolean (YAML's yes/on/true) not for a known setting that is not boolean (``LINK_TYPE_P1: yes``
    would be 1, i.e. InfiniBand; settings this module does not know are left to the tool); a word with a number
    (``ETH(1)``) only when the number is the word's; one name once, whatever its
    case (``link_type_p1`` and ``LINK_TYPE_P1`` are one setting). Raises ParseError(reason='invalid_value')."""
    out = {}
    for name, value in (settings or {}).items():
        key = str(name).upper()
        if key in out:
            raise ParseError('%s is given twice (as %s and in another case): give each setting once' % (key, name),
                             reason='invalid_value')
        spec = KNOWN_SETTINGS.get(key)
        if isinstance(value, bool) and spec is not None and spec is not _BOOL:
            raise ParseError('%s: %r is a boolean (YAML reads yes/no/on/off/true/false as one), not a value of %s; '
                             'give %s' % (key, value, key, _valid_words(key, spec)), reason='invalid_value')
        match = _ENUM_RE.match(str(value).strip()) if isinstance(value, str) else None
        enum = (spec or {}).get('enum') or {}
        word = match.group(1).strip() if match else ''
        if word.upper() in enum and enum[word.upper()] != int(match.group(2)):
            raise ParseError('%s: %r names %s but gives the number %s (%s is %d): give the word or the number alone'
                             % (key, value, word, match.group(2), word.upper(), enum[word.upper()]),
                             reason='invalid_value')
        out[key] = normalize_value(key, value)
    return out


def _valid_words(name, spec):
    enum = (spec or {}).get('enum') or {}
    if enum:
        return ' or '.join('%s (%d)' % (word, number) for word, number in sorted(enum.items(), key=lambda i: i[1]))
    return 'a number'


_ERROR_RULES = [
    ('unsupported_device', ('unsupported device',)),
    ('config_unreadable', ('failed to query device current configuration', 'does not support reading current',
                           'failed to query')),
    ('unknown_setting', ('unknown parameter',)),
    ('invalid_value', ('exceeds limit', 'invalid value', 'bad value', 'out of range', 'illegal value')),
    ('no_device', ('failed to open device', 'failed to open the device', 'failed to get devices', 'no devices found', 'cannot open device',
                   'no such file or directory', 'mfe_cr_error')),
    ('permission', ('permission denied', 'must be root')),
]


def classify_error(text, rc=None):
    """{reason, message} of a failed mstconfig/mlxconfig run. Never raises."""
    text = text if isinstance(text, str) else ''
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line[3:].strip() for line in lines if line.startswith('-E-')]
    message = errors[0] if errors else (lines[-1] if lines else ('exit code %s' % rc if rc is not None else 'no output'))
    haystack = ' '.join(errors or lines).lower()
    for reason, patterns in _ERROR_RULES:
        if any(p in haystack for p in patterns):
            return {'reason': reason, 'message': message}
    if rc in (-11, 139):
        # mstconfig 4.30/4.31 crash in the device open on a ConnectX-3 Pro (fixture local/trixie-mstconfig-4.31-query-
        # cx3pro-vsc.txt): no output, SIGSEGV.
        return {'reason': 'unsupported_device', 'message': 'the tool crashed (segmentation fault)'}
    return {'reason': 'unknown', 'message': message}


def format_set_args(settings):
    """['LINK_TYPE_P1=2', ...]: numbers, never words, so every tool version accepts them."""
    return ['%s=%s' % (name, normalize_value(name, settings[name])) for name in sorted(settings)]


# mlxconfig's LINK_TYPE (1 IB, 2 ETH, 3 VPI) as the mlx4_core module option port_type_array counts: 1 IB,
# 2 Ethernet, 0 "HW default" (the card senses it: what VPI means to the driver). Linux
# drivers/net/ethernet/mellanox/mlx4/main.c: "Array of port types: HW_DEFAULT (0) is default 1 for IB, 2 for Ethernet".
DRIVER_PORT_TYPES = {1: 1, 2: 2, 3: 0}


def driver_port_types(settings):
    """'2,2' for mlx4_core's port_type_array from LINK_TYPE_P1/P2 settings (any spelling); '' without them."""
    wanted = dict((str(k).upper(), v) for k, v in (settings or {}).items())
    out = []
    for key in ('LINK_TYPE_P1', 'LINK_TYPE_P2'):
        if key in wanted:
            out.append(str(DRIVER_PORT_TYPES[normalize_value(key, wanted[key])]))
    return ','.join(out)
