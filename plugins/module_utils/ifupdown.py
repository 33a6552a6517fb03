# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ifupdown2 stanzas of the ConnectX ports, and the checks of the port declarations, as pure functions.

The stanza syntax is ifupdown2's (interfaces(5) with the bridge-* attributes Proxmox VE writes for a
vmbrN bridge); the text is what the interfaces role's template wrote up to 0.2.0, byte for byte, so
that a node configured by it is not rewritten.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

# \Z, not $: $ also matches before a final newline, and a YAML block scalar (|) gives exactly such values.
# Not starting with '-': ifquery and ifreload would take it for an option.
IFNAME = re.compile(r'^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}\Z')
# A file name of its own in the sourced directory: no separator, no "..", no leading dot (`source DIR/*` skips dot files).
PREFIX = re.compile(r'^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\Z')
MTU_MIN, MTU_MAX = 68, 65520


def problems(entries, protected=()):
    """Sentences for what is wrong with the port declarations (empty: nothing); ``protected``: names never touched."""
    out = []
    names = []
    for entry in entries:
        for key in ('name', 'bridge'):
            value = entry.get(key)
            if key == 'name' or value:
                names.append(value)
                if not isinstance(value, str) or not IFNAME.match(value) or value in ('.', '..'):
                    out.append('%s %r is not an interface name (up to 15 letters, digits, ".", "_", "-"; not starting with "-")'
                               % (key, value))
        address = entry.get('address')
        if address:
            try:
                if '/' not in address:
                    raise ValueError('no prefix length')
                ipaddress.IPv4Interface(address)
            except ValueError:
                out.append('address %r of %s is not an IPv4 address with its prefix length (198.18.12.1/24)'
                           % (address, entry.get('name')))
        mtu = entry.get('mtu')
        if mtu is not None and not MTU_MIN <= mtu <= MTU_MAX:
            out.append('MTU %s of %s is not between %d and %d' % (mtu, entry.get('name'), MTU_MIN, MTU_MAX))
    twice = sorted(set(n for n in names if names.count(n) > 1))
    if twice:
        out.append('%s named more than once (each port and bridge once)' % ', '.join(twice))
    return out


def prefix_problem(prefix):
    """A sentence for a file name prefix that would not name a file of the module's own in the directory, else None."""
    if isinstance(prefix, str) and PREFIX.match(prefix) and '..' not in prefix:
        return None
    return ('prefix %r (interfaces role: connectx_interfaces_file_prefix) is not a file name prefix (1 to 64 letters, '
            'digits, "_", "-", "."; not starting with "."; no "/" or ".."): the files must stay in the directory, e.g. '
            'connectx-' % (prefix,))


def stanza(entry, managed='Ansible managed'):
    """The file of one port (and its optional bridge)."""
    name = entry['name']
    bridge = entry.get('bridge') or ''
    address = entry.get('address') or ''
    mtu = entry.get('mtu') or ''
    lines = ['# %s: homelab.connectx.interfaces (connectx_interfaces entry "%s")' % (managed, name),
             'auto %s' % name,
             'iface %s inet %s' % (name, 'static' if address and not bridge else 'manual')]
    if address and not bridge:
        lines.append('    address %s' % address)
    if mtu:
        lines.append('    mtu %s' % mtu)
    if bridge:
        lines += ['', 'auto %s' % bridge, 'iface %s inet %s' % (bridge, 'static' if address else 'manual')]
        if address:
            lines.append('    address %s' % address)
        lines += ['    bridge-ports %s' % name, '    bridge-stp off', '    bridge-fd 0']
        if mtu:
            lines.append('    mtu %s' % mtu)
    return '\n'.join(lines) + '\n'


def sources(interfaces_text, directory):
    """Whether /etc/network/interfaces sources ``directory`` (``source DIR/*`` or ``source-directory DIR``)."""
    pattern = re.compile(r'^\s*source(-directory)?\s+' + re.escape(directory.rstrip('/')) + r'(/|\s|$)', re.M)
    return bool(pattern.search(interfaces_text or ''))
