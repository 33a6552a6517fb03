# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Vital Product Data: ``mstvpd``/``mlxvpd`` output and the VPD block of ``lspci -vv``."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils.errors import ParseError

_KEY_RE = re.compile(r'^\s*([A-Z][A-Z0-9]):\s+(.*?)\s*\Z')
_LSPCI_RE = re.compile(r'^\s*\[([A-Z][A-Z0-9])\]\s+[^:]*:\s*(.*?)\s*\Z')


def parse_mstvpd(text):
    """{'ID': 'CX354A - ConnectX-3 QSFP', 'PN': 'MCX354A-FCBT', 'EC': ..., 'SN': ..., 'V0': ...}; N/A -> None."""
    fields = {}
    for raw in (text or '').splitlines():
        match = _KEY_RE.match(raw)
        if match and match.group(1) not in fields:
            value = match.group(2)
            fields[match.group(1)] = None if value.upper() == 'N/A' else value
    if not fields:
        raise ParseError('no VPD fields in the output', output=text)
    return fields


def parse_lspci_vpd(text):
    """The same keys from an ``lspci -vv`` "Vital Product Data" block (Product Name -> ID)."""
    fields = {}
    for raw in (text or '').splitlines():
        name = re.match(r'^\s*Product Name:\s*(.*?)\s*\Z', raw)
        if name and 'ID' not in fields:
            fields['ID'] = name.group(1)
            continue
        match = _LSPCI_RE.match(raw)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2)
    if not fields:
        raise ParseError('no Vital Product Data in the lspci output', output=text)
    return fields
