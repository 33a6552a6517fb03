# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``mst status`` / ``mst status -v`` of NVIDIA MFT: which /dev/mst device is which PCI card."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.homelab.connectx.plugins.module_utils import psid

_DEV_RE = re.compile(r'((?:/dev/mst/)?mt(\d+)_(pci_cr|pciconf)\d+)')
_BDF_RE = re.compile(r'(?:domain:bus:dev\.fn=)?\b((?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\b')


def _full_bdf(bdf):
    return bdf.lower() if bdf.count(':') == 2 else '0000:' + bdf.lower()


def parse_status(text):
    """[{mst_device, pci_address, device_id, family, kind}] in the order printed; never raises."""
    devices, current = [], None
    for raw in (text or '').splitlines():
        line = raw.strip()
        if line.startswith('[') or line.startswith('#') or line.startswith('root@') or line.startswith('$ '):
            continue  # prompts of transcripts
        dev = _DEV_RE.search(line)
        if dev:
            current = {'mst_device': dev.group(1), 'pci_address': None, 'device_id': dev.group(2),
                       'family': psid.family_for_device_id(dev.group(2)),
                       'kind': 'pci_cr' if dev.group(3) == 'pci_cr' else 'pciconf'}
            devices.append(current)
            rest = line[dev.end():]
        else:
            rest = line
        if current is not None and current['pci_address'] is None:
            bdf = _BDF_RE.search(rest)
            if bdf:
                current['pci_address'] = _full_bdf(bdf.group(1))
    return devices
